package broker

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/twmb/franz-go/pkg/kgo"
)

// parseCommand parses args with etl-broker's real flag definitions, so
// tests get kong's defaults and checks.
func parseCommand(t *testing.T, args ...string) *Command {
	t.Helper()
	cmd := &Command{}
	parser, err := cli.Parser(App, cmd, io.Discard, io.Discard, func(int) {})
	if err != nil {
		t.Fatalf("build parser: %v", err)
	}
	if _, err := parser.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return cmd
}

// startBroker starts a broker on 127.0.0.1 with a free port, plus args,
// and closes it when the test ends.
func startBroker(t *testing.T, args ...string) *Broker {
	t.Helper()
	b, err := parseCommand(t, append([]string{"--listen", "127.0.0.1:0"}, args...)...).Start(testLogger(t))
	if err != nil {
		t.Fatalf("start broker %q: %v", args, err)
	}
	t.Cleanup(b.Close)
	return b
}

// testLogger returns a logger that writes to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// newClient returns a franz-go client of the broker at addr, closed when
// the test ends. It produces each record to the partition the record
// names.
func newClient(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// testContext bounds a test's Kafka calls, so a broker that stopped
// responding fails the test instead of hanging it.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// produce writes values to topic and fails the test unless every record
// is acknowledged.
func produce(t *testing.T, cl *kgo.Client, topic string, partition int32, values ...string) {
	t.Helper()
	var recs []*kgo.Record
	for _, v := range values {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)})
	}
	if err := cl.ProduceSync(testContext(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %q: %v", topic, err)
	}
}

// consumeAll reads n records from the start of topic.
func consumeAll(t *testing.T, addr, topic string, n int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	opts = append([]kgo.Opt{
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}, opts...)
	cl := newClient(t, addr, opts...)
	return pollRecords(t, cl, n)
}

// pollRecords polls cl until it has n records.
func pollRecords(t *testing.T, cl *kgo.Client, n int) []*kgo.Record {
	t.Helper()
	ctx := testContext(t)
	var recs []*kgo.Record
	for len(recs) < n {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(recs), n, err)
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			t.Fatalf("fetch topic %q partition %d: %v", topic, partition, err)
		})
		recs = append(recs, fetches.Records()...)
	}
	return recs
}

// valuesOf returns the records' values in order.
func valuesOf(recs []*kgo.Record) []string {
	var values []string
	for _, r := range recs {
		values = append(values, string(r.Value))
	}
	return values
}

// logBuffer collects log lines for checks.
func logBuffer(level slog.Level) (*bytes.Buffer, *slog.Logger) {
	var buf bytes.Buffer
	return &buf, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
}

// syncBuffer is a bytes.Buffer that a command may write while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
