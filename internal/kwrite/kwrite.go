// Package kwrite is etl-kwrite: it reads records from stdin, as envelope
// or plain lines, and produces them to Kafka.
package kwrite

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// Name is the binary's name, used in messages.
const Name = "etl-kwrite"

// App describes etl-kwrite.
var App = cli.App{
	Name:    Name,
	Summary: "produce records read from stdin to a Kafka topic",
	Description: `Read records from stdin, one per line, and produce them to a Kafka topic.

Envelope lines (as etl-kread writes them) give each record its value, key, headers and timestamp, byte for byte: raw JSON values stay exactly as written, and a tombstone, an empty value, a null key and an empty key stay distinct. Their topic, partition and offset are ignored unless --topic-from @topic or --keep-partition asks for them. A plain line is a record value with a null key and the time of producing as its timestamp. The line format is specified in docs/line-format.md.

--key takes the key from a field instead: a string field gives its text, a number or other JSON value its JSON text, a JSON null a null key. A record without the field is a record error. --topic-from routes each record to the topic named in a field; the TOPIC argument, when given, is the topic of records without that field.

Records with a key go to the partition that Java clients pick (murmur2 of the key), records without one to a partition chosen for even batches, unless --partition or --keep-partition sets the partition. Production is asynchronous and idempotent with acks from all in-sync replicas, and at most --max-buffered-bytes and --max-buffered-records in flight. At EOF etl-kwrite flushes what it read and prints a summary on stderr. On SIGINT or SIGTERM it goes on reading a pipe to EOF, so that the records earlier stages of the pipeline already sent are written; a second signal stops reading, and a third gives up the flush. Reading a terminal or a file, it stops at the first signal.

A record the broker rejects (too large for the topic, say) is an error naming the line, topic, partition and size. With --on-error fail, etl-kwrite stops reading, flushes what it sent and exits 1. With skip it counts the record and goes on; pass, which has nothing to forward to in a sink, is skip with a log line per record. Lines that are not records (an invalid envelope, a missing --key field) follow the same policy.

Examples:

  etl-kread -e orders | etl-set status=seen | etl-kwrite orders-enriched
  etl-kwrite --key user.id -z zstd events < events.jsonl
  etl-kwrite --topic-from @topic < backup.jsonl
  etl-kwrite --topic-from type dead-letters < mixed.jsonl

Exit status: 0 when every record read was acknowledged by the broker (lines dropped by --on-error skip or pass do not count), 1 when some record was not, or when an error stopped the run, 2 for an invalid command line.`,
	New: func() any { return &Command{} },
}

// Command holds etl-kwrite's arguments and flags.
type Command struct {
	kafka.Flags     `embed:""`
	cli.StreamFlags `embed:""`

	Topic string `arg:"" optional:"" help:"Topic to produce to; with --topic-from, the topic of records that lack the field."`

	Key           string `short:"k" placeholder:"PATH" help:"Take each record's key from this field (a path into the value, or metadata such as @headers.id) instead of the envelope's key."`
	TopicFrom     string `name:"topic-from" placeholder:"PATH" help:"Take each record's topic from this field, such as type or @topic."`
	Partition     int32  `default:"-1" placeholder:"N" help:"Produce every record to partition N (-1: choose by key)."`
	KeepPartition bool   `name:"keep-partition" help:"Produce each envelope to the partition it names; records without one are partitioned by key."`

	Compression        string        `short:"z" enum:"none,gzip,snappy,lz4,zstd" default:"none" help:"Compression of record batches (${enum})."`
	Acks               string        `enum:"all,leader,none" default:"all" help:"Acknowledgement to wait for: all in-sync replicas, the leader only, or none. Anything but all turns idempotence off (${enum})."`
	NoIdempotence      bool          `name:"no-idempotence" help:"Produce without idempotence, for brokers or users without the idempotent write permission. Retries may then duplicate records."`
	Linger             time.Duration `default:"10ms" help:"How long a partition's batch waits for more records before it is sent."`
	BatchMaxBytes      cli.ByteSize  `name:"batch-max-bytes" default:"1MiB" help:"Largest record batch, in bytes; the topic's max.message.bytes lowers it."`
	MaxBufferedRecords int           `name:"max-buffered-records" default:"100000" placeholder:"N" help:"Records produced but not yet acknowledged, at most; reading stdin waits while this limit or --max-buffered-bytes is reached."`
	MaxBufferedBytes   cli.ByteSize  `name:"max-buffered-bytes" default:"32MiB" help:"Bytes of keys, values and headers produced but not yet acknowledged, at most. With --max-buffered-records it bounds the memory that etl-kwrite uses."`
	DeliveryTimeout    time.Duration `name:"delivery-timeout" default:"2m" help:"How long records in flight may go without any acknowledgement from the brokers before they all fail (0: wait for ever)."`
}

