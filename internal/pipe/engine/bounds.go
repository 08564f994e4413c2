package engine

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A bounded read (etl-kread --exit-at-end or --count) ends the input.
// The readers stop polling once every partition reached its end offset,
// or once MaxRecords records were read. The pipeline then drains, commits
// and stops as it does after a stop request, with no error.

// startBounds lists the end offsets of a bounded read, and starts
// counting records for MaxRecords. It returns the admin client, which
// the bounds use until the run ends, or nil.
func (e *Engine) startBounds(ctx context.Context) (*kgo.Client, error) {
	src := e.spec.Kafka
	e.ended = make(chan struct{})
	e.left.Store(src.MaxRecords)
	if src.Bounds == nil {
		return nil, nil
	}

	cl, err := kgo.NewClient(src.Client...)
	if err != nil {
		return nil, fmt.Errorf("create Kafka admin client: %w", err)
	}
	bounds, err := src.Bounds(ctx, kadm.NewClient(cl))
	if err != nil {
		cl.Close()
		return nil, err
	}
	e.bounds = bounds
	go func() {
		select {
		case <-bounds.Reached():
			e.endInput()
		case <-ctx.Done():
		}
	}()
	return cl, nil
}

// endInput marks the input as ended.
func (e *Engine) endInput() {
	e.endOnce.Do(func() { close(e.ended) })
}

// inputEnded reports whether a bounded read is complete.
func (e *Engine) inputEnded() bool {
	select {
	case <-e.ended:
		return true
	default:
		return false
	}
}

// pollContext returns the context of a reader's polls: ctx, also
// cancelled once the input ended, so that a poll waiting for records
// that will not come returns.
func (e *Engine) pollContext(ctx context.Context) (context.Context, context.CancelFunc) {
	pollCtx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-e.ended:
			cancel()
		case <-pollCtx.Done():
		}
	}()
	return pollCtx, cancel
}

// bound returns the records of a fetched partition that a bounded read
// takes: those before the partition's end offset, and no more than the
// records left of MaxRecords. A partition that reached its end stops
// being fetched.
func (l *lane) bound(p kgo.FetchTopicPartition) []*kgo.Record {
	e := l.e
	recs := p.Records
	if len(recs) == 0 {
		return recs
	}

	if e.bounds != nil {
		end := e.bounds.End(p.Topic, p.Partition)
		cut := len(recs)
		for cut > 0 && recs[cut-1].Offset >= end {
			cut--
		}
		if e.bounds.Reach(p.Topic, p.Partition, recs[len(recs)-1].Offset) {
			l.cl.PauseFetchPartitions(map[string][]int32{p.Topic: {p.Partition}})
		}
		recs = recs[:cut]
	}

	if e.spec.Kafka.MaxRecords > 0 {
		recs = recs[:e.takeRecords(recs)]
	}
	return recs
}

// takeRecords takes records of MaxRecords, transaction markers aside,
// and returns how many of recs fit. The input ends when none are left.
func (e *Engine) takeRecords(recs []*kgo.Record) int {
	for {
		left := e.left.Load()
		if left <= 0 {
			e.endInput()
			return 0
		}
		n, taken := 0, int64(0)
		for n < len(recs) && taken < left {
			if !recs[n].Attrs.IsControl() {
				taken++
			}
			n++
		}
		if e.left.CompareAndSwap(left, left-taken) {
			if left-taken == 0 {
				e.endInput()
			}
			return n
		}
	}
}
