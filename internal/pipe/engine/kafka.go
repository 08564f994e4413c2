package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/pipe/delivery"
	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// lane is one consumer client with the partitions it was assigned. With
// readers: N, a process runs N lanes in the same consumer group.
type lane struct {
	e    *Engine
	id   int
	cl   *kgo.Client
	sess *kgo.GroupTransactSession // with exactly-once delivery
	// txOut produces through sess, so that records join the transaction.
	txOut   *output.Kafka
	outputs []output.Output

	// txn counts the records of the transaction in progress, with
	// exactly-once delivery; only the reader goroutine sets it.
	txn *txnRecords

	mu        sync.Mutex
	parts     map[topicPartition]*delivery.Partition
	committed map[topicPartition]int64
	// owned is the partitions the lane counts as assigned in the
	// metrics: those the group assigned, or, without a group, those it
	// fetched from. With exactly-once delivery the trackers are dropped
	// after every transaction, so parts alone cannot tell.
	owned map[topicPartition]bool

	// commitMu makes the commits of the commit loop, of a revoke and of
	// the shutdown one at a time, so that a commit of older offsets never
	// reaches the broker after a newer one.
	commitMu   sync.Mutex
	commitDone sync.WaitGroup // the commit loop

	// closing is set once the final commit of a shutdown is done and the
	// client is being closed. Leaving the group then revokes every
	// partition, and the revoke must not wait again for records that the
	// closed outputs will never acknowledge.
	closing atomic.Bool
}

type topicPartition struct {
	topic     string
	partition int32
}

// batch is the records of one partition from one fetch.
type batch struct {
	lane   *lane
	part   *delivery.Partition
	first  int64 // sequence number of recs[0] in part
	recs   []*kgo.Record
	tokens []token
	txn    *txnRecords // with exactly-once delivery: the batch's transaction
}

// token tracks one record read until every output acknowledged what the
// record became. pending counts the deliveries it waits for, plus one
// while a worker still runs the record through the chain.
type token struct {
	b       *batch
	idx     int32
	pending atomic.Int32
}

func (t *token) hold() { t.pending.Add(1) }

func (t *token) release() {
	if t.pending.Add(-1) == 0 {
		t.b.part.Ack(t.b.first + int64(t.idx))
		if t.b.txn != nil {
			t.b.txn.finish(1)
		}
	}
}

// Delivered is called by the outputs for each record written with this
// token. A failure goes to the error policy; under the fail policy the
// token is never released, so the record's offset is never committed.
func (t *token) Delivered(err error, failed *record.Record) {
	if err == nil {
		t.release()
		return
	}
	e := t.b.lane.e
	src := t.source()
	if failed == nil {
		e.fail(fmt.Errorf("%s: %w", src.Position(), err))
		return
	}
	if ferr := e.handleFailure(context.Background(), failure{err: err, stage: stageOutput, rec: failed, source: &src}, t); ferr != nil {
		e.fail(fmt.Errorf("%s: %w", src.Position(), ferr))
		return
	}
	t.release()
}

// source returns the position of the token's record as read.
func (t *token) source() record.Record {
	kr := t.b.recs[t.idx]
	return record.Record{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset, HasMeta: true}
}

// worker runs the chain on the batches of the partitions hashed to it.
type worker struct {
	e     *Engine
	in    chan *batch
	chain *chain
	tok   *token // the record being processed
	ctx   context.Context
	rec   record.Record
}

func (e *Engine) newWorker(ctx context.Context) (*worker, error) {
	w := &worker{e: e, in: make(chan *batch, 4), ctx: ctx}
	c, err := newChain(e.spec.Stages, w.sink)
	if err != nil {
		return nil, err
	}
	w.chain = c
	return w, nil
}

