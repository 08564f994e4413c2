package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"runtime"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/kread"
	"github.com/etelgo/etelgo/internal/kwrite"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// Plan is a configuration whose every stage was parsed and compiled.
type Plan struct {
	Config *config.Config
	Spec   *engine.Spec
	Source *Parsed   // etl-kread, or nil for stdin
	Stages []*Parsed // the middle stages
	Sinks  []*Parsed // the etl-kwrite outputs
}

// Options configure Build.
type Options struct {
	Registry Registry // nil means Stages
	Stdin    io.Reader
	Stdout   io.Writer
	// Partial reports that the configuration had errors already. Each
	// stage is still parsed and compiled, but the checks across settings
	// are skipped: a setting in error would make them report problems
	// that are not there.
	Partial bool
}

// factoryCommand is a middle stage's Command.
type factoryCommand interface {
	Factory() (stage.Factory, error)
}

// streamCommand is a Command that embeds cli.StreamFlags.
type streamCommand interface {
	Policy() stage.Policy
	ReadFormat() record.Format
}

// Build parses and compiles every stage of cfg and returns the plan. All
// problems found are returned together, as a config.ErrorList.
func Build(cfg *config.Config, opts Options) (*Plan, error) {
	reg := opts.Registry
	if reg == nil {
		reg = Stages
	}
	b := &builder{cfg: cfg, reg: reg, plan: &Plan{Config: cfg}}
	spec := &engine.Spec{
		Name:            cfg.Name,
		Readers:         cfg.Readers,
		Processors:      cfg.Processors,
		Buffer:          cfg.Buffer,
		ExactlyOnce:     cfg.Delivery == config.ExactlyOnce,
		TransactionalID: cfg.TransactionalID,
		CommitInterval:  cfg.CommitInterval.D(),
		ShutdownTimeout: cfg.ShutdownTimeout.D(),
		OnError:         engine.ErrorPolicy{Action: cfg.OnError.Action, Topic: cfg.OnError.Topic},
		Retries:         output.Retries{Max: cfg.Retries.Max, Backoff: cfg.Retries.Backoff.D(), MaxBackoff: cfg.Retries.MaxBackoff.D()},
	}
	if spec.Processors == 0 {
		spec.Processors = runtime.GOMAXPROCS(0)
	}
	if spec.TransactionalID == "" {
		spec.TransactionalID = "etl-pipe-" + cfg.Name
	}
	b.plan.Spec = spec

	b.stages(spec)
	b.input(spec, opts.Stdin)
	b.outputs(spec, opts.Stdout)
	if spec.Stdin != nil {
		b.streamSettings(spec.Stdin)
	}
	b.checkDeadLetterTopic()
	if !opts.Partial {
		b.deadLetter(spec)
		b.checkRun(spec)
	}
	if len(b.errs) > 0 {
		return nil, b.errs
	}
	return b.plan, nil
}

type builder struct {
	cfg  *config.Config
	reg  Registry
	plan *Plan
	errs config.ErrorList
	// connection holds the client options of the first Kafka stage, for
	// the dead-letter producer when brokers is not set.
	connection []kgo.Opt
}

func (b *builder) add(err error, pos config.Pos, name string) {
	var list config.ErrorList
	var e *config.Error
	switch {
	case errors.As(err, &list):
		b.errs = append(b.errs, list...)
	case errors.As(err, &e):
		b.errs = append(b.errs, e)
	default:
		b.errs = append(b.errs, config.Errorf(pos, "%s: %v", name, err))
	}
}

func (b *builder) parse(s config.Stage) *Parsed {
	p, err := b.reg.Parse(s, b.cfg.Brokers)
	if err != nil {
		b.add(err, s.Pos, s.Name)
		return nil
	}
	return p
}

// stages parses and compiles the middle stages.
func (b *builder) stages(spec *engine.Spec) {
	for i, s := range b.cfg.Stages {
		p := b.parse(s)
		if p == nil {
			continue
		}
		cmd, ok := p.Command.(factoryCommand)
		if !ok {
			b.errs = append(b.errs, config.Errorf(s.Pos, "%s cannot run as a middle stage of etl-pipe", s.Name))
			continue
		}
		factory, err := cmd.Factory()
		if err != nil {
			b.add(err, s.Pos, s.Name)
			continue
		}
		policy := stage.PolicyFail
		if sc, ok := p.Command.(streamCommand); ok {
			policy = sc.Policy()
		}
		b.plan.Stages = append(b.plan.Stages, p)
		spec.Stages = append(spec.Stages, engine.Stage{Name: s.Name, Index: i + 1, Factory: factory, Policy: policy})
	}
}

