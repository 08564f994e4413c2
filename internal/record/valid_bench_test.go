package record

import (
	"bufio"
	"compress/gzip"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

func loadWiki(b *testing.B) [][]byte {
	f, err := os.Open("../../examples/wikiticker/wikiticker-2015-09-12-sampled.json.gz")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

func BenchmarkValidGJSON(b *testing.B) {
	lines := loadWiki(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			gjson.ValidBytes(l)
		}
	}
}

func BenchmarkValidJSON(b *testing.B) {
	lines := loadWiki(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			ValidJSON(l)
		}
	}
}

func BenchmarkValidUTF8(b *testing.B) {
	lines := loadWiki(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			utf8.Valid(l)
		}
	}
}

func BenchmarkAppendEnvelope(b *testing.B) {
	lines := loadWiki(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var buf []byte
	b.ResetTimer()
	rec := Record{Topic: "wikiticker", Key: []byte("#en.wikipedia"), HasMeta: true}
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			rec.Value = l
			buf = AppendEnvelope(buf[:0], &rec)
		}
	}
}
