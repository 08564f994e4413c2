package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// readTransactions is the read loop of exactly-once delivery. Each poll
// becomes one transaction: its records are processed and produced
// through the transactional client, and the transaction commits the
// produced records together with the consumed offsets. A rebalance during
// a transaction aborts it, and the records are read again from the last
// committed offsets, so a read_committed consumer of the output sees each
// record once.
func (l *lane) readTransactions(ctx context.Context, workers []*worker) error {
	e := l.e
	for {
		if err := e.waitResumed(ctx); err != nil {
			return nil
		}
		fetches := l.sess.PollRecords(ctx, e.maxPoll())
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		if err := l.fetchErrors(fetches); err != nil {
			return err
		}
		if fetches.NumRecords() == 0 {
			continue
		}
		if err := l.sess.Begin(); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}

		// The poll is dispatched even when ctx ends meanwhile, so that the
		// transaction can end cleanly.
		if err := l.dispatch(context.WithoutCancel(ctx), fetches, workers); err != nil {
			return err
		}
		ok := l.waitTransaction()

		end := kgo.TryCommit
		if !ok || e.fatalErr() != nil {
			end = kgo.TryAbort
		}
		endCtx, cancel := context.WithTimeout(context.Background(), e.spec.ShutdownTimeout)
		committed, err := l.sess.End(endCtx, end)
		cancel()
		if err != nil {
			return fmt.Errorf("end transaction: %w", err)
		}
		if end == kgo.TryCommit && !committed {
			e.log.Warn("transaction aborted after a rebalance; its records are read again", "reader", l.id)
		}
		if e.fatalErr() != nil {
			return nil
		}
		l.resetAfterTransaction()
	}
}

// waitTransaction waits until every record of the transaction was
// produced, or the pipeline failed. It returns whether all were.
func (l *lane) waitTransaction() bool {
	for _, p := range l.selected(nil) {
		for p.InFlight() > 0 {
			if l.e.fatalErr() != nil {
				return false
			}
			select {
			case <-p.Drained():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return l.e.fatalErr() == nil
}

// resetAfterTransaction drops the trackers: after an abort the client
// rewinds to the committed offsets, and the next transaction registers
// its records anew.
func (l *lane) resetAfterTransaction() {
	l.mu.Lock()
	keys := make([]topicPartition, 0, len(l.parts))
	for key := range l.parts {
		keys = append(keys, key)
	}
	l.mu.Unlock()
	for _, key := range keys {
		l.drop(key)
	}
}
