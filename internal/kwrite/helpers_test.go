package kwrite

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
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

// runResult is the outcome of one etl-kwrite run.
type runResult struct {
	code   int
	stderr string
}

// run runs etl-kwrite in-process against c with stdin as input.
func run(t testing.TB, c *kfake.Cluster, stdin string, args ...string) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"-b", strings.Join(c.ListenAddrs(), ",")}, args...)
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	if stdout.Len() > 0 {
		t.Errorf("etl-kwrite wrote %q to stdout, which is for data only", stdout.String())
	}
	return runResult{code: code, stderr: stderr.String()}
}

// mustRun runs etl-kwrite and fails the test unless it exits 0.
func mustRun(t testing.TB, c *kfake.Cluster, stdin string, args ...string) {
	t.Helper()
	if res := run(t, c, stdin, args...); res.code != 0 {
		t.Fatalf("etl-kwrite %q exited %d: %s", args, res.code, res.stderr)
	}
}

// consume reads every record of topic, ordered by partition and offset.
func consume(t testing.TB, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	listed, err := kadm.NewClient(admin).ListEndOffsets(ctx, topic)
	if err != nil || listed.Error() != nil {
		t.Fatalf("list end offsets of %q: %v %v", topic, err, listed.Error())
	}
	total := int64(0)
	offsets := make(map[int32]kgo.Offset)
	ends := listed[topic]
	for p, o := range ends {
		total += o.Offset
		offsets[p] = kgo.NewOffset().AtStart()
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	byPartition := make(map[int32][]*kgo.Record)
	for n := int64(0); n < total; {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatal(err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			byPartition[r.Partition] = append(byPartition[r.Partition], r)
			n++
		})
	}
	var out []*kgo.Record
	for p := int32(0); p < int32(len(ends)); p++ {
		out = append(out, byPartition[p]...)
	}
	return out
}
