package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/etelgo/etelgo/internal/cli"
)

// LoadOptions configure Load and Parse.
type LoadOptions struct {
	// Env names the overlay under envs to apply; empty applies none.
	Env string
	// LookupEnv reads the variables that ${NAME} refers to; nil means
	// os.LookupEnv.
	LookupEnv func(name string) (string, bool)
}

// Load reads and checks the configuration file at path.
func Load(path string, opts LoadOptions) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration %q: %w", path, err)
	}
	return Parse(path, data, opts)
}

// Parse reads and checks a configuration. The file name is used in error
// positions and for the default pipeline name. Every problem found is
// reported, as an ErrorList. When the settings could be read but some are
// wrong, Parse returns the Config as far as it was read together with the
// ErrorList, so that the stages in it can still be checked. Such a Config
// is for reporting only: a setting in error may hold a value that no run
// accepts, and a stage in error is left out.
func Parse(file string, data []byte, opts LoadOptions) (*Config, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	if len(root.Content) == 0 {
		return nil, ErrorList{Errorf(Pos{File: file}, "the configuration is empty: give at least a pipeline, or input, stages and outputs")}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, ErrorList{Errorf(pos(file, doc), "the configuration must be a YAML mapping of settings, such as pipeline: ..., not a %s", kindName(doc))}
	}
	if errs := duplicateKeys(file, doc); len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}

	d := &decoder{file: file, dir: configDir(file), lookup: opts.LookupEnv}
	if err := d.applyOverlay(doc, opts.Env); err != nil {
		return nil, ErrorList{err}
	}
	d.expandTree(doc)
	if len(d.errs) > 0 {
		d.errs.Sort()
		return nil, d.errs
	}

	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	cfg := defaults(name)
	cfg.Env = opts.Env
	cfg.Pos = Pos{File: file}
	d.config(doc, cfg)
	cfg.setDir(d.dir)
	cfg.Warnings = d.warnings
	cfg.Warnings.Sort()
	if len(d.errs) > 0 {
		d.errs.Sort()
		return cfg, d.errs
	}
	return cfg, nil
}

// configDir returns the absolute directory of the configuration file.
// The relative file paths written in the file resolve against it, while
// a pipeline line from FromLine keeps the working directory.
func configDir(file string) string {
	dir := filepath.Dir(file)
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// resolvePath joins a relative path to dir. An absolute path, a path
// that starts with ~ (expanded later to the home directory), - and the
// empty string stay as they are.
func resolvePath(dir, path string) string {
	if dir == "" || path == "" || path == "-" || filepath.IsAbs(path) || strings.HasPrefix(path, "~") {
		return path
	}
	return filepath.Join(dir, path)
}

// setDir sets the directory of every stage.
func (c *Config) setDir(dir string) {
	if c.Input.Stage != nil {
		c.Input.Stage.Dir = dir
	}
	for i := range c.Stages {
		c.Stages[i].Dir = dir
	}
	for _, o := range c.Outputs {
		if o.Stage != nil {
			o.Stage.Dir = dir
		}
	}
}

// decoder walks the YAML tree and collects every error and warning.
type decoder struct {
	file     string
	dir      string // the configuration file's directory, absolute
	lookup   func(string) (string, bool)
	errs     ErrorList
	warnings ErrorList
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, Errorf(pos(d.file, n), format, args...))
}

func (d *decoder) warnf(n *yaml.Node, format string, args ...any) {
	d.warnings = append(d.warnings, Errorf(pos(d.file, n), format, args...))
}

func pos(file string, n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Col: n.Column} }

// yamlLine finds the line number in a yaml.v3 error message.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into an ErrorList with the line.
//
// NOTE: yaml.v3 (go.yaml.in/yaml/v3 v3.0.6) formats a syntax error as
// text that carries the line but not the column, so these errors have
// no column.
func yamlError(file string, err error) error {
	msg := strings.TrimSpace(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return ErrorList{Errorf(Pos{File: file, Line: line}, "invalid YAML: %s", m[2])}
	}
	return ErrorList{Errorf(Pos{File: file}, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))}
}

