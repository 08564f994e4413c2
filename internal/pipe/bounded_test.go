package pipe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// boundedCluster starts a broker whose topic in holds n records
// {"id":i}, spread over 3 partitions by key.
func boundedCluster(t *testing.T, n int) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "in", "out"), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < n; i++ {
		cl.Produce(context.Background(), &kgo.Record{Topic: "in", Key: []byte(fmt.Sprint(i % 10)), Value: []byte(fmt.Sprintf(`{"id":%d}`, i))}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, strings.Join(c.ListenAddrs(), ",")
}

// runPipeBounded runs line, which must stop by itself within 30 seconds.
func runPipeBounded(t *testing.T, line string) {
	t.Helper()
	type result struct {
		stderr string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, stderr, code := runPipe(t, line, "")
		done <- result{stderr, code}
	}()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("etl-pipe exited %d, want 0:\n%s", r.code, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("etl-pipe did not stop by itself within 30s: %s", line)
	}
}

// readTopic returns every record of topic.
func readTopic(t *testing.T, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		if fs.NumRecords() == 0 {
			return out
		}
		out = append(out, fs.Records()...)
	}
}

func TestBoundedRead(t *testing.T) {
	cases := []struct {
		name          string
		source        string
		sink          string
		want          int
		samePartition bool
	}{
		{"exit at end", "etl-kread in -e", "etl-kwrite out --keep-partition", 300, true},
		{"exit at end in a group", "etl-kread in -e -g g1", "etl-kwrite out --keep-partition", 300, true},
		{"count", "etl-kread in -g g2 -n 120", "etl-kwrite out", 120, false},
		{"count and exit at end", "etl-kread in -e -n 1000", "etl-kwrite out --partition 2", 300, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, seeds := boundedCluster(t, 300)
			runPipeBounded(t, fmt.Sprintf("%s -b %s | etl-set status=seen | %s -b %s", tc.source, seeds, tc.sink, seeds))

			out := readTopic(t, c, "out")
			if len(out) != tc.want {
				t.Fatalf("out holds %d records, want %d", len(out), tc.want)
			}
			for _, r := range out {
				if gjson.GetBytes(r.Value, "status").String() != "seen" {
					t.Fatalf("record not edited: %s", r.Value)
				}
				if strings.Contains(tc.sink, "--partition 2") && r.Partition != 2 {
					t.Fatalf("record %s in partition %d, want 2", r.Value, r.Partition)
				}
			}
			if tc.samePartition {
				checkSamePartitions(t, c, out)
			}
		})
	}
}

// checkSamePartitions checks that every record of out is in the
// partition its source record was in.
func checkSamePartitions(t *testing.T, c *kfake.Cluster, out []*kgo.Record) {
	t.Helper()
	source := map[int64]int32{}
	for _, r := range readTopic(t, c, "in") {
		source[gjson.GetBytes(r.Value, "id").Int()] = r.Partition
	}
	for _, r := range out {
		id := gjson.GetBytes(r.Value, "id").Int()
		if r.Partition != source[id] {
			t.Fatalf("record %d in partition %d, its source was in %d", id, r.Partition, source[id])
		}
	}
}
