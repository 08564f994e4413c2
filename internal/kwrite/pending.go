package kwrite

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/record"
)

// pending is a record handed to franz-go and not yet acknowledged. It owns
// a copy of the record's bytes, since the line reader reuses its buffer.
type pending struct {
	rec     kgo.Record
	buf     []byte // key, value and header values, back to back
	line    int64
	size    int
	promise func(*kgo.Record, error) // bound once, so producing allocates no closure
}

// get returns a free pending record, or a new one.
func (p *producer) get() *pending {
	p.freeMu.Lock()
	defer p.freeMu.Unlock()
	n := len(p.free)
	if n == 0 {
		pd := &pending{}
		pd.promise = func(_ *kgo.Record, err error) { p.done(pd, err) }
		return pd
	}
	pd := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	p.freeBytes -= cap(pd.buf)
	return pd
}

// release keeps a pending record for reuse once franz-go is done with it.
// A sync.Pool would drop them at every garbage collection. The list grows
// to the records in flight at most, and its buffers to --max-buffered-bytes,
// so a burst of large records does not stay in memory for the whole run.
func (p *producer) release(pd *pending) {
	p.freeMu.Lock()
	defer p.freeMu.Unlock()
	if p.freeBytes+cap(pd.buf) > p.cfg.maxBufferedBytes {
		clear(pd.rec.Headers)
		pd.rec = kgo.Record{Headers: pd.rec.Headers[:0]}
		pd.buf = nil
	}
	p.freeBytes += cap(pd.buf)
	p.free = append(p.free, pd)
}

// fill copies what the produced record needs from rec, with key as its
// key, and resets what franz-go set on the previous use.
func (pd *pending) fill(ctx context.Context, rec *record.Record, key []byte, topic string, partition int32) {
	size := len(key) + len(rec.Value)
	for _, h := range rec.Headers {
		size += len(h.Value)
	}
	if pd.buf == nil || cap(pd.buf) < size {
		// Never nil, even for a record of no bytes: an empty key or
		// value cut from a nil buffer would turn into a null one. The
		// buffer at least doubles, so a reused one soon fits most records.
		pd.buf = make([]byte, 0, max(size, 2*cap(pd.buf), 512))
	}
	buf := pd.buf[:0]

	headers := pd.rec.Headers[:0]
	pd.rec = kgo.Record{
		Topic:     topic,
		Partition: partition,
		Timestamp: rec.Timestamp,
		// The record's own context is canceled only when the brokers
		// stop acknowledging. The context given to Produce bounds just
		// the wait for room in the buffer.
		Context: ctx,
	}

	pd.rec.Key, buf = appendBytes(buf, key)
	pd.rec.Value, buf = appendBytes(buf, rec.Value)
	for _, h := range rec.Headers {
		var v []byte
		v, buf = appendBytes(buf, h.Value)
		headers = append(headers, kgo.RecordHeader{Key: h.Key, Value: v})
		size += len(h.Key)
	}
	pd.rec.Headers = headers
	pd.buf = buf
	pd.line = rec.Line
	pd.size = size
}

// appendBytes appends b to buf and returns the appended part, capped so
// that it cannot grow into what follows, and nil for nil.
func appendBytes(buf, b []byte) ([]byte, []byte) {
	if b == nil {
		return nil, buf
	}
	start := len(buf)
	buf = append(buf, b...)
	return buf[start:len(buf):len(buf)], buf
}

// prepare decides the topic, key and partition of rec and copies it into
// a pending record. An error is a record error, under --on-error.
func (p *producer) prepare(ctx context.Context, rec *record.Record) (*pending, error) {
	route, err := p.cfg.router.Route(rec)
	if err != nil {
		return nil, err
	}
	topic, err := p.intern(ctx, route.Topic)
	if err != nil {
		return nil, err
	}

	pd := p.get()
	pd.fill(p.recordsCtx, rec, route.Key, topic, route.Partition)
	return pd, nil
}

// intern returns the topic name as a string of its own, checking the name
// and learning the topic's batch limit the first time it appears.
func (p *producer) intern(ctx context.Context, name string) (string, error) {
	if s, ok := p.topics[name]; ok {
		return s, nil
	}
	if err := checkTopic(name); err != nil {
		return "", err
	}
	s := string([]byte(name)) // name may point into the line buffer
	p.limits.learn(ctx, s)
	p.topics[s] = s

	p.topicsMu.Lock()
	p.topicOrder = append(p.topicOrder, s)
	p.topicsMu.Unlock()
	return s, nil
}
