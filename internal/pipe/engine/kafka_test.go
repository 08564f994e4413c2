package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// newCluster starts an in-process broker with the given topics.
func newCluster(t *testing.T, partitions int32, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topics...), kfake.AllowAutoTopicCreation(), kfake.GroupMinSessionTimeout(time.Second))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// produceN writes n records {"id":i,"amount":i} keyed by i%7 to topic.
func produceN(t *testing.T, c *kfake.Cluster, topic string, from, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rs := make([]*kgo.Record, 0, n)
	for i := from; i < from+n; i++ {
		rs = append(rs, &kgo.Record{
			Topic:   topic,
			Key:     []byte(strconv.Itoa(i % 7)),
			Value:   []byte(fmt.Sprintf(`{"id":%d,"amount":%d}`, i, i)),
			Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}},
		})
	}
	if err := cl.ProduceSync(context.Background(), rs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// consumeAll reads every record of topic from the start.
func consumeAll(t *testing.T, c *kfake.Cluster, topic string, readCommitted bool) []*kgo.Record {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if readCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { want[o.Partition] = o.Offset })

	var out []*kgo.Record
	seen := map[int32]int64{}
	done := func() bool {
		for p, end := range want {
			if end > 0 && seen[p] < end-1 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(20 * time.Second)
	idle := 0
	for !done() && time.Now().Before(deadline) {
		// With read_committed, aborted records and transaction markers
		// leave gaps below the end offsets: stop after a quiet second.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, r)
			seen[r.Partition] = r.Offset
			n++
		})
		if n == 0 && readCommitted {
			if idle++; idle >= 2 {
				break
			}
		}
	}
	return out
}

// setEdit is a test stage that sets field to value, like etl-set.
type setEdit struct {
	field, value string
	buf          []byte
}

func (s *setEdit) Process(rec *record.Record, emit stage.Emit) error {
	if !gjson.ValidBytes(rec.Value) {
		return errors.New("the value is not valid JSON")
	}
	out, err := sjson.SetRawBytes(s.buf[:0], s.field, []byte(s.value))
	_ = out
	s.buf, err = sjson.SetRawBytes(append(s.buf[:0], rec.Value...), s.field, []byte(s.value))
	if err != nil {
		return err
	}
	rec.Value = s.buf
	return emit(rec)
}

func editStage(index int, field, value string, policy stage.Policy) Stage {
	return Stage{Name: "edit-" + field, Index: index, Policy: policy, Factory: func() (stage.Processor, error) {
		return &setEdit{field: field, value: value}, nil
	}}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// kafkaSpec returns a Kafka to Kafka pipeline with two edits.
func kafkaSpec(c *kfake.Cluster, in, out, group string) *Spec {
	seeds := kgo.SeedBrokers(c.ListenAddrs()...)
	return &Spec{
		Name: "test",
		Kafka: &KafkaSource{
			Client: []kgo.Opt{seeds, kgo.FetchMaxWait(50 * time.Millisecond)},
			Topics: []string{in}, Group: group, Start: kgo.NewOffset().AtStart(), Format: record.FormatEnvelope,
		},
		Stages: []Stage{editStage(1, "status", `"seen"`, stage.PolicyFail), editStage(2, "n", `1`, stage.PolicyFail)},
		Outputs: []OutputSpec{{Kind: OutputKafka, Kafka: &KafkaSink{
			Name: "kafka:" + out, Client: []kgo.Opt{seeds}, Route: output.FixedTopic(out),
		}}},
		Processors:      4,
		Buffer:          256,
		CommitInterval:  100 * time.Millisecond,
		ShutdownTimeout: 10 * time.Second,
		OnError:         ErrorPolicy{Action: ActionFail},
		Retries:         output.Retries{Max: 3, Backoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
	}
}

// runUntil runs the engine until cond holds, then stops it.
func runUntil(t *testing.T, e *Engine, cond func() bool) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case err := <-done:
			cancel()
			return err
		case <-deadline:
			cancel()
			<-done
			t.Fatalf("condition not met within 30s; status %+v", e.Status())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	return <-done
}

// committed returns the group's committed offsets of topic.
func committed(t *testing.T, c *kfake.Cluster, group, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic {
			out[o.Partition] = o.At
		}
	})
	return out
}

