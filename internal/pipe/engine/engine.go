// Package engine runs one etl-pipe pipeline: it reads records from stdin
// or Kafka, runs them through the stages' Processors on a pool of
// workers, writes what comes out to the outputs, and commits the offsets
// of what every output acknowledged.
//
// Kafka records flow like this:
//
//	reader (one per consumer client)
//	  -> Budget: waits while Buffer records are in flight
//	  -> delivery.Partition: registers the fetched records in order
//	  -> worker chosen by hashing topic and partition
//	       (so the records of a partition keep their order)
//	  -> chain: each stage's Processor, called synchronously
//	  -> outputs: each copies the record once and acknowledges it later
//	  -> token: counts the acknowledgements a record still waits for
//	  -> delivery.Partition.Ack: moves the committable offset
//	committer: commits the committable offsets every CommitInterval, when
//	partitions are revoked, and at shutdown.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/pipe/delivery"
	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
)

// Engine runs one pipeline once. Pause, Resume and Status may be called
// from other goroutines while Run runs.
type Engine struct {
	spec    *Spec
	metrics *Metrics
	log     *slog.Logger

	outputs []output.Output
	lines   []*output.Lines
	dlq     *output.Kafka
	budget  *delivery.Budget
	full    chan struct{} // signalled when a reader waits for the budget

	// fatal holds the first error that stops the pipeline; stop cancels
	// the reading side when it is set.
	fatalOnce sync.Once
	fatal     error
	stop      context.CancelFunc
	// closed is set when stdout was closed by its reader: reading stops
	// and the pipeline ends without an error, committing what was
	// written.
	closed     atomic.Bool
	closedOnce sync.Once

	// A bounded read: its end offsets, the records left of MaxRecords,
	// and ended, closed when the input ended.
	bounds  Bounds
	left    atomic.Int64
	ended   chan struct{}
	endOnce sync.Once

	pauseMu sync.Mutex
	paused  bool
	resumed chan struct{} // closed on Resume
	// held counts the records of polls that returned after a pause and
	// wait for the resume.
	held atomic.Int64

	statsMu   sync.Mutex
	stages    []StageCounts
	source    int64
	lanes     []*lane
	lastStats []outputStats
}

type outputStats struct{ written, failed, retried int64 }

// New returns an Engine for spec. Metrics may be nil in tests.
func New(spec *Spec, metrics *Metrics, log *slog.Logger) *Engine {
	if metrics == nil {
		metrics = NewMetrics(nopRegisterer{})
	}
	if log == nil {
		log = slog.Default()
	}
	if spec.Buffer <= 0 {
		spec.Buffer = 16384
	}
	if spec.Processors <= 0 {
		spec.Processors = 1
	}
	if spec.FlushInterval <= 0 {
		spec.FlushInterval = 200 * time.Millisecond
	}
	if spec.CommitInterval <= 0 {
		spec.CommitInterval = 5 * time.Second
	}
	if spec.ShutdownTimeout <= 0 {
		spec.ShutdownTimeout = 30 * time.Second
	}
	e := &Engine{spec: spec, metrics: metrics, log: log, resumed: make(chan struct{}), full: make(chan struct{}, 1)}
	e.stages = make([]StageCounts, len(spec.Stages))
	e.budget = delivery.NewBudget(spec.Buffer)
	e.budget.SetOnWait(e.bufferFull)
	return e
}

// Run runs the pipeline until its input ends, ctx is cancelled, or an
// error stops it. Cancelling ctx stops reading; Run then drains and
// delivers what is in flight and commits, for at most the shutdown
// timeout, before it returns.
func (e *Engine) Run(ctx context.Context) error {
	e.metrics.BufferCapacity.Set(float64(e.spec.Buffer))
	e.metrics.Running.Set(1)
	e.pauseMu.Lock()
	e.metrics.Paused.Set(boolGauge(e.paused))
	e.pauseMu.Unlock()
	defer func() {
		e.metrics.Running.Set(0)
		e.metrics.Paused.Set(0)
	}()

	var err error
	switch {
	case e.spec.Stdin != nil:
		err = e.runStdin(ctx)
	case e.spec.Kafka != nil:
		err = e.runKafka(ctx)
	default:
		err = errors.New("the pipeline has no input")
	}
	if f := e.fatalErr(); f != nil {
		return f
	}
	return err
}

