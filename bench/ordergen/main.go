// Command ordergen writes order-like JSON lines to stdout until a given
// number of bytes, for the side-by-side benchmarks in bench/.
//
// The output is the same for the same -size and -seed. About half of the
// orders carry a "status" field, so that an edit of status both replaces
// and appends. Some values are there to catch tools that rewrite what they
// were not asked to touch: a trace_id above 2^63, "discount":1.0, unicode
// escapes and raw UTF-8 in notes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

var (
	statuses   = []string{"new", "paid", "packed", "shipped", "delivered", "refunded"}
	currencies = []string{"EUR", "USD", "GBP", "CHF", "JPY", "SEK"}
	countries  = []string{"FR", "DE", "US", "GB", "CH", "JP", "SE", "VN", "UA", "IL"}
	skus       = []string{"BK-1001", "BK-2002", "TS-0042", "MG-7777", "PN-0313", "CB-1200", "LP-9000", "HD-4040"}
	// notes are written into the output as they are, so they are JSON
	// string contents: escapes included.
	notes = []string{
		"",
		"leave at the door",
		`fragile \"glass\" inside`,
		"livraison après 18h",
		"Lieferung bitte an den Nachbarn",
		"请在工作日送货",
		`ring twice\\ then wait`,
		`caf\u00e9 order`,
		"доставка в офис",
	}
)

func main() {
	size := flag.String("size", "100MB", "bytes to write, with an optional suffix KB, MB or GB (powers of 1000)")
	seed := flag.Uint64("seed", 1, "seed of the pseudo-random generator")
	flag.Parse()

	limit, err := parseSize(*size)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ordergen: invalid -size %q: %v\n", *size, err)
		os.Exit(2)
	}

	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	if err := generate(out, limit, rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))); err != nil {
		fmt.Fprintf(os.Stderr, "ordergen: %v\n", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "ordergen: write stdout: %v\n", err)
		os.Exit(1)
	}
}

// parseSize parses a byte count such as 100MB or 1GB.
func parseSize(s string) (int64, error) {
	multiplier := int64(1)
	for _, unit := range []struct {
		suffix string
		factor int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if len(s) > len(unit.suffix) && s[len(s)-len(unit.suffix):] == unit.suffix {
			s, multiplier = s[:len(s)-len(unit.suffix)], unit.factor
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive number of bytes such as 100MB")
	}
	return n * multiplier, nil
}

// generate writes whole lines until at least limit bytes are written.
func generate(w *bufio.Writer, limit int64, rng *rand.Rand) error {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var line []byte
	var written int64
	for id := int64(1); written < limit; id++ {
		line = appendOrder(line[:0], id, start, rng)
		if _, err := w.Write(line); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		written += int64(len(line))
	}
	return nil
}

// appendOrder appends one order, ending in a newline, to dst.
func appendOrder(dst []byte, id int64, start time.Time, rng *rand.Rand) []byte {
	created := start.Add(time.Duration(id) * 397 * time.Millisecond)

	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, id, 10)
	dst = append(dst, `,"order_id":"ORD-`...)
	dst = strconv.AppendInt(dst, 10_000_000+id, 10)
	dst = append(dst, `","created_at":"`...)
	dst = created.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	dst = append(dst, `","customer":{"id":`...)
	dst = strconv.AppendInt(dst, 1+rng.Int64N(250_000), 10)
	dst = append(dst, `,"country":"`...)
	dst = append(dst, countries[rng.IntN(len(countries))]...)
	dst = append(dst, `","vip":`...)
	dst = strconv.AppendBool(dst, rng.IntN(10) == 0)
	dst = append(dst, `},"items":[`...)

	var cents int64
	items := 1 + rng.IntN(4)
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		qty := 1 + rng.Int64N(5)
		price := 99 + rng.Int64N(20_000)
		cents += qty * price
		dst = append(dst, `{"sku":"`...)
		dst = append(dst, skus[rng.IntN(len(skus))]...)
		dst = append(dst, `","qty":`...)
		dst = strconv.AppendInt(dst, qty, 10)
		dst = append(dst, `,"price":`...)
		dst = appendCents(dst, price)
		dst = append(dst, '}')
	}

	dst = append(dst, `],"amount":`...)
	dst = appendCents(dst, cents)
	dst = append(dst, `,"currency":"`...)
	dst = append(dst, currencies[rng.IntN(len(currencies))]...)
	dst = append(dst, `","discount":`...)
	if rng.IntN(4) == 0 {
		dst = append(dst, "1.0"...)
	} else {
		dst = append(dst, "0.95"...)
	}
	dst = append(dst, `,"trace_id":`...)
	dst = strconv.AppendUint(dst, 1<<63+rng.Uint64N(1<<62), 10)
	if rng.IntN(2) == 0 {
		dst = append(dst, `,"status":"`...)
		dst = append(dst, statuses[rng.IntN(len(statuses))]...)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"note":"`...)
	dst = append(dst, notes[rng.IntN(len(notes))]...)
	dst = append(dst, "\"}\n"...)
	return dst
}

// appendCents appends a number of cents as a decimal with two digits
// after the point, as money amounts are usually written.
func appendCents(dst []byte, cents int64) []byte {
	dst = strconv.AppendInt(dst, cents/100, 10)
	dst = append(dst, '.')
	if cents%100 < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, cents%100, 10)
}