// sink writes a record that left the chain to every output of its lane.
func (w *worker) sink(rec *record.Record) error {
	for _, o := range w.tok.b.lane.outputs {
		w.tok.hold()
		err := o.Write(w.ctx, rec, w.tok)
		if errors.Is(err, output.ErrClosed) {
			// Kept held: the record is never acknowledged, so its offset
			// is not committed.
			w.e.outputClosed(o.Name())
			continue
		}
		if err != nil {
			w.tok.release()
			return &OutputError{Output: o.Name(), Err: err}
		}
	}
	return nil
}

// run processes batches until the channel is closed.
func (w *worker) run() {
	for b := range w.in {
		for i, kr := range b.recs {
			t := &b.tokens[i]
			t.b, t.idx = b, int32(i)
			t.pending.Store(1)
			w.tok = t
			if kr.Attrs.IsControl() {
				// A transaction marker, kept for the end offsets of a
				// bounded read: it only moves the committable offset.
				t.release()
				continue
			}
			kafka.FromKgo(&w.rec, kr)

			if err := w.chain.Process(&w.rec); err != nil {
				w.failed(err, kr)
			}
			t.release()
			if i%countEvery == countEvery-1 {
				w.e.addCounts(w.chain)
			}
		}
		w.e.addCounts(w.chain)
	}
}

// failed applies the error policy to a record the chain failed on.
func (w *worker) failed(err error, kr *kgo.Record) {
	kafka.FromKgo(&w.rec, kr)
	f, ok := failureOf(err, &w.rec, &w.rec)
	if !ok {
		w.e.fail(fmt.Errorf("%s: %w", w.rec.Position(), err))
		w.tok.hold() // never acknowledged: the offset stays uncommitted
		return
	}
	if ferr := w.e.handleFailure(w.ctx, f, w.tok); ferr != nil {
		w.e.fail(ferr)
		w.tok.hold()
	}
}

// runKafka runs the pipeline from Kafka: the lanes' readers, the workers
// and the committers, until ctx ends or an error stops the pipeline.
func (e *Engine) runKafka(ctx context.Context) error {
	src := e.spec.Kafka
	if err := e.openOutputs(src.Format); err != nil {
		return err
	}

	// readCtx ends reading; workers and outputs go on until drained.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	e.statsMu.Lock()
	e.stop = stopReading
	e.statsMu.Unlock()

	adm, err := e.startBounds(readCtx)
	if err != nil {
		return err
	}
	if adm != nil {
		defer adm.Close()
	}

	outCtx, cancelOut := context.WithCancel(context.Background())
	defer cancelOut()
	flushCtx, stopFlush := context.WithCancel(context.Background())
	defer stopFlush()
	go e.flushLines(flushCtx)

	workers := make([]*worker, e.spec.Processors)
	var workersDone sync.WaitGroup
	for i := range workers {
		w, err := e.newWorker(outCtx)
		if err != nil {
			return err
		}
		workers[i] = w
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			w.run()
		}()
	}

	lanes := make([]*lane, max(1, e.spec.Readers))
	for i := range lanes {
		l, err := e.newLane(i)
		if err != nil {
			for _, w := range workers {
				close(w.in)
			}
			for _, prev := range lanes[:i] {
				prev.close()
			}
			return err
		}
		lanes[i] = l
	}
	e.statsMu.Lock()
	e.lanes = lanes
	e.statsMu.Unlock()
	e.log.Info("pipeline started", "name", e.spec.Name, "topics", src.Topics, "group", src.Group, "readers", len(lanes), "processors", len(workers), "buffer", e.spec.Buffer, "delivery", e.deliveryName())

	var readers sync.WaitGroup
	for _, l := range lanes {
		readers.Add(1)
		go func() {
			defer readers.Done()
			var err error
			if l.sess != nil {
				err = l.readTransactions(readCtx, workers)
			} else {
				err = l.read(readCtx, workers)
			}
			if err != nil {
				e.fail(err)
			}
		}()
		if l.sess == nil && src.Group != "" {
			l.commitDone.Add(1)
			go func() {
				defer l.commitDone.Done()
				l.commitLoop(readCtx)
			}()
		}
	}

	// Shutdown: stop reading, let the workers empty their queues, deliver
	// what is in flight, commit, and leave the group.
	readers.Wait()
	stopReading() // also when a bounded read ended by itself
	for _, w := range workers {
		close(w.in)
	}
	// The drain ends a little before the shutdown timeout, so that the
	// final commit still has time to save what was delivered.
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), e.spec.ShutdownTimeout)
	defer cancelShutdown()
	drain, cancelDrain := context.WithTimeout(shutdown, e.spec.ShutdownTimeout-commitReserve(e.spec.ShutdownTimeout))
	defer cancelDrain()
	drained := make(chan struct{})
	go func() {
		workersDone.Wait()
		close(drained)
	}()
	workersIdle := false
	select {
	case <-drained:
		workersIdle = true
	case <-drain.Done():
		e.log.Error("shutdown timed out while records were being processed", "timeout", e.spec.ShutdownTimeout.String())
	}
	if workersIdle {
		e.finishStages(ctx, workers)
	}

	closeErr := e.closeOutputs(drain, e.outputs)
	var errs []error
	for _, l := range lanes {
		if l.txOut != nil {
			l.txOut.Close(shutdown)
		}
		if l.sess == nil && src.Group != "" {
			// A periodic commit that readCtx cancelled in flight must end
			// before the final one, which then commits what it left.
			l.commitDone.Wait()
			l.waitDrained(drain, nil)
			if err := l.commit(shutdown, nil); err != nil {
				errs = append(errs, err)
			}
		}
		l.closing.Store(true)
		l.closeWithin(shutdown)
	}
	stopFlush()
	e.addCountsAll(workers)
	e.log.Info("pipeline stopped", "name", e.spec.Name, "records", e.Status().Source)
	if closeErr != nil {
		errs = append(errs, closeErr)
	}
	return errors.Join(errs...)
}

