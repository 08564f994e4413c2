// Package config reads etl-pipe's configuration: a YAML file, or a shell
// pipeline line, into a Config whose every part remembers the file, line
// and column it came from.
//
// The package checks the shape of the configuration: known keys, types,
// durations, sizes, and the order of source, stages and sink. It does not
// know the stages' flags; the plan package parses each stage's words with
// that stage's own command-line definition.
//
// A configuration file reads like this:
//
//	name: orders-enrich
//	brokers: [localhost:9092]
//	input: etl-kread orders --group enrich
//	stages:
//	  - etl-set status=seen
//	  - math: {expressions: ["amount *= 1.2"]}
//	outputs:
//	  - etl-kwrite orders-enriched
//	processors: 8
//	on_error: dlq:orders-dlq
//	envs:
//	  prod:
//	    brokers: [kafka-1:9092, kafka-2:9092]
//
// Load applies the overlay under envs that --env names (a deep merge of
// mappings; any other value replaces the one it overlays), then replaces
// ${NAME} and ${NAME:-default} in every value with the environment's
// value; $$ stands for a literal $.
package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// The stage names that the config recognises as a source and a sink.
// Every other stage is a middle stage that reads and writes records.
const (
	SourceStage = "etl-kread"
	SinkStage   = "etl-kwrite"
)

// Delivery guarantees.
const (
	AtLeastOnce = "at-least-once"
	ExactlyOnce = "exactly-once"
)

// Defaults of the settings that a configuration may leave out.
const (
	DefaultReaders         = 1
	DefaultBuffer          = 16384
	DefaultCommitInterval  = 5 * time.Second
	DefaultShutdownTimeout = 30 * time.Second
	DefaultAdmin           = "127.0.0.1:9644"
	DefaultRetries         = 5
	DefaultBackoff         = 100 * time.Millisecond
	DefaultMaxBackoff      = 10 * time.Second
	DefaultRotateInterval  = time.Hour
	DefaultRotateSize      = 256 << 20
)

// MinBuffer is the smallest buffer that lint accepts without a warning.
// The reader waits for acknowledgements once buffer records are in
// flight, and a Kafka output acknowledges a produce request after a
// broker round trip of a few milliseconds. So throughput is at most
// about buffer records per round trip: a buffer of 10 caps a pipeline at
// a few thousand records a second, and 1000 lifts that cap a
// hundredfold. A file output also closes a file every buffer/2 records.
// A smaller buffer still runs, because it bounds memory for very large
// records.
const MinBuffer = 1000

// Pos is the position of a part of the configuration. Line and Col are
// 1-based, and a zero Line means the whole source (a file or a line).
type Pos struct {
	File string `json:"-"`
	Line int    `json:"-"`
	Col  int    `json:"-"`
}