// duplicateKeys reports every key given twice in one mapping, at any
// depth under n. YAML requires the keys of a mapping to be unique, but
// yaml.v3 reads a document into a Node without checking, and the decoder
// would silently keep the last value. An alias is not followed, because
// the mapping it names is checked where it is written.
func duplicateKeys(file string, n *yaml.Node) ErrorList {
	var errs ErrorList
	if n.Kind == yaml.MappingNode {
		first := make(map[string]*yaml.Node)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Kind != yaml.ScalarNode {
				continue
			}
			if prev, ok := first[key.Value]; ok {
				errs = append(errs, Errorf(pos(file, key), "duplicate key %q, first given at %s: keep one of the two", key.Value, pos(file, prev)))
				continue
			}
			first[key.Value] = key
		}
	}
	for _, child := range n.Content {
		errs = append(errs, duplicateKeys(file, child)...)
	}
	return errs
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "single value"
	}
	return "YAML node"
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// topKeys are the keys of the top-level mapping.
var topKeys = []string{
	"version", "name", "pipeline", "input", "stages", "outputs", "output", "brokers",
	"readers", "processors", "buffer", "delivery", "commit_interval", "transactional_id",
	"on_error", "retries", "shutdown_timeout", "admin", "envs",
}

// config fills cfg from the top-level mapping.
func (d *decoder) config(doc *yaml.Node, cfg *Config) {
	var pipeline, input, stages, outputs, outputsKey *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, value := doc.Content[i], resolve(doc.Content[i+1])
		cfg.Positions[key.Value] = pos(d.file, key)
		switch key.Value {
		case "version":
			if n, ok := d.integer(value); ok && n != 1 {
				d.errorf(value, "unsupported version %d: this etl-pipe reads version 1", n)
			}
		case "name":
			cfg.Name, _ = d.str(value)
		case "pipeline":
			pipeline = value
		case "input":
			input = value
		case "stages":
			stages = value
		case "outputs", "output":
			if outputsKey != nil {
				d.errorf(key, "duplicate key %q, first given at %s as %q: output and outputs are one setting, keep one of the two", key.Value, pos(d.file, outputsKey), outputsKey.Value)
			}
			outputs, outputsKey = value, key
		case "brokers":
			cfg.Brokers = d.strings(value)
		case "readers":
			cfg.Readers = d.positive(value, key.Value)
		case "processors":
			cfg.Processors = d.positive(value, key.Value)
		case "buffer":
			cfg.Buffer = d.positive(value, key.Value)
			if cfg.Buffer >= 1 && cfg.Buffer < MinBuffer {
				d.warnf(value, "buffer %d is below %d: the pipeline waits for a round trip to the outputs every %d records and runs slowly; use %d or more unless records are so large that memory requires fewer", cfg.Buffer, MinBuffer, cfg.Buffer, MinBuffer)
			}
		case "delivery":
			if s, ok := d.str(value); ok {
				if s != AtLeastOnce && s != ExactlyOnce {
					d.errorf(value, "invalid delivery %q: use %s or %s", s, AtLeastOnce, ExactlyOnce)
				}
				cfg.Delivery = s
			}
		case "commit_interval":
			cfg.CommitInterval = d.duration(value, key.Value)
		case "transactional_id":
			cfg.TransactionalID, _ = d.str(value)
		case "on_error":
			if s, ok := d.str(value); ok {
				p, err := ParseErrorPolicy(s)
				if err != nil {
					d.errorf(value, "%v", err)
				}
				cfg.OnError = p
			}
		case "retries":
			d.retries(value, &cfg.Retries)
		case "shutdown_timeout":
			cfg.ShutdownTimeout = d.duration(value, key.Value)
		case "admin":
			if s, ok := d.str(value); ok {
				if err := CheckAdmin(s); err != nil {
					d.errorf(value, "%v", err)
				}
				cfg.Admin = s
			}
		case "envs":
			// Applied before decoding.
		default:
			d.unknownKey(key, "setting", topKeys)
		}
	}

	switch {
	case pipeline != nil && (input != nil || stages != nil || outputs != nil):
		d.errorf(pipeline, "pipeline is given together with input, stages or outputs: write the pipeline either as one line or as those three keys")
	case pipeline != nil:
		if line, ok := d.str(pipeline); ok {
			if err := cfg.setPipeline(line, pos(d.file, pipeline), lineColumns(pos(d.file, pipeline), line, int(pipeline.Style))); err != nil {
				d.errs = append(d.errs, asError(err, pos(d.file, pipeline)))
			}
		}
	default:
		d.parts(doc, cfg, input, stages, outputs)
	}
}

