package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// readTransactions is the read loop of exactly-once delivery. Each poll
// becomes one transaction: its records are processed and produced
// through the transactional client, and the transaction commits the
// produced records together with the consumed offsets. A rebalance during
// a transaction aborts it, and the records are read again from the last
// committed offsets, so a read_committed consumer of the output reads
// each record once.
func (l *lane) readTransactions(ctx context.Context, workers []*worker) error {
	e := l.e
	pollCtx, cancel := e.pollContext(ctx)
	defer cancel()
	for {
		if err := e.waitResumed(ctx); err != nil || e.inputEnded() {
			return nil
		}
		fetches := l.sess.PollRecords(pollCtx, e.maxPoll())
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		if err := l.fetchErrors(fetches); err != nil {
			return err
		}
		if fetches.NumRecords() == 0 {
			continue
		}
		if !e.holdWhilePaused(ctx, fetches) {
			return nil
		}
		if err := l.sess.Begin(); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}

		// The poll is dispatched even when ctx ends meanwhile, so that the
		// transaction can end cleanly.
		l.txn = newTxnRecords()
		err := l.dispatch(context.WithoutCancel(ctx), fetches, workers)
		l.txn.finish(1)
		if err != nil {
			return err
		}
		ok := l.waitTransaction(l.txn)

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

// txnRecords counts the records of one transaction that the workers have
// not finished: run through the chain and acknowledged by every output.
// It starts at one, held by the reader until the whole poll is
// dispatched, so that it cannot reach zero half way.
type txnRecords struct {
	left atomic.Int64
	done chan struct{} // closed when left drops to zero
}

func newTxnRecords() *txnRecords {
	t := &txnRecords{done: make(chan struct{})}
	t.left.Store(1)
	return t
}

func (t *txnRecords) add(n int) { t.left.Add(int64(n)) }

func (t *txnRecords) finish(n int) {
	if t.left.Add(-int64(n)) == 0 {
		close(t.done)
	}
}

// waitTransaction waits until the workers finished every record of the
// transaction, or the pipeline failed. It returns whether all were
// produced.
//
// It waits for the records themselves, not for the partitions' trackers,
// because a rebalance drops the trackers of revoked partitions while
// their records may still be in a worker's queue. A record produced after
// the transaction ended would fail outside any transaction.
func (l *lane) waitTransaction(txn *txnRecords) bool {
	for {
		if l.e.fatalErr() != nil {
			return false
		}
		select {
		case <-txn.done:
			return l.e.fatalErr() == nil
		case <-time.After(100 * time.Millisecond):
		}
	}
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
