package output

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/record"
)

// Router fills dst's topic, and its key when the record's key comes from
// a field, for the outgoing record made from rec. dst already holds rec's
// value, key, headers and timestamp, pointing into rec. An error is about
// this record alone.
type Router func(dst *kgo.Record, rec *record.Record) error

// FixedTopic routes every record to topic.
func FixedTopic(topic string) Router {
	return func(dst *kgo.Record, _ *record.Record) error {
		dst.Topic = topic
		return nil
	}
}

// Kafka produces records to Kafka through a franz-go client. Delivery is
// acknowledged by the brokers (with the acks the client was built with).
// A record that the client gives up on is produced again after a backoff,
// up to the configured retries.
//
// NOTE: a retried record can land after records that were written after
// it, because it is produced again only once the client gave up on it.
type Kafka struct {
	name    string
	cl      *kgo.Client
	route   Router
	retries Retries
	ctx     context.Context
	cancel  context.CancelFunc
	closeCl bool
	pool    sync.Pool
	stats   Stats
	pending sync.WaitGroup
	// nudged is set while a flush started by Nudge runs.
	nudged atomic.Bool
}

// KafkaOptions configure NewKafka.
type KafkaOptions struct {
	Name    string
	Client  *kgo.Client
	Route   Router
	Retries Retries
	// CloseClient closes Client when the output closes. It is false when
	// the client is shared, as with a transactional session.
	CloseClient bool
}

// NewKafka returns a Kafka output.
func NewKafka(opts KafkaOptions) *Kafka {
	ctx, cancel := context.WithCancel(context.Background())
	k := &Kafka{name: opts.Name, cl: opts.Client, route: opts.Route, retries: opts.Retries, ctx: ctx, cancel: cancel, closeCl: opts.CloseClient}
	k.pool.New = func() any {
		p := &produced{out: k}
		p.promise = func(_ *kgo.Record, err error) { k.completed(p, err) }
		return p
	}
	return k
}

// produced is one record on its way to Kafka: the client's record, the
// bytes it points into, and the Done to call.
type produced struct {
	kr       kgo.Record
	buf      []byte
	view     record.Record
	done     Done
	attempts int
	// partition is the partition the router chose, which a retry needs
	// again after the client set the one it produced to.
	partition int32
	out       *Kafka
	promise   func(*kgo.Record, error)
}

// Name returns the output's name.
func (k *Kafka) Name() string { return k.name }

// Stats returns the output's counters.
func (k *Kafka) Stats() *Stats { return &k.stats }

// Client returns the producing client.
func (k *Kafka) Client() *kgo.Client { return k.cl }

// Write copies rec into a new Kafka record and produces it. It blocks
// while the client's buffer of unacknowledged records is full.
func (k *Kafka) Write(ctx context.Context, rec *record.Record, done Done) error {
	p := k.pool.Get().(*produced)
	p.kr = kgo.Record{Headers: p.kr.Headers[:0]}
	kafka.ToKgo(&p.kr, rec)
	if err := k.route(&p.kr, rec); err != nil {
		k.pool.Put(p)
		return &RecordError{Err: err}
	}
	if p.kr.Topic == "" {
		k.pool.Put(p)
		return &RecordError{Err: errors.New("the record names no topic: give etl-kwrite a topic")}
	}
	p.partition = p.kr.Partition
	p.own()
	p.done = done
	p.attempts = 0

	k.pending.Add(1)
	k.cl.Produce(k.ctx, &p.kr, p.promise)
	return nil
}

// own copies the bytes that p.kr points to into p.buf, in one slice.
func (p *produced) own() {
	size := len(p.kr.Value) + len(p.kr.Key)
	for _, h := range p.kr.Headers {
		size += len(h.Value)
	}
	if p.buf == nil || cap(p.buf) < size {
		// Never nil, even for a record of no bytes: an empty value cut
		// from a nil buffer would turn into a tombstone.
		p.buf = make([]byte, 0, max(size, 2*cap(p.buf), 256))
	}
	buf := p.buf[:0]
	take := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		start := len(buf)
		buf = append(buf, b...)
		return buf[start:len(buf):len(buf)]
	}
	p.kr.Value = take(p.kr.Value)
	p.kr.Key = take(p.kr.Key)
	for i := range p.kr.Headers {
		p.kr.Headers[i].Value = take(p.kr.Headers[i].Value)
	}
	p.buf = buf
}

// completed runs when the client is done with p: it retries, or calls
// the Done and recycles p.
func (k *Kafka) completed(p *produced, err error) {
	if err != nil && p.attempts < k.retries.Max && retriable(err) && k.ctx.Err() == nil {
		p.attempts++
		k.stats.Retried.Add(1)
		p.kr.Partition, p.kr.Offset = p.partition, 0
		time.AfterFunc(k.retries.Delay(p.attempts), func() {
			k.cl.Produce(k.ctx, &p.kr, p.promise)
		})
		return
	}

	if err != nil {
		k.stats.Failed.Add(1)
		kafka.FromKgo(&p.view, &p.kr)
		if errors.Is(err, context.Canceled) && k.ctx.Err() != nil {
			// Close gave up on the record: the brokers did not
			// acknowledge it in time, and the reason is in the log.
			err = fmt.Errorf("not acknowledged before the output closed, as during a shutdown that timed out; check that the brokers are reachable: %w", err)
		}
		p.done.Delivered(fmt.Errorf("produce to topic %q: %w", p.kr.Topic, err), &p.view)
	} else {
		k.stats.Written.Add(1)
		p.done.Delivered(nil, nil)
	}
	p.done = nil
	p.view = record.Record{Headers: p.view.Headers[:0]}
	k.pending.Done()
	k.pool.Put(p)
}

// retriable reports whether producing a record again may succeed.
func retriable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
		return false
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		switch ke {
		// franz-go already retried an unknown topic (UnknownTopicRetries):
		// the topic does not exist and the broker does not create it.
		case kerr.UnknownTopicOrPartition, kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord, kerr.CorruptMessage,
			kerr.InvalidTopicException, kerr.TopicAuthorizationFailed, kerr.UnsupportedForMessageFormat,
			kerr.InvalidProducerEpoch, kerr.ProducerFenced, kerr.TransactionalIDAuthorizationFailed:
			return false
		}
	}
	return true
}

// Flush waits until every record written so far was acknowledged or
// failed, or until ctx ends.
func (k *Kafka) Flush(ctx context.Context) error {
	if err := k.cl.Flush(ctx); err != nil {
		return fmt.Errorf("flush %s: %w", k.name, err)
	}

	// Retries scheduled after a failure are not in the client's buffer
	// during their backoff; wait for them too.
	waited := make(chan struct{})
	go func() {
		k.pending.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush %s: %w", k.name, ctx.Err())
	}
}

// Nudge sends the batches that the client lingers on, without waiting.
// The client has no call for that alone: a flush in the background
// does it, and until it returns, records produced meanwhile do not
// linger either.
func (k *Kafka) Nudge() {
	if k.nudged.Swap(true) {
		return
	}
	go func() {
		defer k.nudged.Store(false)
		k.cl.Flush(k.ctx)
	}()
}

// Close flushes, then fails what is still pending and closes the client
// when the output owns it.
func (k *Kafka) Close(ctx context.Context) error {
	err := k.Flush(ctx)
	k.cancel()
	if k.closeCl {
		k.cl.Close()
	}
	return err
}
