package pipe

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// TestMeasureKafkaToKafka compares, on one in-process broker and the same
// input, the time to move every record of a topic to another:
//
//	bare:          a franz-go poll-and-produce loop that copies the records
//	etl-pipe copy: etl-kread | etl-kwrite, in process: the pipeline alone
//	etl-pipe:      etl-kread | etl-set status=seen n:=1 | etl-math 'amount *= 1.2' | etl-kwrite, in process
//	shell:         the same line as a shell pipeline of the binaries
//	kcat|jq:       kcat -C | jq -c '.status="seen" | .n=1' | kcat -P
//
// bare and the etl-pipe rows are measured alike. Each reads in a consumer
// group of its own, up to the end offsets it found at its start. The time
// runs until it stopped, with its records acknowledged and its offsets
// committed.
// They run ETL_PIPE_MEASURE_RUNS times (3 by default), one after the
// other, and the median of each is reported.
//
// It runs only with ETL_PIPE_MEASURE set to the record count, such as
//
//	ETL_PIPE_MEASURE=200000 go test ./internal/pipe -run Measure -v
//
// and needs kcat and jq on PATH for the last row, and the binaries on PATH
// (go install ./cmd/...) for the shell row. The values are small
// generated objects, or the lines of the file ETL_PIPE_MEASURE_INPUT
// names, such as the orders that make bench-compare generates.
func TestMeasureKafkaToKafka(t *testing.T) {
	var n int
	if _, err := fmt.Sscan(os.Getenv("ETL_PIPE_MEASURE"), &n); err != nil || n <= 0 {
		t.Skip("set ETL_PIPE_MEASURE=N to measure with N records")
	}
	runs := 3
	fmt.Sscan(os.Getenv("ETL_PIPE_MEASURE_RUNS"), &runs)
	topics := []string{"in", "out-shell", "out-kcat"}
	for i := range runs {
		topics = append(topics, fmt.Sprintf("out-bare-%d", i), fmt.Sprintf("out-pipe-%d", i), fmt.Sprintf("out-copy-%d", i))
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topics...))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seeds := strings.Join(c.ListenAddrs(), ",")
	measureProduce(t, c, n)

	times := map[string][]time.Duration{}
	for i := range runs {
		bare := fmt.Sprintf("out-bare-%d", i)
		times["bare"] = append(times["bare"], timeIt(t, c, bare, n, func(ctx context.Context) {
			pprof.Do(ctx, pprof.Labels("run", "bare"), func(ctx context.Context) {
				bareCopy(ctx, t, c, fmt.Sprintf("bare-%d", i), bare)
			})
		}))
		out := fmt.Sprintf("out-pipe-%d", i)
		times["etl-pipe"] = append(times["etl-pipe"], timeIt(t, c, out, n, func(ctx context.Context) {
			measurePipe(ctx, t, fmt.Sprintf("etl-kread in -b %s -g pipe-%d -e | etl-set status=seen n:=1 | etl-math 'amount *= 1.2' | etl-kwrite %s -b %s", seeds, i, out, seeds))
		}))
		out = fmt.Sprintf("out-copy-%d", i)
		times["etl-pipe copy"] = append(times["etl-pipe copy"], timeIt(t, c, out, n, func(ctx context.Context) {
			measurePipe(ctx, t, fmt.Sprintf("etl-kread in -b %s -g copy-%d -e | etl-kwrite %s -b %s", seeds, i, out, seeds))
		}))
	}
	if _, err := exec.LookPath("etl-kread"); err == nil {
		times["shell"] = []time.Duration{timeIt(t, c, "out-shell", n, func(ctx context.Context) {
			shell(ctx, t, fmt.Sprintf("etl-kread in -b %s -e | etl-set status=seen n:=1 | etl-math 'amount *= 1.2' | etl-kwrite -b %s out-shell", seeds, seeds))
		})}
	}
	if _, err := exec.LookPath("kcat"); err == nil {
		times["kcat|jq|kcat"] = []time.Duration{timeIt(t, c, "out-kcat", n, func(ctx context.Context) {
			shell(ctx, t, fmt.Sprintf(`kcat -C -b %s -t in -e -q -u | jq -c '.status="seen" | .n=1 | .amount *= 1.2' | kcat -P -b %s -t out-kcat`, seeds, seeds))
		})}
	}

	t.Logf("%d records of about 60 bytes, %s, %d CPUs, %s", n, runtime.Version(), runtime.NumCPU(), runtime.GOARCH)
	medians := map[string]time.Duration{}
	for name, ds := range times {
		sorted := slices.Clone(ds)
		slices.Sort(sorted)
		medians[name] = sorted[len(sorted)/2]
	}
	for _, name := range []string{"bare", "etl-pipe copy", "etl-pipe", "shell", "kcat|jq|kcat"} {
		if d, ok := medians[name]; ok {
			t.Logf("%-13s %8.0f records/s  %.2fx the time of bare  (runs: %v)", name, float64(n)/d.Seconds(), d.Seconds()/medians["bare"].Seconds(), times[name])
		}
	}
	if d, ok := medians["kcat|jq|kcat"]; ok {
		t.Logf("etl-pipe is %.1fx as fast as kcat|jq|kcat", d.Seconds()/medians["etl-pipe"].Seconds())
	}
}

