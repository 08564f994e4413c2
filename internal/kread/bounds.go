package kread

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Bounds is the end of a read with --exit-at-end, for a consumer that
// etl-kread does not run itself, such as etl-pipe's: the end offsets that
// the topics had when Bounds was made, and which partitions reached them.
// Its methods may be called from several goroutines.
type Bounds struct {
	ends       *endTracker
	partitions map[string]map[int32]kgo.Offset // without a group
	adjust     func(context.Context, map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error)
	empty      bool
}

// Bounds lists, through adm, the topics and the end offsets that a read
// with --exit-at-end stops at: the high watermarks, or the last stable
// offsets with --isolation read_committed. Without --exit-at-end it
// returns nil. A named topic that does not exist is an error.
func (c *Command) Bounds(ctx context.Context, adm *kadm.Client) (*Bounds, error) {
	if !c.ExitAtEnd {
		return nil, nil
	}
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	topics, err := listTopics(ctx, adm, cfg)
	if err != nil {
		return nil, err
	}
	if len(topics) == 0 {
		ends := newEndTracker(nil)
		ends.start(nil)
		return &Bounds{ends: ends, empty: true}, nil
	}
	ends, partitions, err := listBounds(ctx, adm, cfg, topics)
	if err != nil {
		return nil, err
	}
	b := &Bounds{ends: ends, partitions: partitions}
	b.empty = cfg.group == "" && len(partitions) == 0
	if cfg.group != "" {
		start := cfg.start
		b.adjust = func(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
			return adjustStarts(ctx, adm, start, ends, offsets)
		}
	}
	return b, nil
}

// Empty reports whether there is nothing to read: no topic matched, or
// without a group every partition is already at its end.
func (b *Bounds) Empty() bool { return b.empty }

// ConsumerOptions returns the options that the consuming client needs.
// Without a group they name the partitions to read and their first
// offsets, in place of the topics and --offset. With a group they give
// each assigned partition an exact first offset, so that the partitions
// can be tracked. Both keep transaction markers, which the consumer must
// skip, because a partition can end with one.
func (b *Bounds) ConsumerOptions() []kgo.Opt {
	opts := []kgo.Opt{kgo.KeepControlRecords()}
	if b.partitions != nil {
		opts = append(opts, kgo.ConsumePartitions(b.partitions))
	}
	if b.adjust != nil {
		opts = append(opts, kgo.AdjustFetchOffsetsFn(b.adjust))
	}
	return slices.Clip(opts)
}

// ReplacesTopics reports whether ConsumerOptions names the partitions to
// read, so that the consumer must not also consume the topics.
func (b *Bounds) ReplacesTopics() bool { return b.partitions != nil }

// End returns the end offset of a partition: records at or past it are
// not read.
func (b *Bounds) End(topic string, partition int32) int64 { return b.ends.end(topic, partition) }

// Reach records that offset was the last one fetched from a partition,
// control records included, and reports whether the partition is done.
func (b *Bounds) Reach(topic string, partition int32, offset int64) bool {
	return b.ends.reach(topic, partition, offset)
}

// Stop records that partitions were revoked or lost: another group
// member reads them now.
func (b *Bounds) Stop(partitions map[string][]int32) { b.ends.stop(partitions) }

// Done reports whether every partition being read reached its end.
func (b *Bounds) Done() bool { return b.ends.done() }

// Reached returns a channel that is closed once Done turns true, so that
// a waiting poll can end.
func (b *Bounds) Reached() <-chan struct{} { return b.ends.reached }