// input builds the source.
func (b *builder) input(spec *engine.Spec, stdin io.Reader) {
	in := b.cfg.Input
	if in.Kind == config.InputStdin {
		spec.Stdin = &engine.StdinSource{In: stdin, Format: record.FormatAuto, MaxRecordSize: 64 << 20}
		return
	}

	p := b.parse(*in.Stage)
	if p == nil {
		return
	}
	b.plan.Source = p
	c, ok := p.Command.(*kread.Command)
	if !ok {
		b.errs = append(b.errs, config.Errorf(in.Pos, "%s is not a Kafka source", in.Stage.Name))
		return
	}
	src, err := kafkaSource(c)
	if err != nil {
		b.add(err, in.Stage.Pos, in.Stage.Name)
		return
	}
	if b.connection == nil {
		b.connection, _ = c.ClientOptions()
	}
	spec.Kafka = src
}

// kafkaSource reads an etl-kread command line into the engine's consumer
// settings.
func kafkaSource(c *kread.Command) (*engine.KafkaSource, error) {
	if len(c.Topics) == 0 {
		return nil, errors.New("give at least one topic to read")
	}
	if c.Count < 0 {
		return nil, fmt.Errorf("invalid --count %d: give a positive number of records, or 0 for no limit", c.Count)
	}
	start, err := kread.ParseStart(c.Offset)
	if err != nil {
		return nil, err
	}
	client, err := c.ClientOptions()
	if err != nil {
		return nil, err
	}
	format := record.FormatEnvelope
	if c.Values {
		format = record.FormatPlain
	}
	topics := c.Topics
	if c.Regex {
		topics = make([]string, len(c.Topics))
		for i, t := range c.Topics {
			topics[i] = "^(?:" + t + ")$"
		}
	}
	return &engine.KafkaSource{
		Client:        append(client, kgo.ClientID("etl-pipe")),
		Topics:        topics,
		Regex:         c.Regex,
		Group:         c.Group,
		Start:         start.Offset(),
		ResetToStart:  start.Kind == kread.StartAt,
		ReadCommitted: c.Isolation == "read_committed",
		Format:        format,
		Bounds:        bounds(c),
		MaxRecords:    c.Count,
	}, nil
}

// bounds returns the end offsets of etl-kread --exit-at-end, or nil.
func bounds(c *kread.Command) func(context.Context, *kadm.Client) (engine.Bounds, error) {
	if !c.ExitAtEnd {
		return nil
	}
	return func(ctx context.Context, adm *kadm.Client) (engine.Bounds, error) {
		b, err := c.Bounds(ctx, adm)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}

// streamSettings takes the line format and the maximum record size of a
// stdin source from the first stage after it (a middle stage, or else
// etl-kwrite), as the first stage of a shell pipeline reads stdin with
// its own flags.
func (b *builder) streamSettings(src *engine.StdinSource) {
	first := true
	for _, p := range append(append([]*Parsed(nil), b.plan.Stages...), b.plan.Sinks...) {
		sc, ok := p.Command.(streamCommand)
		if !ok {
			continue
		}
		format := sc.ReadFormat()
		if first {
			src.Format = format
			if size := maxRecordSize(p.Command); size > 0 {
				src.MaxRecordSize = size
			}
			first = false
			continue
		}
		if format != record.FormatAuto && src.Format != record.FormatAuto && format != src.Format {
			b.errs = append(b.errs, config.Errorf(p.Stage.Pos, "%s reads --format %s but the first stage reads %s: inside etl-pipe the records of one stream have one format", p.Stage.Name, format, src.Format))
		}
	}
}

// maxRecordSize returns the --max-record-size of a Command that embeds
// cli.StreamFlags, or 0.
func maxRecordSize(cmd any) int {
	v := reflect.ValueOf(cmd)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0
	}
	f := v.FieldByName("StreamFlags")
	if !f.IsValid() {
		return 0
	}
	flags, ok := f.Interface().(cli.StreamFlags)
	if !ok {
		return 0
	}
	return int(flags.MaxRecordSize)
}

// outputs builds the outputs.
func (b *builder) outputs(spec *engine.Spec, stdout io.Writer) {
	for _, o := range b.cfg.Outputs {
		switch o.Kind {
		case config.OutputStdout:
			spec.Outputs = append(spec.Outputs, engine.OutputSpec{Kind: engine.OutputLines, Name: "stdout", Writer: stdout, Format: parseFormat(o.Format)})
		case config.OutputFile:
			spec.Outputs = append(spec.Outputs, engine.OutputSpec{Kind: engine.OutputFile, Format: parseFormat(o.Format), File: &output.FileOptions{
				Path:           o.File.Path,
				RotateSize:     o.File.RotateSize,
				RotateInterval: o.File.RotateInterval.D(),
				Compression:    o.File.Compression,
				Format:         parseFormat(o.Format),
			}})
		case config.OutputKafka:
			p := b.parse(*o.Stage)
			if p == nil {
				continue
			}
			sink, err := kafkaSink(p)
			if err != nil {
				b.add(err, o.Stage.Pos, o.Stage.Name)
				continue
			}
			b.plan.Sinks = append(b.plan.Sinks, p)
			spec.Outputs = append(spec.Outputs, engine.OutputSpec{Kind: engine.OutputKafka, Kafka: sink})
		}
	}
}