func (p Pos) String() string {
	switch {
	case p.Line == 0 && p.Col == 0:
		return p.File
	case p.Line == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Col)
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Config is a pipeline: one input, a chain of stages, one or more outputs,
// and how to run them.
type Config struct {
	// Name names the pipeline in logs and in the default transactional
	// ID; it defaults to the file's base name without its extension.
	Name string `json:"name"`

	Input   Input    `json:"input"`
	Stages  []Stage  `json:"stages"`
	Outputs []Output `json:"outputs"`

	// Brokers are the seed brokers of every Kafka stage that names none
	// itself, and of the dead-letter topic's producer.
	Brokers []string `json:"brokers,omitempty"`

	Readers    int `json:"readers"`
	Processors int `json:"processors"` // 0 means one per CPU that Go may use
	Buffer     int `json:"buffer"`

	Delivery        string         `json:"delivery"`
	CommitInterval  Duration       `json:"commit_interval"`
	TransactionalID string         `json:"transactional_id,omitempty"`
	OnError         ErrorPolicy    `json:"on_error"`
	Retries         Retries        `json:"retries"`
	ShutdownTimeout Duration       `json:"shutdown_timeout"`
	Admin           string         `json:"admin"`
	Env             string         `json:"env,omitempty"` // the overlay applied, if any
	Pos             Pos            `json:"-"`
	Positions       map[string]Pos `json:"-"` // position of each top-level key

	// Warnings are settings that run but are likely a mistake, such as a
	// buffer below MinBuffer, in the order of the file.
	Warnings ErrorList `json:"-"`
}

// Input kinds.
const (
	InputStdin = "stdin"
	InputKafka = "kafka"
)

// Input is the source of the records: stdin, or an etl-kread stage.
type Input struct {
	Kind  string `json:"kind"`
	Stage *Stage `json:"stage,omitempty"` // for InputKafka
	Pos   Pos    `json:"-"`
}

// Output kinds.
const (
	OutputKafka  = "kafka"
	OutputStdout = "stdout"
	OutputFile   = "file"
)

// Output is a destination of the records: an etl-kwrite stage, stdout,
// or files.
type Output struct {
	Kind   string      `json:"kind"`
	Stage  *Stage      `json:"stage,omitempty"`  // for OutputKafka
	Format string      `json:"format,omitempty"` // line format for stdout and files: auto, plain or envelope
	File   *FileOutput `json:"file,omitempty"`
	Pos    Pos         `json:"-"`
}

// FileOutput writes records as lines to files that rotate by size and by
// age. A file is written under a temporary name and renamed to its final
// name when it is closed, so a reader never sees a partial file.
type FileOutput struct {
	// Path is the final name of each file. The strftime-like verbs %Y %m
	// %d %H %M %S take the time the file was opened, and %n a sequence
	// number that keeps names unique within a run. A relative path in a
	// configuration file is joined to the file's directory when it is
	// read.
	Path           string   `json:"path"`
	RotateSize     int64    `json:"rotate_size"`
	RotateInterval Duration `json:"rotate_interval"`
	Compression    string   `json:"compression"` // none, gzip or zstd
}

// Stage is one stage written as a command line or as structured YAML.
type Stage struct {
	// Name is the binary's name, such as "etl-set".
	Name string `json:"stage"`
	// Args are the words after the name. For a structured stage they are
	// generated from Options by the plan package.
	Args []string `json:"args"`
	// Options are the flags and arguments of a structured stage, in the
	// order written.
	Options []Option `json:"-"`
	// Structured reports whether the stage was written as a YAML mapping.
	Structured bool `json:"-"`
	// Dir is the absolute directory that relative file paths in the
	// stage's options resolve against: the configuration file's
	// directory. It is empty for a pipeline line given on the command
	// line, whose paths resolve against the working directory.
	Dir string `json:"-"`
	Pos Pos    `json:"-"`
}

// Option is one key of a structured stage: a flag or an argument name,
// with one value or a list of values.
type Option struct {
	Key    string
	Values []string
	// List reports whether the values were written as a YAML sequence.
	List bool
	// Bool reports whether the single value was a YAML boolean.
	Bool bool
	Pos  Pos
}

// ErrorPolicy is the pipeline's action for a record that a stage or an
// output failed on after its retries: fail, skip, or a dead-letter topic.
type ErrorPolicy struct {
	Action string `json:"action"`          // fail, skip or dlq
	Topic  string `json:"topic,omitempty"` // the dead-letter topic, for dlq
}

func (p ErrorPolicy) String() string {
	if p.Action == "dlq" {
		return "dlq:" + p.Topic
	}
	return p.Action
}

// Retries configure the retries of each output: up to Max attempts after
// the first, waiting Backoff, then twice as long each time, up to
// MaxBackoff.
type Retries struct {
	Max        int      `json:"max"`
	Backoff    Duration `json:"backoff"`
	MaxBackoff Duration `json:"max_backoff"`
}

// Duration is a time.Duration written as "5s" in YAML and JSON.
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// defaults returns a Config with every default filled in.
func defaults(name string) *Config {
	return &Config{
		Name:            name,
		Readers:         DefaultReaders,
		Buffer:          DefaultBuffer,
		Delivery:        AtLeastOnce,
		CommitInterval:  Duration(DefaultCommitInterval),
		OnError:         ErrorPolicy{Action: "fail"},
		Retries:         Retries{Max: DefaultRetries, Backoff: Duration(DefaultBackoff), MaxBackoff: Duration(DefaultMaxBackoff)},
		ShutdownTimeout: Duration(DefaultShutdownTimeout),
		Admin:           DefaultAdmin,
		Positions:       map[string]Pos{},
	}
}

// CheckAdmin checks an admin address: off, or HOST:PORT with a port
// number from 1 to 65535. HOST may be empty, which listens on every
// interface.
func CheckAdmin(addr string) error {
	if addr == "off" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid admin address %q: use HOST:PORT, such as 127.0.0.1:9644, or off", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("invalid admin address %q: the port must be a number from 1 to 65535, such as 127.0.0.1:9644", addr)
	}
	return nil
}

// ParseErrorPolicy parses an on_error value: fail, skip, or dlq:TOPIC.
func ParseErrorPolicy(s string) (ErrorPolicy, error) {
	switch {
	case s == "fail" || s == "skip":
		return ErrorPolicy{Action: s}, nil
	case strings.HasPrefix(s, "dlq:") && strings.TrimSpace(s[len("dlq:"):]) != "":
		return ErrorPolicy{Action: "dlq", Topic: strings.TrimSpace(s[len("dlq:"):])}, nil
	}
	return ErrorPolicy{}, fmt.Errorf("invalid on_error %q: use fail, skip, or dlq:TOPIC to send failed records to a dead-letter topic", s)
}