func asError(err error, at Pos) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Pos: at, Msg: err.Error()}
}

// parts reads input, stages and outputs written as separate keys.
func (d *decoder) parts(doc *yaml.Node, cfg *Config, input, stages, outputs *yaml.Node) {
	cfg.Input = Input{Kind: InputStdin, Pos: pos(d.file, doc)}
	if input != nil {
		d.input(input, cfg)
	}

	if stages != nil {
		switch stages.Kind {
		case yaml.SequenceNode:
			for _, item := range stages.Content {
				if s, ok := d.stage(resolve(item)); ok {
					if err := checkMiddle(s); err != nil {
						d.errs = append(d.errs, asError(err, s.Pos))
						continue
					}
					cfg.Stages = append(cfg.Stages, s)
				}
			}
		case yaml.ScalarNode:
			if stages.Tag != "!!null" {
				d.errorf(stages, "stages must be a list, one stage per item, such as - etl-set status=seen")
			}
		default:
			d.errorf(stages, "stages must be a list, one stage per item, such as - etl-set status=seen")
		}
	}

	cfg.Outputs = nil
	switch {
	case outputs == nil:
		cfg.Outputs = []Output{{Kind: OutputStdout, Format: "auto", Pos: pos(d.file, doc)}}
	case outputs.Kind == yaml.SequenceNode:
		if len(outputs.Content) == 0 {
			d.errorf(outputs, "outputs is empty: name at least one, such as stdout or etl-kwrite TOPIC")
		}
		for _, item := range outputs.Content {
			if o, ok := d.output(resolve(item)); ok {
				cfg.Outputs = append(cfg.Outputs, o)
			}
		}
	default:
		if o, ok := d.output(outputs); ok {
			cfg.Outputs = append(cfg.Outputs, o)
		}
	}
}