// ids returns the sorted distinct ids of records, and how many records
// there were.
func ids(rs []*kgo.Record) []int {
	set := map[int]bool{}
	for _, r := range rs {
		set[int(gjson.GetBytes(r.Value, "id").Int())] = true
	}
	out := make([]int, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}

func checkAllIDs(t *testing.T, rs []*kgo.Record, n int) {
	t.Helper()
	got := ids(rs)
	if len(got) != n {
		t.Fatalf("output holds %d distinct ids (of %d records), want %d", len(got), len(rs), n)
	}
	for i, id := range got {
		if id != i {
			t.Fatalf("id %d is missing from the output", i)
		}
	}
}

func TestKafkaToKafka(t *testing.T) {
	c := newCluster(t, 4, "in", "out")
	produceN(t, c, "in", 0, 2000)

	e := New(kafkaSpec(c, "in", "out", "g1"), nil, quietLogger())
	err := runUntil(t, e, func() bool { return delivered(e, 0) >= 2000 })
	if err != nil {
		t.Fatalf("run: %v", err)
	}

	out := consumeAll(t, c, "out", false)
	if len(out) != 2000 {
		t.Errorf("output has %d records, want 2000 (no duplicates without a crash)", len(out))
	}
	checkAllIDs(t, out, 2000)

	// Both edits applied, key and headers kept, and the records of each
	// key in input order.
	last := map[string]int64{}
	for _, r := range out {
		if gjson.GetBytes(r.Value, "status").String() != "seen" || gjson.GetBytes(r.Value, "n").Int() != 1 {
			t.Fatalf("record not edited: %s", r.Value)
		}
		if len(r.Headers) != 1 || r.Headers[0].Key != "h" {
			t.Fatalf("headers not kept: %+v", r.Headers)
		}
		id := gjson.GetBytes(r.Value, "id").Int()
		if prev, ok := last[string(r.Key)]; ok && id < prev {
			t.Fatalf("key %s: id %d after %d, order within a partition lost", r.Key, id, prev)
		}
		last[string(r.Key)] = id
	}

	// Every offset was committed at shutdown.
	got := committed(t, c, "g1", "in")
	var total int64
	for _, off := range got {
		total += off
	}
	if total != 2000 {
		t.Errorf("committed offsets %v sum to %d, want 2000", got, total)
	}
}

func TestKafkaDeadLetter(t *testing.T) {
	c := newCluster(t, 2, "in", "out", "dlq")
	produceN(t, c, "in", 0, 100)

	// Malformed records in the middle of the stream.
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	for i := 0; i < 5; i++ {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "in", Key: []byte("bad"), Value: []byte("not json " + strconv.Itoa(i)), Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("t1")}}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	produceN(t, c, "in", 100, 100)

	spec := kafkaSpec(c, "in", "out", "g-dlq")
	spec.OnError = ErrorPolicy{Action: ActionDLQ, Topic: "dlq"}
	spec.DeadLetter = &KafkaSink{Name: "dlq:dlq", Client: []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}, Route: output.FixedTopic("dlq")}
	e := New(spec, nil, quietLogger())
	err := runUntil(t, e, func() bool { return delivered(e, 0) >= 200 && delivered(e, 1) >= 5 })
	if err != nil {
		t.Fatalf("run: %v", err)
	}

	checkAllIDs(t, consumeAll(t, c, "out", false), 200)
	dead := consumeAll(t, c, "dlq", false)
	if len(dead) != 5 {
		t.Fatalf("dead-letter topic has %d records, want 5", len(dead))
	}
	for _, r := range dead {
		headers := map[string]string{}
		for _, h := range r.Headers {
			headers[h.Key] = string(h.Value)
		}
		if string(r.Key) != "bad" || headers["trace"] != "t1" {
			t.Errorf("dead letter lost its key or headers: key %q headers %v", r.Key, headers)
		}
		if headers[HeaderStage] != "edit-status" || headers[HeaderError] == "" {
			t.Errorf("dead letter does not name the stage and error: %v", headers)
		}
		if headers[HeaderSourceTopic] != "in" || headers[HeaderSourceOffset] == "" || headers[HeaderSourcePartition] == "" {
			t.Errorf("dead letter does not name its source: %v", headers)
		}
	}
}

func TestKafkaProduceFaults(t *testing.T) {
	c := newCluster(t, 3, "in", "out")
	produceN(t, c, "in", 0, 1000)

	// Every third produce request to the output fails: its connection is
	// closed without a response, or the response is delayed.
	var mu sync.Mutex
	n := 0
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch {
		case k%6 == 0:
			return nil, errors.New("dropped by the test"), true
		case k%6 == 3:
			time.Sleep(50 * time.Millisecond)
		}
		return nil, nil, false
	})
	// Some fetches fail too.
	m := 0
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		m++
		k := m
		mu.Unlock()
		if k%5 == 0 {
			return nil, errors.New("dropped by the test"), true
		}
		return nil, nil, false
	})

	e := New(kafkaSpec(c, "in", "out", "g-faults"), nil, quietLogger())
	err := runUntil(t, e, func() bool { return delivered(e, 0) >= 1000 })
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) { c.DropControl(); return nil, nil, false })
	checkAllIDs(t, consumeAll(t, c, "out", false), 1000)
}