func parseFormat(s string) record.Format {
	f, _ := record.ParseFormat(s) // config checked it
	return f
}

// checkDeadLetterTopic checks the name of the dead-letter topic as
// etl-kwrite checks its TOPIC argument.
func (b *builder) checkDeadLetterTopic() {
	if b.cfg.OnError.Action != "dlq" {
		return
	}
	if err := kwrite.CheckTopic(b.cfg.OnError.Topic); err != nil {
		b.errs = append(b.errs, config.Errorf(b.cfg.Positions["on_error"], "on_error %s: %v", b.cfg.OnError, err))
	}
}

// deadLetter builds the producer of the dead-letter topic.
func (b *builder) deadLetter(spec *engine.Spec) {
	if b.cfg.OnError.Action != "dlq" {
		return
	}
	if b.readsDeadLetter(spec) {
		return
	}
	var client []kgo.Opt
	if len(b.cfg.Brokers) > 0 {
		client = []kgo.Opt{kgo.SeedBrokers(kafka.SeedBrokers(b.cfg.Brokers)...), kgo.WithLogger(kafka.NewLogger(nil))}
	} else if b.connection != nil {
		client = b.connection
	} else {
		b.errs = append(b.errs, config.Errorf(b.cfg.Positions["on_error"], "on_error %s needs brokers: set brokers, or read or write Kafka in the pipeline", b.cfg.OnError))
		return
	}
	spec.DeadLetter = &engine.KafkaSink{
		Name: "dlq:" + b.cfg.OnError.Topic,
		// The connection may come from etl-kread, whose options do not
		// create topics: the dead-letter topic is created on first use, as
		// etl-kwrite creates its own, on brokers that allow it.
		Client: append(client, kgo.ClientID("etl-pipe"), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.AllowAutoTopicCreation()),
		Route:  output.FixedTopic(b.cfg.OnError.Topic),
	}
}

// readsDeadLetter reports, and adds an error, when the input reads the
// dead-letter topic: a record that fails again would be sent back to the
// topic it came from and read again, forever.
func (b *builder) readsDeadLetter(spec *engine.Spec) bool {
	if spec.Kafka == nil || b.plan.Source == nil {
		return false
	}
	topic := b.cfg.OnError.Topic
	for i, t := range spec.Kafka.Topics {
		read := t == topic
		if spec.Kafka.Regex {
			// kafkaSource anchored the pattern, and franz-go matches
			// topics with Go's regexp too.
			re, err := regexp.Compile(t)
			read = err == nil && re.MatchString(topic)
		}
		if !read {
			continue
		}
		input := fmt.Sprintf("is also the input topic %q", topic)
		if spec.Kafka.Regex {
			input = fmt.Sprintf("matches the input pattern %q", b.plan.Source.Command.(*kread.Command).Topics[i])
		}
		b.errs = append(b.errs, config.Errorf(b.cfg.Positions["on_error"],
			"on_error %s: the dead-letter topic %q %s (%s at %s), so a record that fails again would be read back and loop forever; choose a dead-letter topic that the input does not read",
			b.cfg.OnError, topic, input, config.SourceStage, b.plan.Source.Stage.Pos))
		return true
	}
	return false
}

// checkRun checks the settings that depend on each other.
func (b *builder) checkRun(spec *engine.Spec) {
	at := func(key string) config.Pos {
		if p, ok := b.cfg.Positions[key]; ok {
			return p
		}
		return b.cfg.Pos
	}
	if spec.Stdin != nil && spec.Readers > 1 {
		b.errs = append(b.errs, config.Errorf(at("readers"), "readers: %d needs a Kafka input: stdin has one reader", spec.Readers))
	}
	if spec.Kafka != nil && spec.Readers > 1 && spec.Kafka.Group == "" {
		b.errs = append(b.errs, config.Errorf(at("readers"), "readers: %d needs a consumer group: give %s a --group, or use readers: 1", spec.Readers, config.SourceStage))
	}
	if !spec.ExactlyOnce {
		return
	}
	var problems []string
	if spec.Kafka == nil || spec.Kafka.Group == "" {
		problems = append(problems, "an "+config.SourceStage+" input with a --group")
	}
	kafkaOutputs := 0
	for _, o := range spec.Outputs {
		if o.Kind != engine.OutputKafka {
			problems = append(problems, "Kafka outputs only (stdout and files cannot join a transaction)")
			break
		}
		kafkaOutputs++
	}
	if kafkaOutputs != 1 {
		problems = append(problems, "exactly one "+config.SinkStage+" output")
	}
	if spec.Readers > 1 {
		problems = append(problems, "readers: 1")
	}
	if len(problems) > 0 {
		b.errs = append(b.errs, config.Errorf(at("delivery"), "delivery: %s needs %s", config.ExactlyOnce, strings.Join(problems, ", ")))
	}
}