// measurePipe runs a pipeline line in process until its bounded read is
// delivered.
func measurePipe(ctx context.Context, t *testing.T, line string) {
	cfg, err := config.FromLine(line)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Processors = runtime.GOMAXPROCS(0)
	fmt.Sscan(os.Getenv("ETL_PIPE_MEASURE_BUFFER"), &cfg.Buffer)
	p, err := plan.Build(cfg, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The label lets a CPU profile of this test tell the pipeline's
	// goroutines from the broker's: go tool pprof -tagfocus run=pipe
	// (or copy, or bare).
	label := "copy"
	if strings.Contains(line, "etl-set") {
		label = "pipe"
	}
	pprof.Do(ctx, pprof.Labels("run", label), func(ctx context.Context) {
		if err := engine.New(p.Spec, nil, newLogger(&bytes.Buffer{}, "json", "error")).Run(ctx); err != nil {
			t.Error(err)
		}
	})
}

func measureProduce(t *testing.T, c *kfake.Cluster, n int) {
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ProducerLinger(5*time.Millisecond))
	defer cl.Close()

	// ETL_PIPE_MEASURE_INPUT names a file of JSON lines to use as the
	// values instead of the small generated ones, repeated as needed.
	var lines [][]byte
	if path := os.Getenv("ETL_PIPE_MEASURE_INPUT"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines = bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	}
	for i := 0; i < n; i++ {
		value := []byte(fmt.Sprintf(`{"id":%d,"amount":%d.25,"user":{"name":"u%d"}}`, i, i, i%100))
		if lines != nil {
			value = lines[i%len(lines)]
		}
		cl.Produce(context.Background(), &kgo.Record{Topic: "in", Key: []byte(fmt.Sprint(i % 100)), Value: value}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// timeIt runs fn until it returns and topic holds n records, and returns
// how long that took.
func timeIt(t *testing.T, c *kfake.Cluster, topic string, n int, fn func(context.Context)) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	fn(ctx)
	elapsed := time.Since(start)

	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	if total < int64(n) {
		t.Fatalf("%s: %d of %d records after %s", topic, total, n, elapsed)
	}
	return elapsed
}

// bareCopy consumes in, as a member of group, up to the end offsets it
// finds at its start, and produces every record unchanged to out.
func bareCopy(ctx context.Context, t *testing.T, c *kfake.Cluster, group, out string) {
	adminCl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	ends, err := kadm.NewClient(adminCl).ListEndOffsets(ctx, "in")
	adminCl.Close()
	if err != nil {
		t.Error(err)
		return
	}
	left := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("in"), kgo.ConsumerGroup(group), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Error(err)
		return
	}
	defer cl.Close()
	for len(left) > 0 && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			cl.Produce(ctx, &kgo.Record{Topic: out, Key: r.Key, Value: r.Value, Headers: r.Headers}, nil)
			if end, ok := left[r.Partition]; ok && r.Offset+1 >= end {
				delete(left, r.Partition)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Error(err)
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Error(err)
	}
}

func shell(ctx context.Context, t *testing.T, line string) {
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil && ctx.Err() == nil {
		t.Errorf("%s: %v\n%s", line, err, stderr.String())
	}
}