// finishStages runs the stages' Finish on every worker when a bounded
// read reached its end, as the end of stdin does, and then releases the
// processors. What Finish emits has no source offset: it is written to
// the outputs without holding back a commit.
//
// NOTE: with exactly-once delivery, Finish is not called, because its
// records would be produced outside any transaction.
func (e *Engine) finishStages(ctx context.Context, workers []*worker) {
	if e.inputEnded() && ctx.Err() == nil && !e.givenUp() && !e.spec.ExactlyOnce {
		for _, w := range workers {
			if err := w.finish(); err != nil {
				e.fail(err)
				break
			}
		}
	}
	for _, w := range workers {
		w.chain.close()
	}
}

// finish runs the chain's Finish, writing what it emits to the outputs.
func (w *worker) finish() error {
	done := &streamDone{e: w.e}
	w.chain.sink = func(rec *record.Record) error {
		for _, o := range w.e.outputs {
			err := o.Write(w.ctx, rec, done)
			if errors.Is(err, output.ErrClosed) {
				w.e.outputClosed(o.Name())
				return stage.ErrStop
			}
			if err != nil {
				return &OutputError{Output: o.Name(), Err: err}
			}
		}
		return nil
	}
	err := w.chain.finish()
	if errors.Is(err, stage.ErrStop) {
		return nil
	}
	return err
}

// commitReserve is the part of the shutdown timeout kept for the final
// commit.
func commitReserve(timeout time.Duration) time.Duration {
	return min(5*time.Second, timeout/4)
}

func (e *Engine) addCountsAll(workers []*worker) {
	for _, w := range workers {
		e.addCounts(w.chain)
	}
}

func (e *Engine) deliveryName() string {
	if e.spec.ExactlyOnce {
		return "exactly-once"
	}
	return "at-least-once"
}