// fail records err as the error that stops the pipeline, if it is the
// first, and stops reading.
func (e *Engine) fail(err error) {
	e.fatalOnce.Do(func() {
		e.statsMu.Lock()
		e.fatal = err
		stop := e.stop
		e.statsMu.Unlock()
		if stop != nil {
			stop()
		}
	})
}

// outputClosed stops reading, without an error, after a stream output's
// reader went away. Records not written stay unacknowledged.
func (e *Engine) outputClosed(name string) {
	e.closed.Store(true)
	e.closedOnce.Do(func() {
		e.log.Info("output closed by its reader: stopping", "output", name)
		e.statsMu.Lock()
		stop := e.stop
		e.statsMu.Unlock()
		if stop != nil {
			stop()
		}
	})
}

// givenUp reports whether the records in flight will never all be
// acknowledged: after a failure, or once stdout was closed.
func (e *Engine) givenUp() bool { return e.closed.Load() || e.fatalErr() != nil }

func (e *Engine) fatalErr() error {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	return e.fatal
}

// openOutputs creates the outputs that do not depend on a consumer
// client, and the dead-letter producer.
func (e *Engine) openOutputs(inputFormat record.Format) error {
	var outputs []output.Output
	var lines []*output.Lines
	var dlq *output.Kafka
	for _, o := range e.spec.Outputs {
		switch o.Kind {
		case OutputLines:
			format := o.Format
			if format == record.FormatAuto {
				format = inputFormat
			}
			l := output.NewLines(o.Name, o.Writer, format)
			lines = append(lines, l)
			outputs = append(outputs, l)
		case OutputFile:
			opts := *o.File
			opts.Log = e.log
			if opts.Format == record.FormatAuto {
				opts.Format = inputFormat
			}
			if limit := max(1, e.spec.Buffer/2); opts.MaxRecords == 0 || opts.MaxRecords > limit {
				opts.MaxRecords = limit
			}
			f, err := output.NewFile(opts)
			if err != nil {
				return err
			}
			outputs = append(outputs, f)
		case OutputKafka:
			if e.spec.ExactlyOnce {
				continue // produced through each lane's transactional client
			}
			k, err := e.newKafkaOutput(o.Kafka, e.spec.Retries)
			if err != nil {
				return err
			}
			outputs = append(outputs, k)
		}
	}
	if e.spec.OnError.Action == ActionDLQ && e.spec.DeadLetter != nil && !e.spec.ExactlyOnce {
		k, err := e.newKafkaOutput(e.spec.DeadLetter, e.spec.Retries)
		if err != nil {
			return err
		}
		dlq = k
	}

	e.statsMu.Lock()
	e.outputs, e.lines, e.dlq = outputs, lines, dlq
	e.statsMu.Unlock()
	return nil
}

func (e *Engine) newKafkaOutput(sink *KafkaSink, retries output.Retries) (*output.Kafka, error) {
	cl, err := kgo.NewClient(sink.Client...)
	if err != nil {
		return nil, fmt.Errorf("create Kafka producer for %s: %w", sink.Name, err)
	}
	return output.NewKafka(output.KafkaOptions{Name: sink.Name, Client: cl, Route: sink.Route, Retries: retries, CloseClient: true}), nil
}

// closeOutputs flushes and closes every output within ctx.
func (e *Engine) closeOutputs(ctx context.Context, outputs []output.Output) error {
	var errs []error
	for _, o := range outputs {
		if err := o.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close output %s: %w", o.Name(), err))
		}
	}
	if e.dlq != nil {
		if err := e.dlq.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close dead-letter output: %w", err))
		}
	}
	e.collectOutputStats()
	return errors.Join(errs...)
}

