package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// The crash test runs a pipeline in a child process, which is this test
// binary started again with crashChildEnv set, so that it can be killed
// with SIGKILL.
const crashChildEnv = "ETL_PIPE_TEST_CRASH_CHILD"

// crashExactlyOnceEnv makes the child run with exactly-once delivery.
const crashExactlyOnceEnv = "ETL_PIPE_TEST_CRASH_EXACTLY_ONCE"

// crashHoldEnv makes the child's last stage write the record with this
// id and then wait forever, so that the child is killed with that
// record produced in a transaction that never ends.
const crashHoldEnv = "ETL_PIPE_TEST_CRASH_HOLD"

// holdStage passes records on and stops for good after the record whose
// id is hold.
type holdStage struct{ hold int64 }

func (h holdStage) Process(rec *record.Record, emit stage.Emit) error {
	if err := emit(rec); err != nil {
		return err
	}
	if gjson.GetBytes(rec.Value, "id").Int() == h.hold {
		select {}
	}
	return nil
}

func TestMain(m *testing.M) {
	if seeds := os.Getenv(crashChildEnv); seeds != "" {
		runCrashChild(seeds)
		return
	}
	os.Exit(m.Run())
}

// runCrashChild runs a Kafka to Kafka pipeline until it is killed.
func runCrashChild(seeds string) {
	spec := &Spec{
		Name: "crash",
		Kafka: &KafkaSource{
			// A killed member leaves the group only when its session times
			// out, so the session is short here.
			Client: []kgo.Opt{kgo.SeedBrokers(strings.Split(seeds, ",")...), kgo.FetchMaxWait(50 * time.Millisecond),
				kgo.SessionTimeout(2 * time.Second), kgo.HeartbeatInterval(200 * time.Millisecond)},
			Topics: []string{"in"}, Group: "g-crash", Start: kgo.NewOffset().AtStart(),
		},
		Stages: []Stage{editStage(1, "status", `"seen"`, 0), editStage(2, "n", `1`, 0)},
		Outputs: []OutputSpec{{Kind: OutputKafka, Kafka: &KafkaSink{
			Name: "kafka:out", Client: []kgo.Opt{kgo.SeedBrokers(strings.Split(seeds, ",")...)}, Route: func(dst *kgo.Record, _ *recordT) error { dst.Topic = "out"; return nil },
		}}},
		Processors: 2, Buffer: 200, CommitInterval: 50 * time.Millisecond,
		OnError: ErrorPolicy{Action: ActionFail},
	}
	if os.Getenv(crashExactlyOnceEnv) != "" {
		spec.ExactlyOnce = true
		spec.TransactionalID = "etl-pipe-crash"
		spec.Kafka.Group = "g-crash-eos"
		// A killed producer's open transaction blocks its partitions
		// until the transaction times out or the restart fences it.
		spec.Kafka.Client = append(spec.Kafka.Client, kgo.TransactionTimeout(2*time.Second))
	}
	if hold := os.Getenv(crashHoldEnv); hold != "" {
		id, _ := strconv.ParseInt(hold, 10, 64)
		spec.Stages = append(spec.Stages, Stage{Name: "hold", Index: 3, Factory: func() (stage.Processor, error) {
			return holdStage{id}, nil
		}})
	}
	err := New(spec, nil, quietLogger()).Run(context.Background())
	fmt.Fprintln(os.Stderr, "crash child ended:", err)
	os.Exit(3)
}

func startChild(t *testing.T, c *kfake.Cluster, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join(c.ListenAddrs(), ","))
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	return cmd
}

// waitOutput waits until topic out holds at least n records.
func waitOutput(t *testing.T, c *kfake.Cluster, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
		var total int64
		offs, err := listEnds(cl, "out")
		cl.Close()
		if err == nil {
			for _, o := range offs {
				total += o
			}
		}
		if total >= int64(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("output holds %d records after 30s, want %d", total, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	c := newCluster(t, 3, "in", "out")
	const n = 20000
	produceN(t, c, "in", 0, n)

	// SIGKILL in mid-stream, twice, then let a third run finish.
	for _, part := range []int{n / 4, n / 2} {
		child := startChild(t, c)
		waitOutput(t, c, part)
		child.Process.Kill()
		child.Wait()
	}
	child := startChild(t, c)
	waitOutput(t, c, n)
	time.Sleep(200 * time.Millisecond)
	child.Process.Kill()
	child.Wait()

	out := consumeAll(t, c, "out", false)
	checkAllIDs(t, out, n)
	t.Logf("%d records in the output for %d read: %d read again after the kills", len(out), n, len(out)-n)
}

func TestKillAndRestartExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	c := newCluster(t, 3, "in", "out")
	const n = 6000
	produceN(t, c, "in", 0, n)
	eos := crashExactlyOnceEnv + "=1"

	// SIGKILL in mid-stream, with transactions open. Each restart uses
	// the same transactional ID, which aborts the transaction the killed
	// process left open.
	child := startChild(t, c, eos)
	waitOutput(t, c, n/4)
	child.Process.Kill()
	child.Wait()

	// Once more, killed for sure inside a transaction: the record with
	// id hold is in the log, in a transaction that the kill leaves open.
	const hold = n / 2
	child = startChild(t, c, eos, fmt.Sprintf("%s=%d", crashHoldEnv, hold))
	waitRecord(t, c, hold)
	child.Process.Kill()
	child.Wait()

	// A third run goes on until every input offset was committed in a
	// transaction.
	child = startChild(t, c, eos)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var total int64
		for _, off := range committed(t, c, "g-crash-eos", "in") {
			total += off
		}
		if total >= n {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("%d of %d input offsets committed after 60s", total, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	child.Process.Kill()
	child.Wait()

	out := consumeAll(t, c, "out", true)
	if len(out) != n {
		t.Errorf("a read_committed consumer sees %d records, want each of the %d exactly once", len(out), n)
	}
	checkAllIDs(t, out, n)
	all := consumeAll(t, c, "out", false)
	copies := 0
	for _, r := range all {
		if gjson.GetBytes(r.Value, "id").Int() == hold {
			copies++
		}
	}
	if copies < 2 {
		t.Errorf("the log holds %d copies of record %d, want the aborted one and the committed one", copies, hold)
	}
	t.Logf("%d records in the log, %d of them committed: the rest were aborted by the kills", len(all), len(out))
}

// waitRecord waits until topic out holds the record with the given id,
// committed or not.
func waitRecord(t *testing.T, c *kfake.Cluster, id int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("out"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("record %d is not in the output after 30s", id)
		}
		found := false
		fs.EachRecord(func(r *kgo.Record) {
			found = found || gjson.GetBytes(r.Value, "id").Int() == id
		})
		if found {
			return
		}
	}
}