// newLane creates a consumer client, or a transactional session.
func (e *Engine) newLane(id int) (*lane, error) {
	src := e.spec.Kafka
	l := &lane{e: e, id: id, parts: map[topicPartition]*delivery.Partition{}, committed: map[topicPartition]int64{}, owned: map[topicPartition]bool{}}

	opts := append([]kgo.Opt(nil), src.Client...)
	if e.bounds != nil {
		opts = append(opts, e.bounds.ConsumerOptions()...)
	}
	if e.bounds == nil || !e.bounds.ReplacesTopics() {
		if src.Regex {
			opts = append(opts, kgo.ConsumeRegex())
		}
		opts = append(opts, kgo.ConsumeTopics(src.Topics...), kgo.ConsumeStartOffset(src.Start))
		if src.ResetToStart {
			opts = append(opts, kgo.ConsumeResetOffset(src.Start))
		}
	}
	if src.ReadCommitted || e.spec.ExactlyOnce {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if src.Group != "" {
		opts = append(opts,
			kgo.ConsumerGroup(src.Group),
			kgo.DisableAutoCommit(),
			kgo.OnPartitionsAssigned(l.assigned),
			kgo.OnPartitionsRevoked(l.revoked),
			kgo.OnPartitionsLost(l.lost),
		)
	}

	if e.spec.ExactlyOnce {
		sink := e.spec.Outputs[0].Kafka
		for _, o := range e.spec.Outputs {
			if o.Kind == OutputKafka {
				sink = o.Kafka
			}
		}
		opts = append(opts, sink.Client...)
		opts = append(opts, kgo.TransactionalID(fmt.Sprintf("%s-%d", e.spec.TransactionalID, id)), kgo.RequireStableFetchOffsets())
		sess, err := kgo.NewGroupTransactSession(opts...)
		if err != nil {
			return nil, fmt.Errorf("create transactional Kafka client: %w", err)
		}
		l.sess, l.cl = sess, sess.Client()
		l.txOut = output.NewKafka(output.KafkaOptions{Name: sink.Name, Client: l.cl, Route: sink.Route})
		if e.spec.OnError.Action == ActionDLQ && e.spec.DeadLetter != nil {
			dlq := output.NewKafka(output.KafkaOptions{Name: e.spec.DeadLetter.Name, Client: l.cl, Route: e.spec.DeadLetter.Route})
			e.statsMu.Lock()
			e.dlq = dlq
			e.statsMu.Unlock()
		}
		l.outputs = append(append([]output.Output(nil), e.outputs...), l.txOut)
		return l, nil
	}

	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("create Kafka consumer: %w", err)
	}
	l.cl = cl
	l.outputs = e.outputs
	return l, nil
}

// own counts a partition as assigned to the lane, or no longer when
// owned is false.
func (l *lane) own(key topicPartition, owned bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case owned && !l.owned[key]:
		l.owned[key] = true
		l.e.metrics.Assigned.Inc()
	case !owned && l.owned[key]:
		delete(l.owned, key)
		l.e.metrics.Assigned.Dec()
		l.e.metrics.ConsumerLag.DeleteLabelValues(key.topic, partitionLabel(key.partition))
	}
}

// closeWithin closes the lane's client and waits at most until ctx ends,
// or one second when the lane owns no partition. A client that is
// joining the group cannot leave before the broker responds to the join.
// The broker waits for the other members first, and for one killed with
// SIGKILL until its session times out. With no partition there is
// nothing to commit, so the stop does not wait for that.
func (l *lane) closeWithin(ctx context.Context) {
	wait := ctx
	if len(l.ownedKeys()) == 0 {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, time.Second)
		defer cancel()
	}
	closed := make(chan struct{})
	go func() {
		l.close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-wait.Done():
		l.e.log.Warn("leaving the consumer group did not end in time; the broker ends the membership when its session times out", "reader", l.id)
	}
}

func (l *lane) close() {
	for _, key := range l.ownedKeys() {
		l.own(key, false)
	}
	if l.sess != nil {
		l.sess.Close()
		return
	}
	l.cl.Close()
}

// ownedKeys returns the partitions the lane counts as assigned.
func (l *lane) ownedKeys() []topicPartition {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]topicPartition, 0, len(l.owned))
	for key := range l.owned {
		keys = append(keys, key)
	}
	return keys
}

