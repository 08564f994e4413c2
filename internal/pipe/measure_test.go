package pipe

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
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
//	bare:       a franz-go poll-and-produce loop that copies the records
//	etl-pipe:   etl-kread | etl-set status=seen n:=1 | etl-kwrite, in process
//	shell:      the same line as a shell pipeline of the binaries
//	kcat|jq:    kcat -C | jq -c '.status="seen" | .n=1' | kcat -P
//
// It runs only with ETL_PIPE_MEASURE set to the record count, such as
//
//	ETL_PIPE_MEASURE=200000 go test ./internal/pipe -run Measure -v
//
// and needs kcat and jq on PATH for the last row, and the binaries on PATH
// (go install ./cmd/...) for the shell row.
func TestMeasureKafkaToKafka(t *testing.T) {
	var n int
	if _, err := fmt.Sscan(os.Getenv("ETL_PIPE_MEASURE"), &n); err != nil || n <= 0 {
		t.Skip("set ETL_PIPE_MEASURE=N to measure with N records")
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "in", "out-bare", "out-pipe", "out-shell", "out-kcat"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seeds := strings.Join(c.ListenAddrs(), ",")
	measureProduce(t, c, n)

	results := map[string]time.Duration{}
	results["bare"] = timeIt(t, c, "out-bare", n, func(ctx context.Context) { bareCopy(ctx, t, c, "out-bare") })
	results["etl-pipe"] = timeIt(t, c, "out-pipe", n, func(ctx context.Context) {
		cfg, err := config.FromLine(fmt.Sprintf("etl-kread in -b %s -g bench | etl-set status=seen n:=1 | etl-kwrite out-pipe -b %s", seeds, seeds))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Processors = runtime.GOMAXPROCS(0)
		fmt.Sscan(os.Getenv("ETL_PIPE_MEASURE_BUFFER"), &cfg.Buffer)
		p, err := plan.Build(cfg, plan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		engine.New(p.Spec, nil, newLogger(&bytes.Buffer{}, "json", "error")).Run(ctx)
	})
	if _, err := exec.LookPath("etl-kread"); err == nil {
		results["shell"] = timeIt(t, c, "out-shell", n, func(ctx context.Context) {
			shell(ctx, t, fmt.Sprintf("etl-kread in -b %s -e | etl-set status=seen n:=1 | etl-kwrite -b %s out-shell", seeds, seeds))
		})
	}
	if _, err := exec.LookPath("kcat"); err == nil {
		results["kcat|jq|kcat"] = timeIt(t, c, "out-kcat", n, func(ctx context.Context) {
			shell(ctx, t, fmt.Sprintf(`kcat -C -b %s -t in -e -q -u | jq -c '.status="seen" | .n=1' | kcat -P -b %s -t out-kcat`, seeds, seeds))
		})
	}

	t.Logf("%d records of about 60 bytes, %s, %d CPUs, %s", n, runtime.Version(), runtime.NumCPU(), runtime.GOARCH)
	for _, name := range []string{"bare", "etl-pipe", "shell", "kcat|jq|kcat"} {
		if d, ok := results[name]; ok {
			t.Logf("%-13s %8.0f records/s  %.2fx the time of bare", name, float64(n)/d.Seconds(), d.Seconds()/results["bare"].Seconds())
		}
	}
	if d, ok := results["kcat|jq|kcat"]; ok {
		t.Logf("etl-pipe is %.1fx as fast as kcat|jq|kcat", d.Seconds()/results["etl-pipe"].Seconds())
	}
}

func measureProduce(t *testing.T, c *kfake.Cluster, n int) {
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ProducerLinger(5*time.Millisecond))
	defer cl.Close()
	for i := 0; i < n; i++ {
		cl.Produce(context.Background(), &kgo.Record{Topic: "in", Key: []byte(fmt.Sprint(i % 100)), Value: []byte(fmt.Sprintf(`{"id":%d,"amount":%d.25,"user":{"name":"u%d"}}`, i, i, i%100))}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// timeIt runs fn until topic holds n records and returns how long it took.
func timeIt(t *testing.T, c *kfake.Cluster, topic string, n int, fn func(context.Context)) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() {
		fn(ctx)
		close(done)
	}()
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for {
		ends, err := adm.ListEndOffsets(context.Background(), topic)
		var total int64
		if err == nil {
			ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
		}
		if total >= int64(n) {
			break
		}
		if time.Since(start) > 10*time.Minute {
			t.Fatalf("%s: %d of %d records after 10 minutes", topic, total, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cancel()
	<-done
	return elapsed
}

// bareCopy consumes in and produces every record unchanged to out.
func bareCopy(ctx context.Context, t *testing.T, c *kfake.Cluster, out string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("in"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Error(err)
		return
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			cl.Produce(ctx, &kgo.Record{Topic: out, Key: r.Key, Value: r.Value, Headers: r.Headers}, nil)
		})
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
