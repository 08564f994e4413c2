package kwrite

import (
	"context"
	"log/slog"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Bounds that franz-go accepts for a batch size.
const (
	minBatchBytes = 512
	maxBatchBytes = 1 << 30
)

// batchLimits keeps, per topic, the largest record batch that the broker
// accepts: the topic's max.message.bytes, capped by --batch-max-bytes.
//
// Batches that respect the topic's limit mean that a record too large
// for the topic is rejected alone, by franz-go, before it is sent. A
// larger batch would be rejected by the broker as a whole, taking the
// records batched with it down too.
type batchLimits struct {
	adm      *kadm.Client
	max      int32 // --batch-max-bytes
	fallback int32 // for topics that do not exist yet: the broker's message.max.bytes
	broker   bool  // fallback came from the broker

	mu     sync.RWMutex
	topics map[string]int32
}

func newBatchLimits(max int32) *batchLimits {
	return &batchLimits{max: max, fallback: max, topics: make(map[string]int32)}
}

// connect reads the broker's default limit through adm, which learn uses
// later. When the request fails (no permission to describe configs, say),
// --batch-max-bytes alone applies.
func (l *batchLimits) connect(ctx context.Context, adm *kadm.Client) {
	l.adm = adm
	configs, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		slog.Debug("cannot describe broker configs, using --batch-max-bytes", "err", err)
		return
	}
	for _, rc := range configs {
		if n, _, ok := configInt(rc, "message.max.bytes"); ok {
			l.fallback = l.clamp(n)
			l.broker = true
		}
	}
}

// learn looks up the limit of a topic, once, before records go to it.
func (l *batchLimits) learn(ctx context.Context, topic string) {
	limit := l.fallback
	configs, err := l.adm.DescribeTopicConfigs(ctx, topic)
	if err == nil {
		if rc, err := configs.On(topic, nil); err == nil && rc.Err == nil {
			// A topic value that is only the built-in default gives way to
			// the broker's setting, which the topic inherits.
			n, source, ok := configInt(rc, "max.message.bytes")
			if ok && (source != kmsg.ConfigSourceDefaultConfig || !l.broker) {
				limit = l.clamp(n)
			}
		}
	} else {
		slog.Debug("cannot describe topic configs, using the default batch limit", "topic", topic, "err", err)
	}

	l.mu.Lock()
	l.topics[topic] = limit
	l.mu.Unlock()
}

// forTopic returns the batch limit of a topic, for
// kgo.ProducerBatchMaxBytesFn.
func (l *batchLimits) forTopic(topic string) int32 {
	l.mu.RLock()
	limit, ok := l.topics[topic]
	l.mu.RUnlock()
	if !ok {
		return l.fallback
	}
	return limit
}

func (l *batchLimits) clamp(n int64) int32 {
	return int32(max(minBatchBytes, min(n, int64(l.max))))
}

// configInt returns the integer value of a config entry and its source.
func configInt(rc kadm.ResourceConfig, key string) (int64, kmsg.ConfigSource, bool) {
	for _, c := range rc.Configs {
		if c.Key == key && c.Value != nil {
			n, err := strconv.ParseInt(*c.Value, 10, 64)
			return n, c.Source, err == nil
		}
	}
	return 0, 0, false
}
