package kread

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/record"
)

// newCluster starts an in-process broker whose topics are created on
// first use with three partitions.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.Ports(0), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// testContext bounds a test's calls to the broker, so that a bug shows as
// a failure rather than a hung test.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// produce writes records synchronously. Records without a partition set
// (-1) are partitioned by key.
func produce(t testing.TB, c *kfake.Cluster, records ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(testContext(t), records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// values returns records of topic with the given values, all in one
// partition.
func values(topic string, partition int32, vs ...string) []*kgo.Record {
	var out []*kgo.Record
	for _, v := range vs {
		out = append(out, &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)})
	}
	return out
}

// runResult is the outcome of one etl-kread run.
type runResult struct {
	code   int
	stdout string
	stderr string
}

// run runs etl-kread in-process against c.
func run(t testing.TB, c *kfake.Cluster, args ...string) runResult {
	t.Helper()
	return runTo(t, c, &bytes.Buffer{}, args...)
}

func runTo(t testing.TB, c *kfake.Cluster, stdout io.Writer, args ...string) runResult {
	t.Helper()
	var stderr bytes.Buffer
	args = append([]string{"-b", strings.Join(c.ListenAddrs(), ",")}, args...)
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: &stderr})
	res := runResult{code: code, stderr: stderr.String()}
	if b, ok := stdout.(*bytes.Buffer); ok {
		res.stdout = b.String()
	}
	return res
}

// mustRun runs etl-kread and fails the test unless it exits 0.
func mustRun(t testing.TB, c *kfake.Cluster, args ...string) string {
	t.Helper()
	res := run(t, c, args...)
	if res.code != 0 {
		t.Fatalf("etl-kread %q exited %d: %s", args, res.code, res.stderr)
	}
	return res.stdout
}

// decode parses envelope lines.
func decode(t testing.TB, out string) []*record.Record {
	t.Helper()
	var recs []*record.Record
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec record.Record
		if err := record.DecodeEnvelope(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, rec.Clone())
	}
	return recs
}

// positions lists "topic/partition/offset=value" of records, for compact
// comparisons.
func positions(recs []*record.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s/%d/%d=%s", r.Topic, r.Partition, r.Offset, r.Value))
	}
	return out
}
