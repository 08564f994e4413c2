package kwrite

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
)

// The write benchmarks compare etl-kwrite with a bare franz-go loop that
// scans lines and produces each one asynchronously with the same client
// settings (no compression, acks from all replicas, idempotence), then
// flushes: the least any producer reading lines must do.
//
//	go test -run '^$' -bench . -benchtime 10x ./internal/kwrite/

// wikiticker is the test data set that the benchmarks write.
const wikiticker = "../../examples/wikiticker/wikiticker-2015-09-12-sampled.json.gz"

var benchInput struct {
	once sync.Once
	data []byte
	err  error
}

func benchData(b *testing.B) []byte {
	b.Helper()
	benchInput.once.Do(func() {
		f, err := os.Open(wikiticker)
		if err != nil {
			benchInput.err = err
			return
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			benchInput.err = err
			return
		}
		benchInput.data, benchInput.err = io.ReadAll(z)
	})
	if benchInput.err != nil {
		b.Skipf("cannot read %s: %v", wikiticker, benchInput.err)
	}
	return benchInput.data
}

func BenchmarkKwritePlain(b *testing.B) {
	benchKwrite(b, benchData(b))
}

func BenchmarkKwriteKeyed(b *testing.B) {
	benchKwrite(b, benchData(b), "--key", "channel")
}

func benchKwrite(b *testing.B, data []byte, flags ...string) {
	c, err := kfake.NewCluster(kfake.Ports(0), kfake.DefaultNumPartitions(3), kfake.AllowAutoTopicCreation())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		args := append([]string{"-b", strings.Join(c.ListenAddrs(), ",")}, flags...)
		args = append(args, fmt.Sprintf("t%d", i))
		var stderr bytes.Buffer
		code := cli.Main(App, args, cli.Env{Stdin: bytes.NewReader(data), Stdout: io.Discard, Stderr: &stderr})
		if code != 0 {
			b.Fatalf("etl-kwrite exited %d: %s", code, stderr.String())
		}
	}
}

// BenchmarkBareProduce is the reference for BenchmarkKwritePlain.
func BenchmarkBareProduce(b *testing.B) {
	data := benchData(b)
	c, err := kfake.NewCluster(kfake.Ports(0), kfake.DefaultNumPartitions(3), kfake.AllowAutoTopicCreation())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := bareProduce(c.ListenAddrs(), fmt.Sprintf("t%d", i), bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func bareProduce(brokers []string, topic string, in io.Reader) (int, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.AllowAutoTopicCreation(), kgo.MaxBufferedRecords(10000))
	if err != nil {
		return 0, err
	}
	defer cl.Close()

	var failed error
	var mu sync.Mutex
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 256<<10), 64<<20)
	n := 0
	for sc.Scan() {
		r := &kgo.Record{Topic: topic, Value: append([]byte(nil), sc.Bytes()...)}
		cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
			}
		})
		n++
	}
	if err := cl.Flush(context.Background()); err != nil {
		return n, err
	}
	mu.Lock()
	defer mu.Unlock()
	return n, failed
}

// TestBareWriteTool runs the bare produce loop against an outside broker,
// for a side by side timing with kcat -P and etl-kwrite. It runs only
// when ETL_BARE_WRITE names a topic, reading lines from the file in
// ETL_BARE_WRITE_INPUT:
//
//	ETL_BROKERS=127.0.0.1:9092 ETL_BARE_WRITE=out ETL_BARE_WRITE_INPUT=wiki.ndjson ./kwrite.test -test.run TestBareWriteTool -test.v
func TestBareWriteTool(t *testing.T) {
	topic := os.Getenv("ETL_BARE_WRITE")
	if topic == "" {
		t.Skip("set ETL_BARE_WRITE=TOPIC, ETL_BARE_WRITE_INPUT=FILE and ETL_BROKERS to run the bare produce loop")
	}
	f, err := os.Open(os.Getenv("ETL_BARE_WRITE_INPUT"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	start := time.Now()
	n, err := bareProduce(strings.Split(os.Getenv("ETL_BROKERS"), ","), topic, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bare loop produced %d records in %v", n, time.Since(start))
}
