package kread

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// maxDropLogs bounds the log lines of --on-error pass; the final count
// covers the rest.
const maxDropLogs = 10

// errLimit ends the read loop once --count records were written.
var errLimit = errors.New("record count reached")

// reader is the read loop: poll a batch of fetches, write every record
// into the buffered stdout, flush, mark the written offsets for commit,
// and let a waiting rebalance go ahead.
//
// One record.Record is reused for every record, its slices pointing into
// franz-go's fetch buffers, so writing a record allocates nothing here.
type reader struct {
	cl      *kgo.Client
	out     *record.Writer
	policy  stage.Policy
	limit   int64       // --count, 0 for no limit
	ends    *endTracker // nil without --exit-at-end
	commits *committer  // nil without --group
	rec     record.Record
	last    []*kgo.Record // last record handled per partition in the batch

	written int64
	dropped int64
}

// run reads until a stop condition. It returns nil for a normal stop
// (count, end, signal), stage.ErrStop when stdout was closed, and the
// error otherwise.
func (r *reader) run(ctx context.Context) error {
	// A poll waits for records; with --exit-at-end it also ends when the
	// last partition is found done in a rebalance, with no record to come.
	pollCtx := ctx
	if r.ends != nil {
		var cancel context.CancelFunc
		pollCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-r.ends.reached:
				cancel()
			case <-pollCtx.Done():
			}
		}()
	}

	for {
		if r.ends != nil && r.ends.done() {
			return nil
		}

		fetches := r.cl.PollFetches(pollCtx)
		r.last = r.last[:0]
		err := r.writeFetches(fetches)

		flushErr := r.out.Flush()
		if flushErr == nil && r.commits != nil {
			r.commits.mark(r.last)
			r.commits.commitAsync()
		}
		r.cl.AllowRebalance()

		switch {
		case flushErr != nil:
			return writeError(flushErr)
		case errors.Is(err, errLimit):
			return nil
		case err != nil:
			return err
		case ctx.Err() != nil:
			return nil
		}
	}
}

// writeFetches writes the records of one poll. It stops at the first
// error, after noting in r.last what was handled before it.
func (r *reader) writeFetches(fetches kgo.Fetches) error {
	for i := range fetches {
		for j := range fetches[i].Topics {
			topic := &fetches[i].Topics[j]
			for k := range topic.Partitions {
				p := &topic.Partitions[k]
				if p.Err != nil {
					if err := fetchError(topic.Topic, p); err != nil {
						return err
					}
				}
				if len(p.Records) == 0 {
					continue
				}
				if err := r.writePartition(topic.Topic, p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// writePartition writes the fetched records of one partition.
func (r *reader) writePartition(topic string, p *kgo.FetchPartition) error {
	end := int64(1<<63 - 1)
	if r.ends != nil {
		end = r.ends.end(topic, p.Partition)
	}

	var handled *kgo.Record // the last record written or dropped
	var err error
	reached := int64(-1) // the last offset fetched, for the end tracker
	for _, kr := range p.Records {
		reached = kr.Offset
		if kr.Offset >= end {
			break
		}
		if kr.Attrs.IsControl() {
			handled = kr
			continue
		}

		kafka.FromKgo(&r.rec, kr)
		werr := r.out.Write(&r.rec)
		switch {
		case werr == nil:
			handled = kr
			r.written++
			if r.limit > 0 && r.written >= r.limit {
				err = errLimit
			}
		case !errors.Is(werr, record.ErrNewlineInValue):
			return writeError(werr)
		case r.policy == stage.PolicyFail:
			err = stage.NewRecordError(Name, &r.rec, werr)
		default:
			r.drop(stage.NewRecordError(Name, &r.rec, werr))
			handled = kr
		}
		if err != nil {
			break
		}
	}

	if handled != nil {
		r.last = append(r.last, handled)
	}
	if err != nil {
		return err
	}
	if r.ends != nil && reached >= 0 && r.ends.reach(topic, p.Partition, reached) {
		r.cl.PauseFetchPartitions(map[string][]int32{topic: {p.Partition}})
	}
	return nil
}

// drop counts a record that --on-error skip or pass left out, and logs it
// for pass.
func (r *reader) drop(err *stage.RecordError) {
	r.dropped++
	if r.policy == stage.PolicyPass && r.dropped <= maxDropLogs {
		slog.Warn("record dropped", "record", err.Record, "err", err.Err)
		if r.dropped == maxDropLogs {
			slog.Warn("further dropped records are only counted")
		}
	}
}

// fetchError returns the error of a fetched partition that must stop the
// run, or nil for one that only needs a log line.
func fetchError(topic string, p *kgo.FetchPartition) error {
	var dataLoss *kgo.ErrDataLoss
	switch {
	case errors.Is(p.Err, context.Canceled), errors.Is(p.Err, context.DeadlineExceeded), errors.Is(p.Err, kgo.ErrClientClosed):
		return nil
	case errors.As(p.Err, &dataLoss):
		slog.Warn("records lost or offset out of range, reading on from the reset offset", "topic", topic, "partition", p.Partition, "err", p.Err)
		return nil
	}
	return fmt.Errorf("read topic %q partition %d: %w", topic, p.Partition, p.Err)
}

// writeError turns a failed write to stdout into stage.ErrStop when the
// reader of stdout went away, and into an error naming stdout otherwise.
func writeError(err error) error {
	if errors.Is(err, syscall.EPIPE) {
		return stage.ErrStop
	}
	return fmt.Errorf("write stdout: %w", err)
}
