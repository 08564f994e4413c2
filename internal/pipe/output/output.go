// Package output holds etl-pipe's outputs: Kafka topics, stdout, and
// files that rotate by size and age. Every output copies the records it
// is given, once, and reports through a Done when each one is delivered,
// so that the delivery package can commit the offsets behind it.
package output

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/etelgo/etelgo/internal/record"
)

// Done receives the outcome of one Write.
type Done interface {
	// Delivered is called exactly once per Write that returned nil: with
	// a nil error once the record is delivered, or with the error that
	// stopped it after its retries. failed is the output's copy of the
	// record, valid only during the call, so that a dead-letter topic can
	// take it.
	Delivered(err error, failed *record.Record)
}

// RecordError is an error of Write about one record alone, such as a
// record without the field that routes it. The pipeline's on_error
// handles it, and the output goes on with the next record.
type RecordError struct{ Err error }

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// Output is a destination that receives a pipeline's records.
type Output interface {
	// Name names the output in logs and metrics, such as kafka:orders.
	Name() string
	// Write copies rec and delivers it. Write may block while the
	// output's own buffer is full. When Write returns an error, done is
	// not called. A *RecordError or record.ErrNewlineInValue is about
	// this record alone. ErrClosed and any other error are about the
	// output.
	Write(ctx context.Context, rec *record.Record, done Done) error
	// Flush delivers what was written, calling the pending Dones, and
	// waits at most until ctx ends.
	Flush(ctx context.Context) error
	// Close flushes and releases the output.
	Close(ctx context.Context) error
	// Stats returns the output's counters.
	Stats() *Stats
}

// Nudger is an output that holds records back to send them in batches,
// such as a Kafka producer that lingers. Nudge sends what it holds
// without waiting, so that the acknowledgements come sooner; it does not
// block. The pipeline nudges its outputs when its buffer is full.
type Nudger interface {
	Nudge()
}

// Stats are the counters of one output, read by the metrics.
type Stats struct {
	Written atomic.Int64 // records delivered
	Failed  atomic.Int64 // records that failed after their retries
	Retried atomic.Int64 // retry attempts
}

// Retries configure the retries of an output's failed writes.
type Retries struct {
	Max        int
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// Delay returns the wait before retry number attempt (1 for the first
// retry): Backoff, doubled for each further attempt, at most MaxBackoff.
func (r Retries) Delay(attempt int) time.Duration {
	d := r.Backoff
	for i := 1; i < attempt && d < r.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, max(r.MaxBackoff, r.Backoff))
}
