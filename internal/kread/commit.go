package kread

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// committer commits a consumer group's offsets for the records that were
// written to stdout and flushed, and for no others.
//
// franz-go's autocommit would commit what was polled, which includes
// records still in the write buffer when stdout closes. So autocommit is
// off, and the read loop marks offsets after each successful flush. The
// marks are committed asynchronously after the flush, with at most one
// commit in flight. They are committed synchronously when partitions are
// revoked in a rebalance, and once more at exit.
type committer struct {
	cl    *kgo.Client
	group string

	mu      sync.Mutex
	offsets map[string]map[int32]kgo.EpochOffset // next offset to read, per partition
	dirty   bool                                 // offsets changed since the last commit began
	busy    bool                                 // an asynchronous commit is in flight
	done    bool                                 // the final commit was made
}

func newCommitter(group string) *committer {
	return &committer{group: group, offsets: make(map[string]map[int32]kgo.EpochOffset)}
}

// mark records that every record up to and including each of last was
// written and flushed. last holds at most one record per partition.
func (c *committer) mark(last []*kgo.Record) {
	if len(last) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range last {
		ps := c.offsets[r.Topic]
		if ps == nil {
			ps = make(map[int32]kgo.EpochOffset)
			c.offsets[r.Topic] = ps
		}
		ps[r.Partition] = kgo.EpochOffset{Epoch: r.LeaderEpoch, Offset: r.Offset + 1}
	}
	c.dirty = true
}

// commitAsync starts a commit of the marked offsets unless one is in
// flight already; the next call after it finishes commits what it missed.
func (c *committer) commitAsync() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty || c.busy {
		return
	}
	offsets := c.snapshot(nil)
	c.dirty, c.busy = false, true

	c.cl.CommitOffsets(context.Background(), offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		err = commitError(resp, err)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.busy = false
		if err != nil {
			c.dirty = true
			slog.Warn("commit failed, will retry", "group", c.group, "err", err)
		}
	})
}

// commitSync commits the marked offsets of partitions, or of every
// partition when partitions is nil, and waits for the result. It takes the
// client as an argument because group callbacks may run before c.cl is set.
func (c *committer) commitSync(ctx context.Context, cl *kgo.Client, partitions map[string][]int32) error {
	c.mu.Lock()
	offsets := c.snapshot(partitions)
	if partitions == nil {
		c.dirty = false
	}
	c.mu.Unlock()
	if len(offsets) == 0 {
		return nil
	}

	var err error
	cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, e error) {
		err = commitError(resp, e)
	})
	if err != nil {
		if partitions == nil {
			c.mu.Lock()
			c.dirty = true
			c.mu.Unlock()
		}
		return fmt.Errorf("commit offsets of consumer group %q: %w", c.group, err)
	}
	return nil
}

// revoked commits the offsets of partitions that this member loses in a
// rebalance, so that the next owner starts right after the last record
// written here, then drops their marks. franz-go calls it between polls
// (BlockRebalanceOnPoll), when every written record is also flushed.
func (c *committer) revoked(ctx context.Context, cl *kgo.Client, partitions map[string][]int32) {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	if done {
		// Leaving the group at exit revokes everything, right after the
		// final commit.
		c.forget(partitions)
		return
	}
	if err := c.commitSync(ctx, cl, partitions); err != nil {
		slog.Warn("commit of revoked partitions failed; their next owner may read some records again", "group", c.group, "err", err)
	}
	c.forget(partitions)
}

// closing records that the final commit was made.
func (c *committer) closing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
}

// forget drops the marks of partitions this member no longer owns, so
// that later commits do not move another member's offsets.
func (c *committer) forget(partitions map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for topic, ps := range partitions {
		for _, p := range ps {
			delete(c.offsets[topic], p)
		}
	}
}

// snapshot copies the marks of partitions (all when nil) for a commit,
// because franz-go reads the map after the lock is released.
func (c *committer) snapshot(partitions map[string][]int32) map[string]map[int32]kgo.EpochOffset {
	out := make(map[string]map[int32]kgo.EpochOffset)
	for topic, ps := range c.offsets {
		for p, o := range ps {
			if partitions != nil && !contains(partitions[topic], p) {
				continue
			}
			if out[topic] == nil {
				out[topic] = make(map[int32]kgo.EpochOffset)
			}
			out[topic][p] = o
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

// commitError returns the request error or the first partition error of
// an offset commit response.
func commitError(resp *kmsg.OffsetCommitResponse, err error) error {
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("topic %q partition %d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}
