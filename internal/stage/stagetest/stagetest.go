// Package stagetest holds what the tests and benchmarks of several stage
// packages share: reading gzipped sample lines and running a Processor
// over them.
package stagetest

import (
	"bufio"
	"compress/gzip"
	"os"
	"testing"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// ReadLines returns the lines of a gzipped file of up to 1 MiB per line.
func ReadLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}

	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// BenchmarkProcessor runs proc over lines as plain records, as RunStream
// would without the reading and writing, and returns how many records it
// emitted in the last pass.
func BenchmarkProcessor(b *testing.B, proc stage.Processor, lines []string) int {
	recs := make([]record.Record, len(lines))
	size := 0
	for i, line := range lines {
		recs[i] = record.Record{Value: []byte(line), Line: int64(i + 1)}
		size += len(line) + 1
	}
	emitted := 0
	emit := func(*record.Record) error { emitted++; return nil }

	b.SetBytes(int64(size))
	b.ReportAllocs()
	var rec record.Record
	for b.Loop() {
		emitted = 0
		for i := range recs {
			rec = recs[i]
			if err := proc.Process(&rec, emit); err != nil {
				b.Fatal(err)
			}
		}
	}
	return emitted
}
