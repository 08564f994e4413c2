package kwrite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// maxFailureLogs bounds the log lines of failed or dropped records under
// --on-error skip and pass; the summary counts the rest.
const maxFailureLogs = 10

// errFailed stops reading once a record failed under --on-error fail.
var errFailed = errors.New("a record failed")

// DeliveryError is a record that the broker, or franz-go before sending
// it, did not accept.
type DeliveryError struct {
	Line      int64
	Topic     string
	Partition int32
	Size      int // bytes of key, value and headers
	Err       error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("line %d: record of %d bytes not written to topic %q partition %d: %v", e.Line, e.Size, e.Topic, e.Partition, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Run reads stdin and produces every record until EOF or a signal.
func (c *Command) Run(env cli.Env) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}

	signaled, ctx, stopSignals := stage.DrainSignals()
	defer stopSignals()

	// franz-go reads a topic's batch limit when it first meets one of its
	// partitions, which is after the producer learned the limit.
	limits := newBatchLimits(cfg.batchMaxBytes)
	cl, err := kgo.NewClient(append(cfg.client, kgo.ProducerBatchMaxBytesFn(limits.forTopic))...)
	if err != nil {
		return fmt.Errorf("create Kafka client: %w", err)
	}
	defer cl.Close()
	limits.connect(ctx, kadm.NewClient(cl))

	p := newProducer(cfg, env, limits, cl)
	return p.run(ctx, signaled, !stage.IsPipe(env.Stdin))
}

// producer reads records and produces them.
//
// Reading and producing run on one goroutine; franz-go calls done for
// each record from its own goroutine. The main goroutine waits for the
// reader to finish or for a signal, then flushes. A pending record owns a
// copy of the bytes read, because the line reader reuses its buffer, and
// pending records are pooled so that steady production allocates little.
type producer struct {
	cfg    *config
	in     *record.Reader
	stderr io.Writer
	limits *batchLimits
	cl     *kgo.Client

	freeMu    sync.Mutex
	free      []*pending // pending records franz-go is done with
	freeBytes int        // capacity of the buffers of free

	topics map[string]string // interned topic names, with their batch limit learned; reader only

	topicsMu   sync.Mutex
	topicOrder []string // topics in the order first produced to, for the summary

	// The reader holds mu around each Produce call, and stops producing
	// once stopping is set, so that the final flush covers every record.
	mu       sync.Mutex
	stopping bool
	inflight sync.WaitGroup
	waiting  atomic.Int64 // records produced and not yet done

	written atomic.Int64
	failed  atomic.Int64
	dropped atomic.Int64 // lines and records left out by --on-error skip or pass
	logs    atomic.Int64

	// recordsCtx is the context of every record, canceled by the
	// watchdog when the brokers acknowledge nothing for --delivery-timeout.
	recordsCtx    context.Context
	cancelRecords context.CancelFunc

	errMu    sync.Mutex
	firstErr error // the first delivery error under --on-error fail
	stop     atomic.Bool
}

func newProducer(cfg *config, env cli.Env, limits *batchLimits, cl *kgo.Client) *producer {
	p := &producer{
		cfg:    cfg,
		cl:     cl,
		in:     record.NewReader(env.Stdin, cfg.format, cfg.maxRecordSize),
		stderr: env.Stderr,
		limits: limits,
		topics: make(map[string]string),
	}
	p.recordsCtx, p.cancelRecords = context.WithCancel(context.Background())
	return p
}

// run reads and produces until EOF, an error or a signal, then flushes,
// prints the summary and returns the run's error.
//
// At the first signal, a producer that reads a pipe goes on to EOF, so
// that it writes the lines that earlier stages of the pipeline have
// already sent. The second signal, which cancels ctx, stops reading. A
// producer that reads a terminal or a file (stopAtFirst) stops at the
// first signal.
func (p *producer) run(ctx context.Context, signaled <-chan struct{}, stopAtFirst bool) error {
	defer p.cancelRecords()
	if p.cfg.deliveryTimeout > 0 {
		stopWatch := p.watch(p.cfg.deliveryTimeout)
		defer stopWatch()
	}

	// Records live on recordsCtx, not on ctx, so that the lines read
	// after the first signal are still produced.
	readErr := make(chan error, 1)
	go func() { readErr <- p.read(p.recordsCtx) }()

	// The reader may wait on stdin for good once reading stops; it is
	// left behind, and produces nothing more once stopping is set.
	var err error
	select {
	case err = <-readErr:
	case <-signaled:
		if stopAtFirst {
			slog.Debug("signal received, flushing")
			break
		}
		fmt.Fprintf(p.stderr, "%s: writing the lines already on stdin before stopping; interrupt again to stop now\n", Name)
		select {
		case err = <-readErr:
		case <-ctx.Done():
			slog.Debug("second signal received, flushing")
		}
	}
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()

	// A second SIGINT or SIGTERM gives up on the flush.
	flushCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if ferr := p.cl.Flush(flushCtx); ferr != nil {
		p.summary()
		return &cli.ExitError{Code: cli.ExitFailure, Err: fmt.Errorf("flush interrupted: records still in flight may not be written")}
	}
	p.inflight.Wait()
	p.summary()

	if err == nil || errors.Is(err, errFailed) {
		p.errMu.Lock()
		err = p.firstErr
		p.errMu.Unlock()
	}
	if err == nil && p.failed.Load() > 0 {
		// The records were reported one by one and in the summary.
		return &cli.ExitError{Code: cli.ExitFailure}
	}
	return err
}

