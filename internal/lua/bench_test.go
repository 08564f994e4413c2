package lua

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/etelgo/etelgo/internal/record"
)

// benchLines returns the lines of the test data file.
func benchLines(b *testing.B) [][]byte {
	b.Helper()
	data, err := os.ReadFile("testdata/windows-security-events.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// benchScript measures the per-record cost of opts over the test data.
func benchScript(b *testing.B, opts Options) {
	lines := benchLines(b)
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	if opts.Name == "" {
		opts.Name = "bench"
	}
	script, err := Compile(opts)
	if err != nil {
		b.Fatal(err)
	}
	proc, err := script.NewProcessor()
	if err != nil {
		b.Fatal(err)
	}
	defer proc.Close()
	emitted := 0
	emit := func(*record.Record) error { emitted++; return nil }
	var rec record.Record

	b.SetBytes(int64(total / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec = record.Record{Value: lines[i%len(lines)], Line: int64(i + 1), Partition: -1, Offset: -1}
		if err := proc.Process(&rec, emit); err != nil {
			b.Fatal(err)
		}
	}
	if emitted == 0 {
		b.Fatal("nothing emitted")
	}
}

// The one-field edit that etl-set, etl-math and jq are compared on: add
// 1 to an integer field.
const benchEdit = `rec.ThreadID = rec.ThreadID + 1`

// defaultTimeout is the --timeout default, which the benchmarks keep on
// because it changes gopher-lua's interpreter loop.
const defaultTimeout = time.Second

func BenchmarkInlineEdit(b *testing.B) {
	benchScript(b, Options{Source: benchEdit, Inline: true, Timeout: defaultTimeout})
}

func BenchmarkProcessEdit(b *testing.B) {
	benchScript(b, Options{Source: "function process(rec) " + benchEdit + " return rec end", Timeout: defaultTimeout})
}

func BenchmarkInlineEditNoTimeout(b *testing.B) {
	benchScript(b, Options{Source: benchEdit, Inline: true})
}

func BenchmarkInlineEditValidate(b *testing.B) {
	benchScript(b, Options{Source: benchEdit, Inline: true, Timeout: defaultTimeout, Validate: true})
}

func BenchmarkInlineNoop(b *testing.B) {
	benchScript(b, Options{Source: ``, Inline: true, Timeout: defaultTimeout})
}

func BenchmarkInlineRead(b *testing.B) {
	benchScript(b, Options{Source: `local x = rec.ThreadID`, Inline: true, Timeout: defaultTimeout})
}

// BenchmarkInlineDecode is the same edit through a full decode and encode
// of the value, as a script without lazy binding would run.
func BenchmarkInlineDecode(b *testing.B) {
	benchScript(b, Options{Source: `local t = json.decode(record.raw(rec)) t.ThreadID = t.ThreadID + 1 record.set_raw(rec, json.encode(t))`, Inline: true, Timeout: defaultTimeout})
}

// BenchmarkGJSONSJSON is the floor: the same edit with gjson and sjson,
// without Lua.
func BenchmarkGJSONSJSON(b *testing.B) {
	lines := benchLines(b)
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		line := lines[i%len(lines)]
		n := gjson.GetBytes(line, "ThreadID").Int()
		if _, err := sjson.SetBytes(line, "ThreadID", n+1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNumberTexts is what remembering number texts adds to a call
// that reads a number and writes a result: a reset, a remember and a
// lookup.
func BenchmarkNumberTexts(b *testing.B) {
	var t numberTexts
	const raw = "1.50"
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		t.reset()
		t.remember(1.5, raw)
		if _, ok := t.lookup(3); ok {
			b.Fatal("3 was not read")
		}
	}
}