// maxPoll returns the most records one poll hands on.
func (e *Engine) maxPoll() int { return max(1, min(e.spec.Buffer/2, 10000)) }

// read polls and hands each partition's records to its worker until ctx
// ends.
func (l *lane) read(ctx context.Context, workers []*worker) error {
	e := l.e
	pollCtx, cancel := e.pollContext(ctx)
	defer cancel()
	for {
		if err := e.waitResumed(ctx); err != nil || e.inputEnded() {
			return nil
		}
		fetches := l.cl.PollRecords(pollCtx, e.maxPoll())
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		if err := l.fetchErrors(fetches); err != nil {
			return err
		}
		if !e.holdWhilePaused(ctx, fetches) {
			return nil
		}
		if err := l.dispatch(ctx, fetches, workers); err != nil {
			return nil
		}
	}
}

// holdRecords waits while the pipeline is paused, counting n records as
// held. It returns false when ctx ended first.
func (e *Engine) holdRecords(ctx context.Context, n int) bool {
	e.held.Add(int64(n))
	defer e.held.Add(-int64(n))
	return e.waitResumed(ctx) == nil
}

// holdWhilePaused keeps the records of a poll that was in progress when
// the pipeline was paused until it resumes, so that a pause holds back
// every record not yet handed to a worker. It returns false when ctx
// ended first: the records were not registered, so they are read again.
func (e *Engine) holdWhilePaused(ctx context.Context, fetches kgo.Fetches) bool {
	n := int64(fetches.NumRecords())
	e.held.Add(n)
	defer e.held.Add(-n)
	return e.waitResumed(ctx) == nil
}

// fetchErrors logs the errors of a poll and returns the first that
// retrying cannot fix.
func (l *lane) fetchErrors(fetches kgo.Fetches) error {
	var fatal error
	fetches.EachError(func(topic string, partition int32, err error) {
		if errors.Is(err, context.Canceled) {
			return
		}
		l.e.log.Warn("fetch failed", "topic", topic, "partition", partition, "err", err)
		var ke *kerr.Error
		if errors.As(err, &ke) && (ke == kerr.TopicAuthorizationFailed || ke == kerr.GroupAuthorizationFailed) && fatal == nil {
			fatal = fmt.Errorf("consume topic %q: %w", topic, err)
		}
	})
	return fatal
}

// dispatch registers the records of each partition and hands them to the
// partition's worker. It waits while the buffer is full.
func (l *lane) dispatch(ctx context.Context, fetches kgo.Fetches, workers []*worker) error {
	e := l.e
	var err error
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if err != nil || p.Topic == "" || p.Partition < 0 {
			// The client reports errors of no partition, such as a
			// failed group join, as a fetch of topic "" and partition
			// -1; fetchErrors logged them.
			return
		}
		part := l.partition(p.Topic, p.Partition)
		part.SetHighWatermark(p.HighWatermark)
		recs := l.bound(p)
		n := len(recs)
		if n == 0 {
			return
		}
		// A pause that came while this poll is handed on holds the
		// partitions not handed on yet. A transaction is not held open
		// for a pause: its poll is handed on in full.
		if l.txn == nil && !e.holdRecords(ctx, n) {
			err = ctx.Err()
			return
		}
		if err = e.budget.Acquire(ctx, n); err != nil {
			return
		}
		offsets := make([]int64, n)
		epochs := make([]int32, n)
		for i, r := range recs {
			offsets[i], epochs[i] = r.Offset, r.LeaderEpoch
		}
		first, ok := part.Register(offsets, epochs)
		if !ok {
			e.budget.Release(n)
			return
		}
		e.addSource(n)
		b := &batch{lane: l, part: part, first: first, recs: recs, tokens: make([]token, n), txn: l.txn}
		if b.txn != nil {
			b.txn.add(n)
		}
		w := workers[workerIndex(p.Topic, p.Partition, len(workers))]
		select {
		case w.in <- b:
		case <-ctx.Done():
			// The records were never handed on, so they leave the
			// tracker and the drain does not wait for them. Nothing from
			// them on is committed, and they are read again.
			part.Withdraw(first, n)
			if b.txn != nil {
				b.txn.finish(n)
			}
			err = ctx.Err()
		}
	})
	return err
}

