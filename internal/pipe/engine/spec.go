package engine

import (
	"context"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// Spec is a checked pipeline, ready to run: built by the plan package
// from a configuration.
type Spec struct {
	Name string

	// Exactly one of Stdin and Kafka is set.
	Stdin *StdinSource
	Kafka *KafkaSource

	Stages  []Stage
	Outputs []OutputSpec

	Readers    int
	Processors int
	// Buffer is the number of records in flight: fetched and not yet
	// behind the committable offset of their partition.
	Buffer int

	ExactlyOnce     bool
	TransactionalID string
	CommitInterval  time.Duration
	// ShutdownTimeout bounds the drain after a stop: delivering and
	// committing what is in flight.
	ShutdownTimeout time.Duration
	// FlushInterval is how often stdout and files are flushed, which is
	// when their records count as delivered.
	FlushInterval time.Duration

	OnError ErrorPolicy
	// DeadLetter produces to the dead-letter topic, when OnError is dlq.
	DeadLetter *KafkaSink
	Retries    output.Retries
}

// Stage is one middle stage.
type Stage struct {
	Name    string
	Index   int // 1-based position among the middle stages
	Factory stage.Factory
	Policy  stage.Policy
}

// StdinSource reads lines from a stream.
type StdinSource struct {
	In            io.Reader
	Format        record.Format
	MaxRecordSize int
}

// KafkaSource consumes topics.
type KafkaSource struct {
	// Client holds the connection options: seed brokers, TLS, SASL.
	Client        []kgo.Opt
	Topics        []string
	Regex         bool
	Group         string
	Start         kgo.Offset
	ResetToStart  bool // an out-of-range offset restarts at Start
	ReadCommitted bool
	// Format is the line format of records written to stdout and files:
	// envelopes, or plain values.
	Format record.Format

	// Bounds, when set, is called once before the consumers start, with
	// an admin client, to list the end offsets where reading stops
	// (etl-kread --exit-at-end).
	Bounds func(ctx context.Context, adm *kadm.Client) (Bounds, error)
	// MaxRecords stops reading after that many records (etl-kread
	// --count); 0 means no limit.
	MaxRecords int64
}

// Bounds are the end offsets of a bounded read; kread.Bounds implements
// it.
type Bounds interface {
	// ConsumerOptions are added to each consumer's options.
	ConsumerOptions() []kgo.Opt
	// ReplacesTopics reports whether ConsumerOptions names the partitions
	// to read, in place of the topics and the start offset.
	ReplacesTopics() bool
	// End returns the offset where reading a partition stops.
	End(topic string, partition int32) int64
	// Reach records the last offset fetched from a partition and reports
	// whether the partition reached its end.
	Reach(topic string, partition int32, offset int64) bool
	// Stop stops waiting for the ends of partitions that were revoked or
	// lost, so that Done no longer counts them.
	Stop(partitions map[string][]int32)
	// Done reports whether every partition reached its end.
	Done() bool
	// Reached is closed once Done turns true.
	Reached() <-chan struct{}
}

// Output kinds.
const (
	OutputKafka = "kafka"
	OutputLines = "lines"
	OutputFile  = "file"
)

// OutputSpec describes one output.
type OutputSpec struct {
	Kind string

	Kafka *KafkaSink // for OutputKafka

	// For OutputLines and OutputFile: the line format, where FormatAuto
	// means the input's format.
	Format record.Format
	Writer io.Writer           // for OutputLines
	Name   string              // for OutputLines, such as stdout
	File   *output.FileOptions // for OutputFile
}

// KafkaSink produces to Kafka.
type KafkaSink struct {
	// Client holds the connection and producer options.
	Client []kgo.Opt
	Route  output.Router
	Name   string
}

// Error actions of the pipeline.
const (
	ActionFail = "fail"
	ActionSkip = "skip"
	ActionDLQ  = "dlq"
)

// ErrorPolicy is what the pipeline does with a record that a stage
// failed on, or that an output failed on after its retries.
type ErrorPolicy struct {
	Action string
	Topic  string // for ActionDLQ
}
