package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// checkMode is the way two outputs are compared. Outputs are compared as
// multisets of lines, because tools that run in parallel (Benthos) or read
// partitions concurrently (every Kafka consumer) do not keep line order.
type checkMode int

const (
	// checkExact compares lines byte for byte.
	checkExact checkMode = iota
	// checkJSON compares lines as JSON: keys sorted, no spaces, and
	// numbers rounded to 12 significant digits, so that 43.2 from exact
	// decimal arithmetic equals 43.199999999999996 from float64, and a
	// big integer equals its float64 rewrite. What this forgives shows up
	// in the fidelity table instead.
	checkJSON
	// checkCount compares line counts only.
	checkCount
)

func (m checkMode) String() string {
	switch m {
	case checkExact:
		return "same bytes"
	case checkJSON:
		return "same JSON"
	}
	return "same line count"
}

// digest is an order-independent summary of a file's lines: their count
// and the sum of their hashes.
type digest struct {
	lines int64
	sum   uint64
}

var hashSeed = maphash.MakeSeed()

// eachLine calls fn with every line of path, without its newline. The
// slice is valid only during the call.
func eachLine(path string, fn func(line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	in := bufio.NewReaderSize(f, 1<<20)
	var long []byte
	for {
		line, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		if len(line) > 0 {
			if fnErr := fn(bytes.TrimSuffix(line, []byte{'\n'})); fnErr != nil {
				return fnErr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %q: %w", path, err)
		}
	}
}

// countLines returns the number of lines of path.
func countLines(path string) (int64, error) {
	var n int64
	err := eachLine(path, func([]byte) error { n++; return nil })
	return n, err
}

// lineHash returns the hash of a line as mode compares it.
func lineHash(line []byte, mode checkMode, scratch *[]byte) (uint64, error) {
	if mode != checkJSON {
		return maphash.Bytes(hashSeed, line), nil
	}
	canonical, err := canonicalJSON((*scratch)[:0], line)
	*scratch = canonical
	if err != nil {
		return 0, err
	}
	return maphash.Bytes(hashSeed, canonical), nil
}

// digestFile summarises path for mode. A line that is not JSON in
// checkJSON mode is hashed as it is, so that it differs from any JSON line.
func digestFile(path string, mode checkMode) (digest, error) {
	var d digest
	var scratch []byte
	err := eachLine(path, func(line []byte) error {
		d.lines++
		if mode == checkCount {
			return nil
		}
		h, err := lineHash(line, mode, &scratch)
		if err != nil {
			h = maphash.Bytes(hashSeed, line)
		}
		d.sum += h
		return nil
	})
	return d, err
}

// lineCounts returns how often each line hash occurs in path.
func lineCounts(path string, mode checkMode) (map[uint64]int32, error) {
	counts := make(map[uint64]int32)
	var scratch []byte
	err := eachLine(path, func(line []byte) error {
		h, err := lineHash(line, mode, &scratch)
		if err != nil {
			h = maphash.Bytes(hashSeed, line)
		}
		counts[h]++
		return nil
	})
	return counts, err
}

// firstExtraLine returns the first line of candidate that reference does
// not have (as a multiset under mode), cut to a readable length.
func firstExtraLine(candidate string, reference map[uint64]int32, mode checkMode) (string, error) {
	remaining := maps.Clone(reference)
	var scratch []byte
	var found string
	errFound := errors.New("found")
	err := eachLine(candidate, func(line []byte) error {
		h, err := lineHash(line, mode, &scratch)
		if err != nil {
			h = maphash.Bytes(hashSeed, line)
		}
		if remaining[h] > 0 {
			remaining[h]--
			return nil
		}
		found = string(line)
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", err
	}
	return shorten(found), nil
}

// commonLines returns how many lines of candidate also occur in reference,
// counted as a multiset intersection of exact bytes.
func commonLines(candidate string, reference map[uint64]int32) (int64, error) {
	remaining := maps.Clone(reference)
	var common int64
	err := eachLine(candidate, func(line []byte) error {
		h := maphash.Bytes(hashSeed, line)
		if remaining[h] > 0 {
			remaining[h]--
			common++
		}
		return nil
	})
	return common, err
}

// canonicalJSON appends a canonical form of one JSON text to dst.
func canonicalJSON(dst, line []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return dst, err
	}
	if dec.More() {
		return dst, fmt.Errorf("more than one JSON value on a line")
	}
	return appendCanonical(dst, v), nil
}

func appendCanonical(dst []byte, v any) []byte {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendQuote(dst, k)
			dst = append(dst, ':')
			dst = appendCanonical(dst, v[k])
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case string:
		return strconv.AppendQuote(dst, v)
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return append(dst, v...)
		}
		return strconv.AppendFloat(dst, f, 'g', 12, 64)
	case bool:
		return strconv.AppendBool(dst, v)
	}
	return append(dst, "null"...)
}

// describeDifference explains how out differs from want, for the report.
// It compares the files line by line, which pairs the right lines for
// tools that keep the input order, and names the top-level fields whose
// values differ in the first pair of lines that do.
func describeDifference(want, out string, mode checkMode) string {
	wantFile, err := os.Open(want)
	if err != nil {
		return err.Error()
	}
	defer wantFile.Close()
	outFile, err := os.Open(out)
	if err != nil {
		return err.Error()
	}
	defer outFile.Close()

	wantLines, outLines := newLineScanner(wantFile), newLineScanner(outFile)
	var wantScratch, outScratch []byte
	for n := 1; ; n++ {
		haveWant, haveOut := wantLines.Scan(), outLines.Scan()
		switch {
		case !haveWant && !haveOut:
			return "the same lines in another order, but not the same multiset of lines"
		case !haveOut:
			return fmt.Sprintf("fewer lines than expected, from line %d on", n)
		case !haveWant:
			return fmt.Sprintf("more lines than expected, such as %s", shorten(outLines.Text()))
		}
		a, _ := lineHash(wantLines.Bytes(), mode, &wantScratch)
		b, _ := lineHash(outLines.Bytes(), mode, &outScratch)
		if a != b {
			return fmt.Sprintf("line %d: %s", n, fieldDifferences(wantLines.Bytes(), outLines.Bytes()))
		}
	}
}

func newLineScanner(f *os.File) *bufio.Scanner {
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<30)
	return s
}

// fieldDifferences lists the top-level fields of two JSON objects whose
// values differ, as "field: want → got".
func fieldDifferences(want, got []byte) string {
	var a, b map[string]json.RawMessage
	if json.Unmarshal(want, &a) != nil || json.Unmarshal(got, &b) != nil {
		return fmt.Sprintf("want %s, got %s", shorten(string(want)), shorten(string(got)))
	}
	keys := make(map[string]bool)
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		ca, _ := canonicalJSON(nil, a[k])
		cb, _ := canonicalJSON(nil, b[k])
		if !bytes.Equal(ca, cb) {
			diffs = append(diffs, fmt.Sprintf("%s: %s → %s", k, shorten(string(a[k])), shorten(string(b[k]))))
		}
	}
	if len(diffs) == 0 {
		return "the lines differ, but no top-level field does: " + shorten(string(got))
	}
	return strings.Join(diffs, "; ")
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
