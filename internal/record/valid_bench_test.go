package record

import (
	"bufio"
	"compress/gzip"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// benchWikiticker runs fn on every line of the bundled wikiticker sample
// per iteration, with the sample's size as the bytes per operation.
func benchWikiticker(b *testing.B, fn func(line []byte)) {
	f, err := os.Open("../../examples/wikiticker/wikiticker-2015-09-12-sampled.json.gz")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	var lines [][]byte
	size := 0
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
		size += len(sc.Bytes())
	}

	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, line := range lines {
			fn(line)
		}
	}
}

func BenchmarkValidGJSON(b *testing.B) {
	benchWikiticker(b, func(line []byte) { gjson.ValidBytes(line) })
}

func BenchmarkValidJSON(b *testing.B) {
	benchWikiticker(b, func(line []byte) { ValidJSON(line) })
}

func BenchmarkValidUTF8(b *testing.B) {
	benchWikiticker(b, func(line []byte) { utf8.Valid(line) })
}

func BenchmarkAppendEnvelope(b *testing.B) {
	var buf []byte
	rec := Record{Topic: "wikiticker", Key: []byte("#en.wikipedia"), HasMeta: true}
	benchWikiticker(b, func(line []byte) {
		rec.Value = line
		buf = AppendEnvelope(buf[:0], &rec)
	})
}
