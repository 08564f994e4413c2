// Package kread is etl-kread: it consumes Kafka topics and writes each
// record to stdout as an envelope line, or as a plain value line.
package kread

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// Name is the binary's name, used in messages.
const Name = "etl-kread"

// App describes etl-kread.
var App = cli.App{
	Name:    Name,
	Summary: "consume Kafka topics and write their records to stdout as lines",
	Description: `Consume one or more Kafka topics and write every record to stdout, one line per record.

By default each line is an envelope: a JSON object that carries the value together with the key, headers, topic, partition, offset and timestamp, so that a pipeline of EtelGo stages keeps them. With --values each line is the value alone. The line format is specified in docs/line-format.md.

Without --group, etl-kread reads every partition from --offset on and commits nothing. With --group it joins that consumer group, shares the partitions with the other members, starts where the group's committed offsets say (--offset applies to partitions without a committed offset), and commits only offsets of records that were written to stdout and flushed: at least once delivery across a pipe. Offsets are committed after each batch written, when partitions move to another member, and at exit.

etl-kread stops with --count, with --exit-at-end once every partition has reached the end it had at start, on SIGINT or SIGTERM (after a final flush and commit), and quietly when the reader of stdout goes away (| head -1).

Examples:

  etl-kread -e orders > orders.jsonl
  etl-kread -g enrich orders | etl-set status=seen | etl-kwrite orders-enriched
  etl-kread --values -o -10 -e logs
  etl-kread --regex 'orders-.*' -o @2024-05-01T00:00:00Z
  ETL_BROKERS=kafka1:9092,kafka2:9092 etl-kread -e -n 100 orders

Exit status: 0 when it stopped as asked, 1 when a connection, commit or record error stopped it, 2 for an invalid command line.`,
	New: func() any { return &Command{} },
}

// Command holds etl-kread's arguments and flags.
type Command struct {
	kafka.Flags `embed:""`

	Topics []string `arg:"" name:"topic" help:"Topics to read; with --regex, regular expressions that match whole topic names."`

	Group     string `short:"g" placeholder:"GROUP" help:"Consumer group to join. Offsets are committed for records written to stdout, and a later run of the same group goes on from there."`
	Offset    string `short:"o" default:"beginning" placeholder:"WHERE" help:"Where to start in each partition (with --group: in partitions without a committed offset): beginning, end, an offset such as 42, -N for N records before the end (written -o-N or --offset=-N), or @TIME with TIME in milliseconds since the Unix epoch or in RFC 3339."`
	Count     int64  `short:"n" placeholder:"N" help:"Stop after writing N records (0: no limit)."`
	ExitAtEnd bool   `short:"e" name:"exit-at-end" help:"Stop once every partition has reached the end offset it had when etl-kread started; empty partitions count as reached."`
	Regex     bool   `help:"Read the topics whose whole names match the TOPIC arguments, taken as Go regular expressions."`
	Values    bool   `help:"Write each record's value as a plain line, without metadata. A value with a line break cannot be a plain line and is a record error."`
	Isolation string `enum:"read_uncommitted,read_committed" default:"read_uncommitted" help:"Transaction isolation: read_committed skips records of aborted and open transactions (${enum})."`
	OnError   string `name:"on-error" enum:"fail,skip,pass" default:"fail" help:"What to do with a record that cannot be written as a line: fail stops with an error naming its topic, partition and offset, skip drops and counts it, pass drops it too and logs each one (${enum})."`
}

// Run consumes the topics and writes records to env.Stdout until a stop
// condition is met.
func (c *Command) Run(env cli.Env) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}

	// A write to a closed pipe must come back as EPIPE, which ends the
	// run quietly, instead of killing the process with SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	first, second, stopSignals := stage.DrainSignals()
	defer stopSignals()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done) // runs before stopSignals, which cancels second
	go stopOnSignals(first, second, cancel, done)
	if f, ok := env.Stdout.(*os.File); ok {
		defer watchStdout(f, cancel)()
	}

	err = consume(ctx, cfg, env)
	if errors.Is(err, stage.ErrStop) || (err != nil && ctx.Err() != nil) {
		// Stopped by a signal or a closed stdout, maybe while still
		// connecting: not a failure.
		return nil
	}
	return err
}

// stopOnSignals cancels the run at the first SIGINT or SIGTERM, which
// flushes and commits what was written, and exits the process at the
// second. A write to a stdout whose reader has stalled blocks in the kernel and
// cannot be canceled, so the second signal is the way out; only offsets
// of records already flushed were committed, so the next run of a group
// skips nothing.
func stopOnSignals(first <-chan struct{}, second context.Context, cancel func(), done <-chan struct{}) {
	select {
	case <-first:
		cancel()
	case <-done:
		return
	}
	select {
	case <-second.Done():
		select {
		case <-done:
		default:
			os.Exit(130)
		}
	case <-done:
	}
}

// config checks the command line and returns what the consumer needs.
func (c *Command) config() (*config, error) {
	start, err := ParseStart(c.Offset)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	if c.Count < 0 {
		return nil, cli.Usagef("invalid --count %d: give a positive number of records, or 0 for no limit", c.Count)
	}

	var patterns []*regexp.Regexp
	if c.Regex {
		for i, p := range anchored(c.Topics) {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, cli.Usagef("invalid topic pattern %q: %w", c.Topics[i], err)
			}
			patterns = append(patterns, re)
		}
	} else {
		for _, t := range c.Topics {
			if t == "" {
				return nil, cli.Usagef("empty topic name: give the name of a topic to read")
			}
		}
	}

	opts, err := c.ClientOptions()
	if err != nil {
		return nil, err
	}

	format := record.FormatEnvelope
	if c.Values {
		format = record.FormatPlain
	}
	policy, err := stage.ParsePolicy(c.OnError)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	return &config{
		client:        opts,
		topics:        c.Topics,
		patterns:      patterns,
		group:         c.Group,
		start:         start,
		count:         c.Count,
		exitAtEnd:     c.ExitAtEnd,
		readCommitted: c.Isolation == "read_committed",
		format:        format,
		policy:        policy,
	}, nil
}

// config is a checked command line.
type config struct {
	client        []kgo.Opt
	topics        []string
	patterns      []*regexp.Regexp // with --regex, one per topic argument
	group         string
	start         Start
	count         int64
	exitAtEnd     bool
	readCommitted bool
	format        record.Format
	policy        stage.Policy
}

func (cfg *config) regex() bool { return cfg.patterns != nil }