// workerIndex picks the worker of a partition, so that the records of one
// partition are processed in order by one worker.
func workerIndex(topic string, partition int32, n int) int {
	h := fnv.New32a()
	h.Write([]byte(topic))
	return int((h.Sum32() + uint32(partition)*2654435761) % uint32(n))
}

// partition returns the tracker of a partition, creating it on first use.
func (l *lane) partition(topic string, partition int32) *delivery.Partition {
	key := topicPartition{topic, partition}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.parts[key]
	if p == nil {
		p = delivery.NewPartition(topic, partition, l.e.budget.Release)
		l.parts[key] = p
		if l.e.spec.Kafka.Group == "" && !l.owned[key] {
			l.owned[key] = true
			l.e.metrics.Assigned.Inc()
		}
	}
	return p
}

// assigned starts fresh trackers for newly assigned partitions.
func (l *lane) assigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	for topic, ps := range assigned {
		for _, p := range ps {
			l.e.log.Info("partition assigned", "topic", topic, "partition", p, "reader", l.id)
			l.drop(topicPartition{topic, p})
			l.partition(topic, p)
			l.own(topicPartition{topic, p}, true)
		}
	}
}

// revoked delivers and commits what was read from the revoked partitions,
// for a bounded time, before the group hands them to another member.
func (l *lane) revoked(ctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
	if len(revoked) == 0 {
		return
	}
	if l.e.bounds != nil {
		l.e.bounds.Stop(revoked)
	}
	if l.closing.Load() {
		l.forget(revoked, "partition revoked")
		return
	}
	if l.e.spec.ExactlyOnce {
		// The session aborts the transaction in flight; the offsets are
		// committed only inside transactions. A revoke, as on every clean
		// stop, is no loss: the partitions are only forgotten.
		l.forget(revoked, "partition revoked")
		return
	}
	timeout := min(l.e.spec.ShutdownTimeout, 30*time.Second)
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	l.waitDrained(wait, revoked)
	if err := l.commit(wait, revoked); err != nil {
		l.e.log.Warn("commit on revoke failed; the new owner reads the uncommitted records again", "err", err)
	}
	l.forget(revoked, "partition revoked")
}

// lost drops the trackers of partitions that were taken away without a
// chance to commit.
func (l *lane) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	if l.e.bounds != nil {
		l.e.bounds.Stop(lost)
	}
	for topic, ps := range lost {
		for _, p := range ps {
			l.e.log.Warn("partition lost", "topic", topic, "partition", p, "reader", l.id)
			l.drop(topicPartition{topic, p})
			l.own(topicPartition{topic, p}, false)
		}
	}
}

// forget stops tracking partitions that were handed back, logging msg
// for each at info level.
func (l *lane) forget(parts map[string][]int32, msg string) {
	for topic, ps := range parts {
		for _, p := range ps {
			l.e.log.Info(msg, "topic", topic, "partition", p, "reader", l.id)
			l.drop(topicPartition{topic, p})
			l.own(topicPartition{topic, p}, false)
		}
	}
}

// drop stops tracking a partition.
func (l *lane) drop(key topicPartition) {
	l.mu.Lock()
	p := l.parts[key]
	delete(l.parts, key)
	delete(l.committed, key)
	l.mu.Unlock()
	if p != nil {
		p.Revoke()
	}
}

// selected returns the trackers of the given partitions, or of all
// when only is nil.
func (l *lane) selected(only map[string][]int32) []*delivery.Partition {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*delivery.Partition
	for key, p := range l.parts {
		if only == nil || contains(only[key.topic], key.partition) {
			out = append(out, p)
		}
	}
	return out
}

