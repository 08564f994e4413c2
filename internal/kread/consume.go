package kread

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/record"
)

// consume sets up the clients, runs the read loop and, at the end,
// flushes stdout, commits and leaves the group.
func consume(ctx context.Context, cfg *config, env cli.Env) error {
	admin, err := kgo.NewClient(append(slices.Clip(cfg.client), kgo.ClientID(Name))...)
	if err != nil {
		return fmt.Errorf("create Kafka client: %w", err)
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)

	topics, err := listTopics(ctx, adm, cfg)
	if err != nil || (cfg.exitAtEnd && len(topics) == 0) {
		return err
	}

	var ends *endTracker
	var partitions map[string]map[int32]kgo.Offset
	if cfg.exitAtEnd {
		ends, partitions, err = listBounds(ctx, adm, cfg, topics)
		if err != nil {
			return err
		}
		if cfg.group == "" && len(partitions) == 0 {
			return nil
		}
	}

	var commits *committer
	if cfg.group != "" {
		commits = newCommitter(cfg.group)
	}
	opts := consumerOptions(cfg, topics, partitions, ends, commits, adm)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("create Kafka consumer: %w", err)
	}
	if commits != nil {
		commits.cl = cl
	}

	r := &reader{
		cl:      cl,
		out:     record.NewWriter(env.Stdout, cfg.format),
		policy:  cfg.policy,
		limit:   cfg.count,
		ends:    ends,
		commits: commits,
	}
	runErr := r.run(ctx)
	return r.finish(runErr, env)
}

// listBounds lists the end offsets of topics for --exit-at-end and
// returns their tracker. Without a group the partitions are known now: it
// also returns each partition that has records to read, with the exact
// offset to start at.
func listBounds(ctx context.Context, adm *kadm.Client, cfg *config, topics []string) (*endTracker, map[string]map[int32]kgo.Offset, error) {
	endOffsets, err := listEnds(ctx, adm, topics, cfg.readCommitted)
	if err != nil {
		return nil, nil, err
	}
	ends := newEndTracker(endOffsets)
	if cfg.group != "" {
		return ends, nil, nil
	}

	starts, err := resolveStarts(ctx, adm, cfg.start, endOffsets, topics)
	if err != nil {
		return nil, nil, err
	}
	ends.start(starts)
	partitions := make(map[string]map[int32]kgo.Offset)
	for t, ps := range starts {
		for p, first := range ps {
			if first < endOffsets[t][p] {
				if partitions[t] == nil {
					partitions[t] = make(map[int32]kgo.Offset)
				}
				partitions[t][p] = kgo.NewOffset().At(first)
			}
		}
	}
	return ends, partitions, nil
}

// consumerOptions returns the options of the consuming client.
func consumerOptions(cfg *config, topics []string, partitions map[string]map[int32]kgo.Offset, ends *endTracker, commits *committer, adm *kadm.Client) []kgo.Opt {
	opts := append(slices.Clip(cfg.client), kgo.ClientID(Name))
	if cfg.readCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if ends != nil {
		// A partition can end with a transaction marker, which --exit-at-end
		// must see to know that the end was reached.
		opts = append(opts, kgo.KeepControlRecords())
	}

	switch {
	case partitions != nil:
		opts = append(opts, kgo.ConsumePartitions(partitions))
	case cfg.regex():
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(anchored(cfg.topics)...))
	default:
		opts = append(opts, kgo.ConsumeTopics(cfg.topics...))
	}
	if partitions == nil {
		opts = append(opts, kgo.ConsumeStartOffset(cfg.start.Offset()))
		if cfg.start.Kind == StartAt {
			// An offset outside the log then starts at the nearest end of
			// the log, not at the default rewind.
			opts = append(opts, kgo.ConsumeResetOffset(cfg.start.Offset()))
		}
	}

	if commits == nil {
		return opts
	}
	opts = append(opts,
		kgo.ConsumerGroup(cfg.group),
		kgo.DisableAutoCommit(),
		// Rebalances wait until the records of a poll are written,
		// flushed and marked, so a revoke commits all of them.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
			commits.revoked(ctx, cl, revoked)
			if ends != nil {
				ends.stop(revoked)
			}
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
			commits.forget(lost)
			if ends != nil {
				ends.stop(lost)
			}
		}),
	)
	if ends != nil {
		opts = append(opts, kgo.AdjustFetchOffsetsFn(func(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
			return adjustStarts(ctx, adm, cfg.start, ends, offsets)
		}))
	}
	return opts
}

// anchored makes topic patterns match whole topic names.
func anchored(patterns []string) []string {
	out := make([]string, len(patterns))
	for i, p := range patterns {
		out[i] = "^(?:" + p + ")$"
	}
	return out
}

