package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes given on the command line as a number with
// an optional binary suffix: 512, 64KiB, 16MiB, 1GiB (KB, MB and GB are
// read as the binary units too, and suffixes are case-insensitive).
type ByteSize int64

// UnmarshalText parses a size such as "64MiB".
func (b *ByteSize) UnmarshalText(text []byte) error {
	n, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = ByteSize(n)
	return nil
}

// ParseByteSize parses a size such as "64MiB" into bytes.
func ParseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
		{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			mult = u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q: use a positive number of bytes with an optional KiB, MiB or GiB suffix", s)
	}
	return n * mult, nil
}