// read produces records from stdin until EOF, a failure under
// --on-error fail, or stopping.
func (p *producer) read(ctx context.Context) error {
	warnedPretty := false
	for {
		rec, err := p.in.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if !warnedPretty && p.in.LooksPrettyPrinted() {
			warnedPretty = true
			slog.Warn("the input looks like pretty-printed JSON; each line becomes a record, so write it with jq -c or another compact form")
		}
		var lineErr *record.LineError
		if errors.As(err, &lineErr) {
			if err := p.drop(lineErr); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		if p.stop.Load() {
			return errFailed
		}

		pending, err := p.prepare(ctx, rec)
		if err != nil {
			if err := p.drop(stage.NewRecordError(Name, rec, err)); err != nil {
				return err
			}
			continue
		}

		p.mu.Lock()
		if p.stopping {
			p.mu.Unlock()
			p.release(pending)
			return nil
		}
		p.inflight.Add(1)
		p.waiting.Add(1)
		p.cl.Produce(ctx, &pending.rec, pending.promise)
		p.mu.Unlock()
	}
}

// drop applies --on-error to a line or record that cannot be produced.
// It returns the error under fail.
func (p *producer) drop(err error) error {
	if p.cfg.policy == stage.PolicyFail {
		return err
	}
	p.dropped.Add(1)
	if p.cfg.policy == stage.PolicyPass {
		p.logFailure("record dropped", err)
	}
	return nil
}

// done is called by franz-go once per record, when the broker
// acknowledged it or it failed.
func (p *producer) done(pending *pending, err error) {
	defer p.inflight.Done()
	p.waiting.Add(-1)
	if err == nil {
		p.written.Add(1)
		p.release(pending)
		return
	}

	p.failed.Add(1)
	if errors.Is(err, context.Canceled) && p.recordsCtx.Err() != nil {
		err = fmt.Errorf("no acknowledgement from the brokers for --delivery-timeout %s", p.cfg.deliveryTimeout)
	}
	derr := &DeliveryError{
		Line:      pending.line,
		Topic:     pending.rec.Topic,
		Partition: pending.rec.Partition,
		Size:      pending.size,
		Err:       err,
	}
	p.release(pending)
	if p.cfg.policy == stage.PolicyFail {
		p.errMu.Lock()
		if p.firstErr == nil {
			p.firstErr = derr
		}
		p.errMu.Unlock()
		p.stop.Store(true)
		return
	}
	p.logFailure("record not written", derr)
}

// logFailure logs a record left out, up to maxFailureLogs times.
func (p *producer) logFailure(msg string, err error) {
	n := p.logs.Add(1)
	if n > maxFailureLogs {
		return
	}
	slog.Warn(msg, "err", err)
	if n == maxFailureLogs {
		slog.Warn("further records left out are only counted")
	}
}

// summary prints the counts on stderr.
func (p *producer) summary() {
	p.topicsMu.Lock()
	topics := describeTopics(p.topicOrder, p.cfg.topic)
	p.topicsMu.Unlock()
	line := fmt.Sprintf("%s: %d records written to %s, %d failed", Name, p.written.Load(), topics, p.failed.Load())
	if n := p.dropped.Load(); n > 0 {
		line += fmt.Sprintf(", %d dropped (--on-error %s)", n, p.cfg.policy)
	}
	fmt.Fprintln(p.stderr, line)
}

// watch cancels every record in flight once records have been waiting
// for timeout without any acknowledgement or failure, so that unreachable
// brokers end the run instead of stalling it.
//
// franz-go's own RecordDeliveryTimeout cannot serve here: it counts from
// each record's timestamp, and envelopes carry timestamps from the past.
// NOTE: with idempotence, franz-go fails a record already sent only after
// it has the outcome, so a broker that went silent mid-request can still
// hold the run until franz-go's request timeouts.
func (p *producer) watch(timeout time.Duration) (stop func()) {
	tick := max(timeout/4, 10*time.Millisecond)
	done := make(chan struct{})
	go func() {
		ticker := time.NewTicker(tick)
		defer ticker.Stop()
		last := int64(-1)
		var since time.Time
		for {
			select {
			case <-done:
				return
			case now := <-ticker.C:
				completed := p.written.Load() + p.failed.Load()
				if completed != last || p.waiting.Load() == 0 {
					last, since = completed, now
					continue
				}
				if now.Sub(since) >= timeout {
					slog.Error("no acknowledgement from the brokers, failing the records in flight", "timeout", timeout, "records", p.waiting.Load())
					p.cancelRecords()
					return
				}
			}
		}
	}()
	return func() { close(done) }
}