// config is a checked command line.
type config struct {
	client           []kgo.Opt
	router           *Router
	topic            string
	policy           stage.Policy
	format           record.Format
	maxRecordSize    int
	batchMaxBytes    int32
	deliveryTimeout  time.Duration
	maxBufferedBytes int
}

// config checks the command line.
func (c *Command) config() (*config, error) {
	router := &Router{topic: c.Topic, partition: c.Partition, keepPartition: c.KeepPartition}
	cfg := &config{
		router:           router,
		topic:            c.Topic,
		policy:           c.Policy(),
		format:           c.ReadFormat(),
		maxRecordSize:    int(c.MaxRecordSize),
		deliveryTimeout:  c.DeliveryTimeout,
		maxBufferedBytes: int(max(c.BatchMaxBytes, c.MaxBufferedBytes)),
	}

	switch {
	case c.Topic == "" && c.TopicFrom == "":
		return nil, cli.Usagef("missing topic: give a TOPIC argument, or --topic-from PATH to take it from each record")
	case c.Topic != "":
		if err := checkTopic(c.Topic); err != nil {
			return nil, &cli.UsageError{Err: err}
		}
	}
	if c.TopicFrom != "" {
		path, err := field.Compile(c.TopicFrom)
		if err != nil {
			return nil, cli.Usagef("invalid --topic-from %q: %w", c.TopicFrom, err)
		}
		router.topicFrom = path
	}
	if c.Key != "" {
		path, err := field.Compile(c.Key)
		if err != nil {
			return nil, cli.Usagef("invalid --key %q: %w", c.Key, err)
		}
		router.key = path
	}
	if c.Partition < -1 {
		return nil, cli.Usagef("invalid --partition %d: give a partition number from 0, or -1 to choose by key", c.Partition)
	}
	if c.Partition >= 0 && c.KeepPartition {
		return nil, cli.Usagef("--partition %d and --keep-partition contradict each other: give one of them", c.Partition)
	}
	if c.MaxBufferedRecords < 1 {
		return nil, cli.Usagef("invalid --max-buffered-records %d: give at least 1", c.MaxBufferedRecords)
	}
	if c.Linger < 0 || c.DeliveryTimeout < 0 {
		return nil, cli.Usagef("invalid duration: --linger and --delivery-timeout cannot be negative")
	}
	if c.BatchMaxBytes < minBatchBytes || c.BatchMaxBytes > maxBatchBytes {
		return nil, cli.Usagef("invalid --batch-max-bytes %d: give a size from 512 bytes to 1GiB", c.BatchMaxBytes)
	}
	cfg.batchMaxBytes = int32(c.BatchMaxBytes)

	opts, err := c.ClientOptions()
	if err != nil {
		return nil, err
	}
	cfg.client = append(opts, c.producerOptions()...)
	return cfg, nil
}

// ProducerOptions checks the command line and returns the franz-go
// options of a producer that writes as etl-kwrite does: the connection
// flags, --acks, idempotence, compression, linger, the buffer limits, and
// the partitioner that --partition and --keep-partition need. Record
// batches are capped at --batch-max-bytes; etl-kwrite itself also lowers
// the cap to each topic's max.message.bytes, which needs the brokers. An
// invalid command line is a *cli.UsageError.
func (c *Command) ProducerOptions() ([]kgo.Opt, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	return append(cfg.client, kgo.ProducerBatchMaxBytes(cfg.batchMaxBytes)), nil
}

// Router checks the command line and returns the router of its TOPIC
// argument, --topic-from, --key, --partition and --keep-partition. An
// invalid command line is a *cli.UsageError.
func (c *Command) Router() (*Router, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	return cfg.router, nil
}

// producerOptions returns the franz-go options of the producer flags.
// The batch size options need the broker and are added by produce.
func (c *Command) producerOptions() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.ClientID(Name),
		kgo.ProducerLinger(c.Linger),
		kgo.MaxBufferedRecords(c.MaxBufferedRecords),
		kgo.MaxBufferedBytes(int(max(c.BatchMaxBytes, c.MaxBufferedBytes))),
		kgo.ProducerBatchCompression(codec(c.Compression)),
		// Brokers that allow it create a missing topic on first use,
		// as they do for the Java producer.
		kgo.AllowAutoTopicCreation(),
	}

	switch c.Acks {
	case "leader":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "none":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		if c.NoIdempotence {
			opts = append(opts, kgo.DisableIdempotentWrite())
		}
	}

	if c.Partition >= 0 || c.KeepPartition {
		opts = append(opts, kgo.RecordPartitioner(fixedPartitioner{fallback: defaultPartitioner()}))
	} else {
		opts = append(opts, kgo.RecordPartitioner(defaultPartitioner()))
	}
	return opts
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// describeTopics names the topics written to, for the summary, or the
// TOPIC argument when nothing was written.
func describeTopics(topics []string, fallback string) string {
	switch len(topics) {
	case 0:
		if fallback != "" {
			return fallback
		}
		return "no topic"
	case 1:
		return topics[0]
	}
	return fmt.Sprintf("%d topics", len(topics))
}
