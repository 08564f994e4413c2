package kread

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
)

// The read benchmarks compare etl-kread with a bare franz-go loop that
// polls and writes each value and a newline into the same size of
// buffered writer: the least any consumer writing lines must do. Both
// read the same topic from the same in-process broker, to io.Discard.
//
//	go test -run '^$' -bench . -benchtime 10x ./internal/kread/

// wikiticker is the test data set that the benchmarks load.
const wikiticker = "../../examples/wikiticker/wikiticker-2015-09-12-sampled.json.gz"

var bench struct {
	once    sync.Once
	cluster *kfake.Cluster
	records int
	bytes   int64
	err     error
}

// benchCluster returns a broker holding the wikiticker lines in topic
// "wiki" of three partitions, loaded once for all benchmarks.
func benchCluster(b *testing.B) (*kfake.Cluster, int, int64) {
	b.Helper()
	bench.once.Do(func() {
		lines, err := readLines(wikiticker)
		if err != nil {
			bench.err = err
			return
		}
		c, err := kfake.NewCluster(kfake.Ports(0), kfake.SeedTopics(3, "wiki"))
		if err != nil {
			bench.err = err
			return
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ProducerLinger(0))
		if err != nil {
			bench.err = err
			return
		}
		defer cl.Close()
		for _, line := range lines {
			cl.Produce(context.Background(), &kgo.Record{Topic: "wiki", Key: []byte(strconv.Itoa(len(line))), Value: line}, nil)
			bench.bytes += int64(len(line)) + 1
		}
		if err := cl.Flush(context.Background()); err != nil {
			bench.err = err
			return
		}
		bench.cluster, bench.records = c, len(lines)
	})
	if bench.err != nil {
		b.Skipf("cannot load %s: %v", wikiticker, bench.err)
	}
	return bench.cluster, bench.records, bench.bytes
}

func readLines(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(z)
	if err != nil {
		return nil, err
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")), nil
}

func BenchmarkKreadValues(b *testing.B) {
	benchKread(b, "-e", "--values")
}

func BenchmarkKreadEnvelopes(b *testing.B) {
	benchKread(b, "-e")
}

func benchKread(b *testing.B, flags ...string) {
	c, _, size := benchCluster(b)
	args := append([]string{"-b", strings.Join(c.ListenAddrs(), ",")}, flags...)
	args = append(args, "wiki")
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		var stderr bytes.Buffer
		code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr})
		if code != 0 {
			b.Fatalf("etl-kread exited %d: %s", code, stderr.String())
		}
	}
}

// BenchmarkBareLoop is the reference: poll, write each value and a
// newline, stop after the known record count.
func BenchmarkBareLoop(b *testing.B) {
	c, records, size := benchCluster(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := bareLoop(c.ListenAddrs(), "wiki", records, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func bareLoop(brokers []string, topic string, records int, out io.Writer) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic))
	if err != nil {
		return err
	}
	defer cl.Close()
	w := bufio.NewWriterSize(out, 256<<10)
	for n := 0; n < records; {
		fetches := cl.PollFetches(context.Background())
		if err := fetches.Err(); err != nil {
			return err
		}
		fetches.EachRecord(func(r *kgo.Record) {
			w.Write(r.Value)
			w.WriteByte('\n')
			n++
		})
	}
	return w.Flush()
}

// TestBareReadTool runs the bare loop against an outside broker, for a
// side by side timing with kcat and etl-kread on the same broker. It runs
// only when ETL_BARE_READ names a topic and its record count:
//
//	ETL_BROKERS=127.0.0.1:9092 ETL_BARE_READ=wikiticker:39244 ./kread.test -test.run TestBareReadTool -test.v
func TestBareReadTool(t *testing.T) {
	spec := os.Getenv("ETL_BARE_READ")
	if spec == "" {
		t.Skip("set ETL_BARE_READ=TOPIC:RECORDS and ETL_BROKERS to run the bare read loop")
	}
	topic, count, _ := strings.Cut(spec, ":")
	records, err := strconv.Atoi(count)
	if err != nil {
		t.Fatalf("ETL_BARE_READ=%q: give TOPIC:RECORDS", spec)
	}
	out, err := os.Create(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	start := time.Now()
	if err := bareLoop(strings.Split(os.Getenv("ETL_BROKERS"), ","), topic, records, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("bare loop read %d records in %v", records, time.Since(start))
}
