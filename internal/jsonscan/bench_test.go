package jsonscan

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// BenchmarkCheckObject checks the 39,244 wikiticker lines of
// examples/wikiticker, the check that etl-math makes on each plain line.
func BenchmarkCheckObject(b *testing.B) {
	f, err := os.Open("../../examples/wikiticker/wikiticker-2015-09-12-sampled.json.gz")
	if err != nil {
		b.Fatalf("open benchmark input: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatalf("read benchmark input: %v", err)
	}
	var lines [][]byte
	var size int64
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
		size += int64(len(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("read benchmark input: %v", err)
	}

	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, line := range lines {
			if err := CheckObject(line); err != nil {
				b.Fatal(err)
			}
		}
	}
}