// input reads the input key: stdin, or an etl-kread stage.
func (d *decoder) input(n *yaml.Node, cfg *Config) {
	if n.Kind == yaml.ScalarNode && (n.Value == "stdin" || n.Value == "-") {
		cfg.Input = Input{Kind: InputStdin, Pos: pos(d.file, n)}
		return
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "stdin" {
		if v := resolve(n.Content[1]); v.Tag != "!!null" && !(v.Kind == yaml.MappingNode && len(v.Content) == 0) {
			d.errorf(v, "stdin takes no options: the first stage's --format and --max-record-size apply to it")
		}
		cfg.Input = Input{Kind: InputStdin, Pos: pos(d.file, n)}
		return
	}
	s, ok := d.stage(n)
	if !ok {
		return
	}
	if s.Name != SourceStage {
		d.errs = append(d.errs, Errorf(s.Pos, "invalid input %q: use stdin or an %s command", s.Name, SourceStage))
		return
	}
	cfg.Input = Input{Kind: InputKafka, Stage: &s, Pos: s.Pos}
}

// output reads one output: stdout, a file output, or an etl-kwrite stage.
func (d *decoder) output(n *yaml.Node) (Output, bool) {
	at := pos(d.file, n)
	if n.Kind == yaml.ScalarNode && (n.Value == "stdout" || n.Value == "-") {
		return Output{Kind: OutputStdout, Format: "auto", Pos: at}, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		switch n.Content[0].Value {
		case "stdout":
			o := Output{Kind: OutputStdout, Format: "auto", Pos: at}
			d.lineOutput(resolve(n.Content[1]), &o)
			return o, true
		case "file":
			o := Output{Kind: OutputFile, Format: "auto", Pos: at, File: &FileOutput{
				RotateSize:     DefaultRotateSize,
				RotateInterval: Duration(DefaultRotateInterval),
				Compression:    "none",
			}}
			d.lineOutput(resolve(n.Content[1]), &o)
			if o.File.Path == "" {
				d.errorf(n.Content[0], "the file output needs a path, such as path: /data/out-%%Y%%m%%d-%%H%%M%%S-%%n.jsonl")
			}
			return o, true
		}
	}
	s, ok := d.stage(n)
	if !ok {
		return Output{}, false
	}
	if s.Name != SinkStage {
		d.errs = append(d.errs, Errorf(s.Pos, "invalid output %q: use stdout, file, or an %s command", s.Name, SinkStage))
		return Output{}, false
	}
	return Output{Kind: OutputKafka, Stage: &s, Pos: s.Pos}, true
}

var lineOutputKeys = []string{"format", "path", "rotate_size", "rotate_interval", "compression"}

// lineOutput reads the options of a stdout or file output.
func (d *decoder) lineOutput(n *yaml.Node, o *Output) {
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "the options of a %s output must be a mapping, such as {format: envelope}", o.Kind)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], resolve(n.Content[i+1])
		if key.Value != "format" && o.File == nil {
			d.unknownKey(key, "stdout option", []string{"format"})
			continue
		}
		switch key.Value {
		case "format":
			if s, ok := d.str(value); ok {
				if s != "auto" && s != "plain" && s != "envelope" {
					d.errorf(value, "invalid format %q: use auto, plain or envelope", s)
				}
				o.Format = s
			}
		case "path":
			path, _ := d.str(value)
			o.File.Path = resolvePath(d.dir, path)
		case "rotate_size":
			if s, ok := d.str(value); ok {
				size, err := cli.ParseByteSize(s)
				if err != nil {
					d.errorf(value, "invalid rotate_size: %v", err)
				}
				o.File.RotateSize = size
			}
		case "rotate_interval":
			o.File.RotateInterval = d.duration(value, key.Value)
		case "compression":
			if s, ok := d.str(value); ok {
				if s != "none" && s != "gzip" && s != "zstd" {
					d.errorf(value, "invalid compression %q: use none, gzip or zstd", s)
				}
				o.File.Compression = s
			}
		default:
			d.unknownKey(key, "file option", lineOutputKeys)
		}
	}
}

// stage reads a stage written as a command line or as a one-key mapping
// from the stage's name to its options.
func (d *decoder) stage(n *yaml.Node) (Stage, bool) {
	at := pos(d.file, n)
	switch n.Kind {
	case yaml.ScalarNode:
		line, ok := d.str(n)
		if !ok {
			return Stage{}, false
		}
		cmds, err := SplitPipeline(line)
		if err != nil {
			var syn *SyntaxError
			if errors.As(err, &syn) {
				d.errs = append(d.errs, &Error{Pos: lineColumns(at, line, int(n.Style))(syn.Col), Msg: syn.Msg})
			} else {
				d.errorf(n, "%v", err)
			}
			return Stage{}, false
		}
		if len(cmds) > 1 {
			d.errorf(n, "one item holds %d stages joined by |: write one stage per item, or the whole line under pipeline:", len(cmds))
			return Stage{}, false
		}
		return Stage{Name: cmds[0].Args[0], Args: cmds[0].Args[1:], Pos: lineColumns(at, line, int(n.Style))(cmds[0].Col)}, true

	case yaml.MappingNode:
		if len(n.Content) != 2 {
			d.errorf(n, "a structured stage is a mapping with one key, the stage's name, such as set: {edits: [status=seen]}")
			return Stage{}, false
		}
		key, value := n.Content[0], resolve(n.Content[1])
		name := key.Value
		if !strings.HasPrefix(name, "etl-") {
			name = "etl-" + name
		}
		s := Stage{Name: name, Structured: true, Pos: pos(d.file, key)}
		switch {
		case value.Tag == "!!null":
		case value.Kind == yaml.MappingNode:
			s.Options = d.options(value)
		default:
			d.errorf(value, "the options of %s must be a mapping of its flags and arguments, such as {edits: [status=seen]}", name)
			return Stage{}, false
		}
		return s, true
	}
	d.errorf(n, "a stage is a command line, such as etl-set status=seen, or a mapping, such as set: {edits: [status=seen]}; found a %s", kindName(n))
	return Stage{}, false
}