// flushLines flushes stdout-like outputs every FlushInterval, which
// delivers their records, until ctx ends. When the buffer is full and a
// reader waits, it flushes them at once and nudges the outputs that
// batch: lingering then would only hold back the acknowledgements that
// free the buffer.
func (e *Engine) flushLines(ctx context.Context) {
	tick := time.NewTicker(e.spec.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.full:
			// The records that fill the buffer may reach the outputs
			// after the reader began to wait, so the outputs are nudged
			// until it no longer waits.
			for {
				e.nudgeOutputs()
				e.flushLinesNow(ctx)
				if !e.budget.Waiting() {
					break
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		case <-tick.C:
			e.flushLinesNow(ctx)
			e.collectOutputStats()
			e.metrics.BufferUsed.Set(float64(e.budget.Used()))
			e.statsMu.Lock()
			lanes := e.lanes
			e.statsMu.Unlock()
			for _, l := range lanes {
				l.updateLag()
			}
		}
	}
}

// flushLinesNow flushes the stdout-like outputs once.
func (e *Engine) flushLinesNow(ctx context.Context) {
	for _, l := range e.lines {
		err := l.Flush(ctx)
		switch {
		case errors.Is(err, output.ErrClosed):
			e.outputClosed(l.Name())
		case err != nil:
			e.fail(fmt.Errorf("write %s: %w", l.Name(), err))
		}
	}
}

// bufferFull is the budget's OnWait: it wakes flushLines without
// blocking the reader.
func (e *Engine) bufferFull() {
	select {
	case e.full <- struct{}{}:
	default:
	}
}

// nudgeOutputs nudges every output that batches.
func (e *Engine) nudgeOutputs() {
	e.statsMu.Lock()
	all := e.allOutputs()
	e.statsMu.Unlock()
	for _, o := range all {
		if n, ok := o.(output.Nudger); ok {
			n.Nudge()
		}
	}
}

// collectOutputStats adds what the outputs counted since the last call
// to the metrics.
func (e *Engine) collectOutputStats() {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	all := e.allOutputs()
	if len(e.lastStats) < len(all) {
		e.lastStats = append(e.lastStats, make([]outputStats, len(all)-len(e.lastStats))...)
	}
	for i, o := range all {
		s := o.Stats()
		cur := outputStats{s.Written.Load(), s.Failed.Load(), s.Retried.Load()}
		last := e.lastStats[i]
		e.metrics.OutputRecords.WithLabelValues(o.Name(), "delivered").Add(float64(cur.written - last.written))
		e.metrics.OutputRecords.WithLabelValues(o.Name(), "failed").Add(float64(cur.failed - last.failed))
		e.metrics.OutputRetries.WithLabelValues(o.Name()).Add(float64(cur.retried - last.retried))
		e.lastStats[i] = cur
	}
}

// allOutputs returns the outputs, the dead-letter output and the lanes'
// transactional outputs. The caller holds statsMu.
func (e *Engine) allOutputs() []output.Output {
	all := append([]output.Output(nil), e.outputs...)
	if e.dlq != nil {
		all = append(all, e.dlq)
	}
	for _, l := range e.lanes {
		if l.txOut != nil {
			all = append(all, l.txOut)
		}
	}
	return all
}

// addCounts adds one worker's stage counts to the totals and metrics.
func (e *Engine) addCounts(c *chain) {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	c.takeCounts(func(index int, counts StageCounts, samples []time.Duration) {
		if counts == (StageCounts{}) && len(samples) == 0 {
			return
		}
		s := e.spec.Stages[index-1]
		t := &e.stages[index-1]
		t.In += counts.In
		t.Out += counts.Out
		t.Dropped += counts.Dropped
		t.Errored += counts.Errored
		labels := stageLabels(s.Name, index)
		e.metrics.RecordsIn.With(labels).Add(float64(counts.In))
		e.metrics.RecordsOut.With(labels).Add(float64(counts.Out))
		e.metrics.RecordsDropped.With(labels).Add(float64(counts.Dropped))
		e.metrics.RecordsErrored.With(labels).Add(float64(counts.Errored))
		h := e.metrics.StageLatency.With(labels)
		for _, d := range samples {
			h.Observe(d.Seconds())
		}
	})
}

// addSource counts records read from the input.
func (e *Engine) addSource(n int) {
	e.metrics.SourceRecords.Add(float64(n))
	e.statsMu.Lock()
	e.source += int64(n)
	e.statsMu.Unlock()
}

// Pause stops fetching. Records already handed to workers go on through
// the pipeline; those of a poll in progress wait for Resume.
func (e *Engine) Pause() {
	e.pauseMu.Lock()
	defer e.pauseMu.Unlock()
	if !e.paused {
		e.paused = true
		e.resumed = make(chan struct{})
		e.metrics.Paused.Set(1)
		e.log.Info("pipeline paused")
	}
}

// Resume starts fetching again after Pause.
func (e *Engine) Resume() {
	e.pauseMu.Lock()
	defer e.pauseMu.Unlock()
	if e.paused {
		e.paused = false
		close(e.resumed)
		e.metrics.Paused.Set(0)
		e.log.Info("pipeline resumed")
	}
}

// waitResumed blocks while the pipeline is paused.
func (e *Engine) waitResumed(ctx context.Context) error {
	e.pauseMu.Lock()
	paused, resumed := e.paused, e.resumed
	e.pauseMu.Unlock()
	if !paused {
		return nil
	}
	select {
	case <-resumed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status is a snapshot of a running pipeline, for the control API.
type Status struct {
	Paused bool `json:"paused"`
	// Held is the records fetched by a poll in progress at the pause,
	// which wait for the resume.
	Held       int64             `json:"held_records"`
	Source     int64             `json:"source_records"`
	Stages     []StageStatus     `json:"stages"`
	Outputs    []OutputStatus    `json:"outputs"`
	Buffer     int               `json:"buffer_records"`
	Capacity   int               `json:"buffer_capacity"`
	Partitions []PartitionStatus `json:"partitions,omitempty"`
}

// StageStatus is the counts of one stage.
type StageStatus struct {
	Index int    `json:"index"`
	Name  string `json:"stage"`
	StageCounts
}

// OutputStatus is the counts of one output.
type OutputStatus struct {
	Name      string `json:"output"`
	Delivered int64  `json:"delivered"`
	Failed    int64  `json:"failed"`
	Retried   int64  `json:"retried"`
}

// PartitionStatus is the delivery state of one assigned partition.
type PartitionStatus struct {
	Topic       string `json:"topic"`
	Partition   int32  `json:"partition"`
	Committable int64  `json:"committable_offset"`
	InFlight    int    `json:"in_flight"`
	Lag         int64  `json:"lag"`
}

// Status returns the pipeline's counts so far.
func (e *Engine) Status() Status {
	e.pauseMu.Lock()
	paused := e.paused
	e.pauseMu.Unlock()

	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	st := Status{Paused: paused, Held: e.held.Load(), Source: e.source, Buffer: e.budget.Used(), Capacity: e.budget.Max(),
		Stages: []StageStatus{}, Outputs: []OutputStatus{}}
	for i, s := range e.spec.Stages {
		st.Stages = append(st.Stages, StageStatus{Index: s.Index, Name: s.Name, StageCounts: e.stages[i]})
	}
	for _, o := range e.allOutputs() {
		s := o.Stats()
		st.Outputs = append(st.Outputs, OutputStatus{Name: o.Name(), Delivered: s.Written.Load(), Failed: s.Failed.Load(), Retried: s.Retried.Load()})
	}
	for _, l := range e.lanes {
		st.Partitions = append(st.Partitions, l.partitionStatus()...)
	}
	return st
}

func partitionLabel(p int32) string { return strconv.Itoa(int(p)) }

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