func contains(ps []int32, p int32) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// waitDrained flushes the outputs until every record read from the
// selected partitions was acknowledged, or ctx ends.
func (l *lane) waitDrained(ctx context.Context, only map[string][]int32) {
	for _, p := range l.selected(only) {
		// After a failure or a closed stdout, some records are never
		// acknowledged: waiting for them would only spend the timeout.
		for p.InFlight() > 0 && ctx.Err() == nil && !l.e.givenUp() {
			for _, o := range l.outputs {
				if _, ok := o.(*output.Lines); ok {
					o.Flush(ctx)
				}
			}
			select {
			case <-p.Drained():
			case <-time.After(50 * time.Millisecond):
				// Files deliver when they are closed: close them so that
				// the partition can drain.
				for _, o := range l.outputs {
					if _, ok := o.(*output.File); ok {
						o.Flush(ctx)
					}
				}
			case <-ctx.Done():
			}
		}
	}
}

// commitLoop commits every CommitInterval until ctx ends.
func (l *lane) commitLoop(ctx context.Context) {
	tick := time.NewTicker(l.e.spec.CommitInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := l.commit(ctx, nil); err != nil && ctx.Err() == nil {
				l.e.log.Warn("commit failed; retrying at the next interval", "err", err)
			}
		}
	}
}

// commit commits the committable offsets of the selected partitions that
// moved since their last commit, and updates the lag metrics.
func (l *lane) commit(ctx context.Context, only map[string][]int32) error {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()

	offsets := map[string]map[int32]kgo.EpochOffset{}
	l.mu.Lock()
	for key, p := range l.parts {
		if only != nil && !contains(only[key.topic], key.partition) {
			continue
		}
		off, epoch := p.Committable()
		if off < 0 || off <= l.committed[key] {
			continue
		}
		if offsets[key.topic] == nil {
			offsets[key.topic] = map[int32]kgo.EpochOffset{}
		}
		offsets[key.topic][key.partition] = kgo.EpochOffset{Epoch: epoch, Offset: off}
	}
	l.mu.Unlock()
	if len(offsets) == 0 {
		return nil
	}

	var commitErr error
	l.cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			// The request failed as a whole (a cancelled context, a lost
			// connection): the broker may have committed nothing, so
			// nothing counts as committed and the next commit sends
			// these offsets again.
			commitErr = err
			clear(offsets)
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if perr := kerr.ErrorForCode(p.ErrorCode); perr != nil {
					if commitErr == nil {
						commitErr = fmt.Errorf("commit topic %q partition %d: %w", t.Topic, p.Partition, perr)
					}
					delete(offsets[t.Topic], p.Partition)
				}
			}
		}
	})
	if commitErr != nil {
		l.e.metrics.Commits.WithLabelValues("error").Inc()
	} else {
		l.e.metrics.Commits.WithLabelValues("ok").Inc()
	}

	l.mu.Lock()
	for topic, ps := range offsets {
		for p, eo := range ps {
			key := topicPartition{topic, p}
			if _, ok := l.parts[key]; ok && eo.Offset > l.committed[key] {
				l.committed[key] = eo.Offset
			}
		}
	}
	l.mu.Unlock()
	if commitErr != nil {
		return fmt.Errorf("commit offsets: %w", commitErr)
	}
	return nil
}

// updateLag sets the lag metric of each of the lane's partitions whose
// lag is known.
func (l *lane) updateLag() {
	for _, p := range l.selected(nil) {
		if lag := p.Lag(); lag >= 0 {
			l.e.metrics.ConsumerLag.WithLabelValues(p.Topic, partitionLabel(p.Partition)).Set(float64(lag))
		}
	}
}

// partitionStatus returns the state of the lane's partitions.
func (l *lane) partitionStatus() []PartitionStatus {
	var out []PartitionStatus
	for _, p := range l.selected(nil) {
		off, _ := p.Committable()
		out = append(out, PartitionStatus{Topic: p.Topic, Partition: p.Partition, Committable: off, InFlight: p.InFlight(), Lag: p.Lag()})
	}
	return out
}