// options reads the flags and arguments of a structured stage.
func (d *decoder) options(n *yaml.Node) []Option {
	var opts []Option
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], resolve(n.Content[i+1])
		o := Option{Key: key.Value, Pos: pos(d.file, key)}
		switch value.Kind {
		case yaml.ScalarNode:
			if value.Tag == "!!null" {
				d.errorf(value, "option %q has no value: give one, or leave the option out", key.Value)
				continue
			}
			o.Values = []string{value.Value}
			o.Bool = value.Tag == "!!bool"
		case yaml.SequenceNode:
			o.List = true
			for _, item := range value.Content {
				if item = resolve(item); item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
					d.errorf(item, "the list of option %q must hold single values", key.Value)
					continue
				}
				o.Values = append(o.Values, item.Value)
			}
		default:
			d.errorf(value, "option %q must be a single value or a list of values, not a %s", key.Value, kindName(value))
			continue
		}
		opts = append(opts, o)
	}
	return opts
}

func (d *decoder) str(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, "expected a single value, found a %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// strings reads a list of strings, or one string of comma-separated items.
func (d *decoder) strings(n *yaml.Node) []string {
	var out []string
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if s, ok := d.str(resolve(item)); ok {
				out = append(out, s)
			}
		}
	default:
		if s, ok := d.str(n); ok {
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

func (d *decoder) integer(n *yaml.Node) (int, bool) {
	s, ok := d.str(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		d.errorf(n, "invalid integer %q", s)
		return 0, false
	}
	return v, true
}

func (d *decoder) positive(n *yaml.Node, name string) int {
	v, ok := d.integer(n)
	if ok && v < 1 {
		d.errorf(n, "invalid %s %d: use a positive integer", name, v)
	}
	return v
}

func (d *decoder) duration(n *yaml.Node, name string) Duration {
	s, ok := d.str(n)
	if !ok {
		return 0
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		d.errorf(n, "invalid %s %q: use a positive duration such as 500ms, 5s or 1m", name, s)
	}
	return Duration(v)
}

// retries reads retries: either the maximum alone, or a mapping of max,
// backoff and max_backoff.
func (d *decoder) retries(n *yaml.Node, r *Retries) {
	if n.Kind == yaml.ScalarNode {
		if v, ok := d.integer(n); ok {
			if v < 0 {
				d.errorf(n, "invalid retries %d: use 0 or more", v)
			}
			r.Max = v
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "retries must be a number or a mapping such as {max: 5, backoff: 100ms, max_backoff: 10s}")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], resolve(n.Content[i+1])
		switch key.Value {
		case "max":
			if v, ok := d.integer(value); ok {
				if v < 0 {
					d.errorf(value, "invalid retries max %d: use 0 or more", v)
				}
				r.Max = v
			}
		case "backoff":
			r.Backoff = d.duration(value, "backoff")
		case "max_backoff":
			r.MaxBackoff = d.duration(value, "max_backoff")
		default:
			d.unknownKey(key, "retries setting", []string{"max", "backoff", "max_backoff"})
		}
	}
	if r.MaxBackoff < r.Backoff {
		d.errorf(n, "max_backoff %s is shorter than backoff %s: raise max_backoff", r.MaxBackoff.D(), r.Backoff.D())
	}
}

// unknownKey reports a key that is not one of known, with the closest
// known key when one is close.
func (d *decoder) unknownKey(key *yaml.Node, what string, known []string) {
	if best := Suggest(key.Value, known); best != "" {
		d.errorf(key, "unknown %s %q: did you mean %q?", what, key.Value, best)
		return
	}
	sorted := slices.Clone(known)
	sort.Strings(sorted)
	d.errorf(key, "unknown %s %q: use one of %s", what, key.Value, strings.Join(sorted, ", "))
}

// Suggest returns the entry of known closest to s, or "" when none is
// close: the same word in another case or with - for _, or at most two
// edits away.
func Suggest(s string, known []string) string {
	norm := func(x string) string { return strings.ToLower(strings.ReplaceAll(x, "-", "_")) }
	best, bestDist := "", 3
	for _, k := range known {
		if norm(k) == norm(s) {
			return k
		}
		if dist := editDistance(norm(s), norm(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