// listTopics returns the topics to read that exist now. A named topic
// that does not exist is an error with --exit-at-end, and otherwise
// awaited with a warning; so is a pattern that matches nothing.
func listTopics(ctx context.Context, adm *kadm.Client, cfg *config) ([]string, error) {
	var details kadm.TopicDetails
	var err error
	if cfg.regex() {
		details, err = adm.ListTopics(ctx)
	} else {
		details, err = adm.ListTopics(ctx, cfg.topics...)
	}
	if err != nil {
		return nil, fmt.Errorf("list topics: %w; check that the brokers in --brokers or ETL_BROKERS are reachable", err)
	}

	if cfg.regex() {
		var topics []string
		for _, name := range details.Names() {
			for _, re := range cfg.patterns {
				if re.MatchString(name) {
					topics = append(topics, name)
					break
				}
			}
		}
		if len(topics) == 0 {
			slog.Warn("no topic matches the patterns", "patterns", strings.Join(cfg.topics, " "), "exit_at_end", cfg.exitAtEnd)
		}
		return topics, nil
	}

	var topics []string
	for _, name := range cfg.topics {
		d, ok := details[name]
		switch {
		case ok && d.Err == nil:
			topics = append(topics, name)
		case !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition):
			if cfg.exitAtEnd {
				return nil, fmt.Errorf("topic %q not found: with --exit-at-end every topic must exist", name)
			}
			slog.Warn("topic not found, waiting for it to be created", "topic", name)
		default:
			return nil, fmt.Errorf("describe topic %q: %w", name, d.Err)
		}
	}
	return topics, nil
}

// listEnds lists the end offset of every partition of topics: the high
// watermark, or with read_committed the last stable offset.
func listEnds(ctx context.Context, adm *kadm.Client, topics []string, readCommitted bool) (map[string]map[int32]int64, error) {
	var listed kadm.ListedOffsets
	var err error
	if readCommitted {
		listed, err = adm.ListCommittedOffsets(ctx, topics...)
	} else {
		listed, err = adm.ListEndOffsets(ctx, topics...)
	}
	if err != nil {
		return nil, fmt.Errorf("list end offsets: %w", err)
	}
	return offsetsOf(listed)
}

// resolveStarts returns the exact first offset to read in every partition
// of topics, within the log and no later than the end in ends.
func resolveStarts(ctx context.Context, adm *kadm.Client, start Start, ends map[string]map[int32]int64, topics []string) (map[string]map[int32]int64, error) {
	listed, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	logStarts, err := offsetsOf(listed)
	if err != nil {
		return nil, err
	}
	var atTime map[string]map[int32]int64
	if start.Kind == StartTime {
		listed, err := adm.ListOffsetsAfterMilli(ctx, start.N, topics...)
		if err != nil {
			return nil, fmt.Errorf("list offsets after %d ms: %w", start.N, err)
		}
		if atTime, err = offsetsOf(listed); err != nil {
			return nil, err
		}
	}

	starts := make(map[string]map[int32]int64)
	for t, ps := range logStarts {
		starts[t] = make(map[int32]int64, len(ps))
		for p, logStart := range ps {
			at := int64(-1)
			if o, ok := atTime[t][p]; ok {
				at = o
			}
			starts[t][p] = start.Resolve(logStart, ends[t][p], at)
		}
	}
	return starts, nil
}

// adjustStarts runs when partitions are assigned to this group member
// with --exit-at-end. Partitions with a committed offset start there. The
// others get an exact offset resolved from --offset against the end
// offsets listed at start, so that the tracker has the first offset of
// every partition.
func adjustStarts(ctx context.Context, adm *kadm.Client, start Start, ends *endTracker, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	configured := start.Offset()
	firsts := make(map[string]map[int32]int64)
	var unresolved []string
	for t, ps := range offsets {
		firsts[t] = make(map[int32]int64, len(ps))
		for p, o := range ps {
			if o == configured {
				if len(unresolved) == 0 || unresolved[len(unresolved)-1] != t {
					unresolved = append(unresolved, t)
				}
				continue
			}
			firsts[t][p] = o.EpochOffset().Offset
		}
	}

	if len(unresolved) > 0 {
		starts, err := resolveStarts(ctx, adm, start, ends.ends, unresolved)
		if err != nil {
			return nil, err
		}
		for _, t := range unresolved {
			for p, o := range offsets[t] {
				if o == configured {
					firsts[t][p] = starts[t][p]
					offsets[t][p] = kgo.NewOffset().At(starts[t][p])
				}
			}
		}
	}
	ends.start(firsts)

	// A partition already at its end is left out of the assignment: it
	// has nothing to read, and a fetch of only such partitions waits the
	// broker's full fetch wait for records that will not be printed.
	for t, ps := range firsts {
		for p, first := range ps {
			if first >= ends.ends[t][p] {
				delete(offsets[t], p)
			}
		}
	}
	return offsets, nil
}

// offsetsOf turns listed offsets into a plain map, or returns the first
// partition error.
func offsetsOf(listed kadm.ListedOffsets) (map[string]map[int32]int64, error) {
	if err := listed.Error(); err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	out := make(map[string]map[int32]int64)
	listed.Each(func(o kadm.ListedOffset) {
		if out[o.Topic] == nil {
			out[o.Topic] = make(map[int32]int64)
		}
		out[o.Topic][o.Partition] = o.Offset
	})
	return out, nil
}

// finish flushes stdout, commits what was written and leaves the group.
// A second SIGINT or SIGTERM cuts the final commit short.
func (r *reader) finish(runErr error, env cli.Env) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The read loop flushed and marked after its last batch; a flush
	// error here was already met there.
	flushErr := r.out.Flush()
	var commitErr error
	if r.commits != nil {
		commitErr = r.commits.commitSync(ctx, r.cl, nil)
		r.commits.closing()
	}
	r.cl.CloseAllowingRebalance()

	if r.dropped > 0 {
		fmt.Fprintf(env.Stderr, "%s: %d records dropped (--on-error %s)\n", Name, r.dropped, r.policy)
	}
	if runErr == nil && flushErr != nil {
		runErr = writeError(flushErr)
	}
	return errors.Join(runErr, commitErr)
}
