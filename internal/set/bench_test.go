package set

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
	"github.com/tidwall/gjson"
)

// cpuClock measures the CPU time of the process, which shifts less than
// wall time when other processes share the machine. Benchmarks report
// it as MB/cpu-s beside the usual MB/s.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{cpuTime()} }

func (c cpuClock) report(b *testing.B, bytes int64) {
	if spent := cpuTime() - c.start; spent > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/1e6/spent.Seconds(), "MB/cpu-s")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// wikitickerPath is the benchmark input: 39,244 Wikipedia edit events, one
// flat JSON object per line. It is Apache Druid's quickstart data, and
// examples/wikiticker/README.md gives its source and licence.
const wikitickerPath = "../../examples/wikiticker/wikiticker-2015-09-12-sampled.json.gz"

// loadWikiticker returns the lines of the benchmark input and their total
// size in bytes, line endings excluded.
func loadWikiticker(b *testing.B) ([][]byte, int64) {
	b.Helper()
	f, err := os.Open(wikitickerPath)
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
		line := bytes.Clone(sc.Bytes())
		lines = append(lines, line)
		size += int64(len(line))
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("read benchmark input: %v", err)
	}
	return lines, size
}

// BenchmarkProcess runs the etl-set hot path, status=seen on every
// record, one Processor, the way a stream stage calls it. Compare it with
// BenchmarkGJSONScan, which only reads the same field.
func BenchmarkProcess(b *testing.B) {
	benchmarkEdits(b, "status=seen")
}

// BenchmarkProcessReplace sets a field that every record has.
func BenchmarkProcessReplace(b *testing.B) {
	benchmarkEdits(b, "channel=seen")
}

// BenchmarkProcessThreeEdits chains a copy, a delete and a default.
func BenchmarkProcessThreeEdits(b *testing.B) {
	benchmarkEdits(b, "editor==user", "comment-", "cityName//=unknown")
}

// BenchmarkProcessValidate is status=seen with --validate.
func BenchmarkProcessValidate(b *testing.B) {
	lines, size := loadWikiticker(b)
	prog, err := Compile([]string{"status=seen"}, Options{Validate: true})
	if err != nil {
		b.Fatal(err)
	}
	runProcessor(b, prog, lines, size)
}

// BenchmarkProcessKafkaRecords is two edits on records that carry
// metadata, as etl-pipe and envelope streams hand them over: each value
// is checked in full, and that check indexes the root's members.
func BenchmarkProcessKafkaRecords(b *testing.B) {
	lines, size := loadWikiticker(b)
	prog, err := Compile([]string{"status=seen", "n:=1"}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	runProcessorMeta(b, prog, lines, size, true)
}

func benchmarkEdits(b *testing.B, edits ...string) {
	lines, size := loadWikiticker(b)
	prog, err := Compile(edits, Options{})
	if err != nil {
		b.Fatal(err)
	}
	runProcessor(b, prog, lines, size)
}

func runProcessor(b *testing.B, prog *Program, lines [][]byte, size int64) {
	runProcessorMeta(b, prog, lines, size, false)
}

// runProcessorMeta runs prog on lines as plain lines, or as Kafka
// records when meta is set.
func runProcessorMeta(b *testing.B, prog *Program, lines [][]byte, size int64, meta bool) {
	proc := prog.NewProcessor()
	var out int
	emit := func(rec *record.Record) error {
		out += len(rec.Value)
		return nil
	}
	var rec record.Record
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for range b.N {
		for i, line := range lines {
			rec = record.Record{Value: line, Line: int64(i + 1), Partition: -1, Offset: -1}
			if meta {
				rec = record.Record{Value: line, Topic: "in", Offset: int64(i), HasMeta: true}
			}
			if err := proc.Process(&rec, emit); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu.report(b, size)
	if out == 0 {
		b.Fatal("nothing emitted")
	}
}

// BenchmarkGJSONScan is the reference: one gjson.GetBytes of the same
// field over the same records, and nothing else.
func BenchmarkGJSONScan(b *testing.B) {
	lines, size := loadWikiticker(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	found := 0
	cpu := startCPU()
	for range b.N {
		for _, line := range lines {
			if gjson.GetBytes(line, "status").Exists() {
				found++
			}
		}
	}
	cpu.report(b, size)
	if found != 0 {
		b.Fatal("status found in the input")
	}
}

// BenchmarkEncodingJSON is the baseline that the design avoids: decode
// into a map, set the field, encode again.
func BenchmarkEncodingJSON(b *testing.B) {
	lines, size := loadWikiticker(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var buf bytes.Buffer
	cpu := startCPU()
	defer cpu.report(b, size)
	for range b.N {
		for _, line := range lines {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				b.Fatal(err)
			}
			m["status"] = "seen"
			buf.Reset()
			if err := json.NewEncoder(&buf).Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// joinLines returns the benchmark input as one newline-delimited stream.
func joinLines(lines [][]byte) []byte {
	var buf bytes.Buffer
	for _, line := range lines {
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// BenchmarkReader reads the input with record.Reader and does nothing
// else, to check that reading lines is not what limits etl-set.
func BenchmarkReader(b *testing.B) {
	lines, _ := loadWikiticker(b)
	stream := joinLines(lines)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b, int64(len(stream)))
	for range b.N {
		r := record.NewReader(bytes.NewReader(stream), record.FormatAuto, 1<<20)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}

// BenchmarkStream is the whole etl-set stage in-process: read lines,
// status=seen, write lines to io.Discard.
func BenchmarkStream(b *testing.B) {
	lines, _ := loadWikiticker(b)
	stream := joinLines(lines)
	prog, err := Compile([]string{"status=seen"}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	factory := func() (stage.Processor, error) { return prog.NewProcessor(), nil }
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b, int64(len(stream)))
	for range b.N {
		_, err := stage.RunStream("etl-set", factory, bytes.NewReader(stream), io.Discard, io.Discard, stage.StreamOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
}