func TestKafkaScaleOut(t *testing.T) {
	c := newCluster(t, 6, "in", "out")
	produceN(t, c, "in", 0, 3000)

	// Two pipelines in one group share the partitions; the first stops
	// half way and the second takes its partitions over.
	specA := kafkaSpec(c, "in", "out", "g-scale")
	specA.Buffer = 64
	a := New(specA, nil, quietLogger())
	b := New(kafkaSpec(c, "in", "out", "g-scale"), nil, quietLogger())

	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- a.Run(ctxA) }()
	ctxB, stopB := context.WithCancel(context.Background())
	doneB := make(chan error, 1)
	go func() { doneB <- b.Run(ctxB) }()

	// Wait until both own partitions, then stop the first.
	deadline := time.Now().Add(30 * time.Second)
	for len(a.Status().Partitions) == 0 || len(b.Status().Partitions) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the partitions were not shared: a %d, b %d", len(a.Status().Partitions), len(b.Status().Partitions))
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopA()
	if err := <-doneA; err != nil {
		t.Fatalf("first pipeline: %v", err)
	}

	for delivered(b, 0)+delivered(a, 0) < 3000 {
		if time.Now().After(deadline) {
			t.Fatalf("the second pipeline did not take over: %d + %d delivered", delivered(a, 0), delivered(b, 0))
		}
		time.Sleep(20 * time.Millisecond)
	}
	produceN(t, c, "in", 3000, 300)
	for delivered(b, 0)+delivered(a, 0) < 3300 {
		if time.Now().After(deadline) {
			t.Fatalf("the second pipeline did not read the new records")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopB()
	if err := <-doneB; err != nil {
		t.Fatalf("second pipeline: %v", err)
	}
	checkAllIDs(t, consumeAll(t, c, "out", false), 3300)
	if len(b.Status().Partitions) != 0 {
		t.Errorf("stopped pipeline still tracks partitions")
	}
}

// delivered returns the records output i delivered so far.
func delivered(e *Engine, i int) int64 {
	outs := e.Status().Outputs
	if i >= len(outs) {
		return 0
	}
	return outs[i].Delivered
}

func TestKafkaExactlyOnce(t *testing.T) {
	c := newCluster(t, 4, "in", "out")
	produceN(t, c, "in", 0, 2000)

	eosSpec := func() *Spec {
		s := kafkaSpec(c, "in", "out", "g-eos")
		s.ExactlyOnce = true
		s.TransactionalID = "etl-pipe-test"
		s.Buffer = 100
		return s
	}

	// A first pipeline stops part way; a second joins while a third run
	// of the first is in its transactions, which rebalances the group
	// and aborts transactions in flight.
	// While it runs, the metrics count its four partitions as assigned.
	// The trackers are dropped after every transaction, but the count
	// must not follow them.
	var logA bytes.Buffer
	metrics := NewMetrics(prometheus.NewRegistry())
	a := New(eosSpec(), metrics, slog.New(slog.NewTextHandler(&logA, nil)))
	assigned := func() float64 {
		var m dto.Metric
		metrics.Assigned.Write(&m)
		return m.GetGauge().GetValue()
	}
	var during float64
	if err := runUntil(t, a, func() bool {
		during = assigned()
		return delivered(a, 0) >= 500
	}); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if during != 4 || assigned() != 0 {
		t.Errorf("assigned partitions: %v while running, %v after; want 4 and 0", during, assigned())
	}
	// A clean stop hands the partitions back: that is no loss.
	if strings.Contains(logA.String(), "partition lost") || !strings.Contains(logA.String(), "partition revoked") {
		t.Errorf("a clean stop logs its partitions as lost, or not as revoked:\n%s", logA.String())
	}

	specB := eosSpec()
	specB.TransactionalID = "etl-pipe-test-b"
	b := New(specB, nil, quietLogger())
	a2 := New(eosSpec(), nil, quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- a2.Run(ctx) }()
	time.Sleep(100 * time.Millisecond)
	doneB := make(chan error, 1)
	go func() { doneB <- b.Run(ctx) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		cl := committed(t, c, "g-eos", "in")
		var total int64
		for _, off := range cl {
			total += off
		}
		if total >= 2000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("offsets committed in transactions: %v, want all 2000", cl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-doneA; err != nil {
		t.Fatalf("second run: %v", err)
	}
	if err := <-doneB; err != nil {
		t.Fatalf("other pipeline: %v", err)
	}

	out := consumeAll(t, c, "out", true)
	if len(out) != 2000 {
		t.Errorf("a read_committed consumer sees %d records, want 2000 exactly", len(out))
	}
	checkAllIDs(t, out, 2000)
}

type recordT = record.Record

// listEnds returns the end offsets of topic's partitions.
func listEnds(cl *kgo.Client, topic string) (map[int32]int64, error) {
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

func TestKafkaCommitCancelledInFlight(t *testing.T) {
	c := newCluster(t, 4, "in", "out")
	produceN(t, c, "in", 0, 500)

	// Once every record was delivered, the next offset commit is held
	// until the pipeline is stopping, then dropped without a response: the
	// periodic commit is cancelled in flight and commits nothing, so the
	// final commit at shutdown must send the offsets again.
	var armed, held atomic.Bool
	stopping := make(chan struct{})
	c.ControlKey(int16(kmsg.OffsetCommit), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !armed.Load() || held.Swap(true) {
			return nil, nil, false
		}
		select {
		case <-stopping:
		case <-time.After(10 * time.Second):
		}
		return nil, errors.New("dropped by the test"), true
	})

	e := New(kafkaSpec(c, "in", "out", "g-cancel"), nil, quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for !held.Load() {
		if delivered(e, 0) >= 500 {
			armed.Store(true)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no commit after every record was delivered; status %+v", e.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	time.Sleep(100 * time.Millisecond) // the cancelled commit returns first
	close(stopping)
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}

	got := committed(t, c, "g-cancel", "in")
	var total int64
	for _, off := range got {
		total += off
	}
	if total != 500 {
		t.Errorf("committed offsets %v sum to %d, want 500", got, total)
	}
}

// gateStage holds every record until its gate is closed.
type gateStage struct{ gate chan struct{} }

func (g gateStage) Process(rec *record.Record, emit stage.Emit) error {
	<-g.gate
	return emit(rec)
}

func TestKafkaStopWhileDispatchWaits(t *testing.T) {
	c := newCluster(t, 2, "in", "out")
	const rounds, per = 30, 20
	for i := 0; i < rounds; i++ {
		produceN(t, c, "in", i*per, per)
	}

	// One worker held by the gate: its queue fills, and the reader waits
	// to hand it the next batch when the stop comes. That batch was never
	// handed on, so the drain must not wait for it.
	gate := make(chan struct{})
	spec := kafkaSpec(c, "in", "out", "g-stop")
	spec.Kafka.Client = append(spec.Kafka.Client, kgo.FetchMaxPartitionBytes(1), kgo.FetchMaxBytes(1))
	spec.Stages = []Stage{{Name: "gate", Index: 1, Policy: stage.PolicyFail, Factory: func() (stage.Processor, error) {
		return gateStage{gate}, nil
	}}}
	spec.Processors = 1
	spec.Buffer = 100000
	spec.ShutdownTimeout = 20 * time.Second

	e := New(spec, nil, quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	last, still := int64(-1), 0
	for still < 10 {
		time.Sleep(30 * time.Millisecond)
		if s := e.Status().Source; s > 0 && s == last {
			still++
		} else {
			last, still = s, 0
		}
	}
	cancel()
	close(gate)

	stopped := time.Now()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if waited := time.Since(stopped); waited > spec.ShutdownTimeout/2 {
		t.Errorf("the stop waited %v: the drain waited for records never handed to a worker", waited)
	}

	// What was committed was delivered, and a second run reads the rest.
	var total int64
	for _, off := range committed(t, c, "g-stop", "in") {
		total += off
	}
	out := consumeAll(t, c, "out", false)
	if total > int64(len(out)) {
		t.Errorf("committed %d offsets, only %d records were delivered", total, len(out))
	}
	e = New(kafkaSpec(c, "in", "out", "g-stop"), nil, quietLogger())
	if err := runUntil(t, e, func() bool { return delivered(e, 0) >= rounds*per-total }); err != nil {
		t.Fatalf("second run: %v", err)
	}
	checkAllIDs(t, consumeAll(t, c, "out", false), rounds*per)
}

// lockedBuffer is a bytes.Buffer that the test reads while the pipeline
// writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Count(b.buf.Bytes(), []byte("\n"))
}

func TestFullBufferSendsWhatOutputsHold(t *testing.T) {
	// The outputs hold records for a minute: the Kafka producer lingers,
	// and stdout is flushed every minute. The buffer holds a tenth of the
	// input, so the pipeline goes on only if a full buffer makes the
	// outputs send what they hold at once.
	c := newCluster(t, 2, "in", "out")
	const n = 2000
	produceN(t, c, "in", 0, n)
	spec := kafkaSpec(c, "in", "out", "g-full")
	sink := spec.Outputs[0].Kafka
	sink.Client = append(sink.Client, kgo.ProducerLinger(time.Minute))
	var stdout lockedBuffer
	spec.Outputs = append(spec.Outputs, OutputSpec{Kind: OutputLines, Writer: &stdout, Name: "stdout", Format: record.FormatEnvelope})
	spec.Buffer = n / 10
	spec.FlushInterval = time.Minute

	// Reading everything needs the buffer freed again and again; the last
	// records may linger until the stop flushes them.
	e := New(spec, nil, quietLogger())
	if err := runUntil(t, e, func() bool { return e.Status().Source >= n }); err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := stdout.lines(); got != n {
		t.Errorf("stdout holds %d lines, want %d", got, n)
	}
	checkAllIDs(t, consumeAll(t, c, "out", false), n)
}

func TestKafkaLeaderMoves(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, "in", "out"), kfake.GroupMinSessionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	const n = 20000
	produceN(t, c, "in", 0, n)

	// The leaders of every partition move between the three brokers
	// while the pipeline reads and produces: clients must follow them,
	// and nothing may be lost.
	// The run ends once every input offset was committed, which happens
	// only after every record before it was delivered.
	e := New(kafkaSpec(c, "in", "out", "g-moves"), nil, quietLogger())
	moves := 0
	err = runUntil(t, e, func() bool {
		if moves < 50 {
			c.ShufflePartitionLeaders()
			moves++
		}
		return committedSum(c, "g-moves", "in") >= n
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if moves < 2 {
		t.Fatalf("the pipeline finished before the leaders moved twice")
	}
	t.Logf("leaders moved %d times", moves)
	checkAllIDs(t, consumeAll(t, c, "out", false), n)
}

// committedSum returns the sum of a group's committed offsets of topic,
// or 0 while the group has none.
func committedSum(c *kfake.Cluster, group, topic string) int64 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		return 0
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		return 0
	}
	var total int64
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil {
			total += o.At
		}
	})
	return total
}

func TestPauseHoldsRestOfPoll(t *testing.T) {
	c := newCluster(t, 8, "in", "out")
	const n = 800
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	var rs []*kgo.Record
	for i := 0; i < n; i++ {
		rs = append(rs, &kgo.Record{Topic: "in", Partition: int32(i % 8), Value: []byte(fmt.Sprintf(`{"id":%d}`, i))})
	}
	err = cl.ProduceSync(context.Background(), rs...).FirstErr()
	cl.Close()
	if err != nil {
		t.Fatal(err)
	}

	// One worker held by the gate takes one batch and queues four: the
	// reader waits to hand on the sixth partition of its poll when the
	// pause comes. Once the gate opens, it hands that one on and holds
	// the partitions after it until the resume.
	gate := make(chan struct{})
	spec := kafkaSpec(c, "in", "out", "g-pause")
	spec.Stages = []Stage{{Name: "gate", Index: 1, Policy: stage.PolicyFail, Factory: func() (stage.Processor, error) {
		return gateStage{gate}, nil
	}}}
	spec.Processors = 1
	spec.Buffer = 100000

	e := New(spec, nil, quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20s; status %+v", what, e.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitUntil("the reader waits for the worker", func() bool { return e.Status().Source > 0 })
	time.Sleep(200 * time.Millisecond)
	e.Pause()
	close(gate)

	waitUntil("the rest of the poll held", func() bool { return e.Status().Held > 0 })
	st := e.Status()
	if st.Source >= n {
		t.Errorf("all %d records were handed on during the pause", st.Source)
	}
	e.Resume()
	waitUntil("every record delivered", func() bool { return delivered(e, 0) >= n })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	checkAllIDs(t, consumeAll(t, c, "out", false), n)
}

func TestStopWhileJoiningGroup(t *testing.T) {
	c := newCluster(t, 2, "in", "out")
	produceN(t, c, "in", 0, 10)

	// The broker holds every JoinGroup request, as it does while it waits
	// for a member killed with SIGKILL to time out. A stop must not wait
	// for the join: nothing was read, so there is nothing to commit.
	release := make(chan struct{})
	defer close(release)
	c.ControlKey(int16(kmsg.JoinGroup), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
		return nil, nil, false
	})

	spec := kafkaSpec(c, "in", "out", "g-join")
	spec.ShutdownTimeout = 20 * time.Second
	e := New(spec, nil, quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stop waited for the group join")
	}
}
