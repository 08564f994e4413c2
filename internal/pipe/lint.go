package pipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// LintCmd is etl-pipe lint.
type LintCmd struct {
	configFlags
}

// Run checks the configuration and every stage in it. Warnings are
// printed before the verdict and do not fail the check.
func (l *LintCmd) Run(env cli.Env) error {
	p, err := buildFile(l.configFlags, env)
	if err != nil {
		return err
	}
	for _, w := range p.Config.Warnings {
		fmt.Fprintf(env.Stderr, "%s: %s: warning: %s\n", Name, w.Pos, w.Msg)
	}
	fmt.Fprintf(env.Stderr, "%s: %s is valid: %s, %s\n", Name, l.File, count(len(p.Stages), "stage"), count(len(p.Config.Outputs), "output"))
	return nil
}

// count returns n and noun, in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ExportCmd is etl-pipe config export.
type ExportCmd struct {
	configFlags
	JSON bool `name:"json" help:"Print JSON, the default and the only format so far; accepted for scripts that ask for it."`
}

// Run prints the resolved configuration as JSON on stdout.
func (x *ExportCmd) Run(env cli.Env) error {
	p, err := buildFile(x.configFlags, env)
	if err != nil {
		return err
	}
	data, err := json.Marshal(export(p))
	if err != nil {
		return fmt.Errorf("export %s: %w", x.File, err)
	}
	if data, err = escapeDollars(data); err != nil {
		return fmt.Errorf("export %s: %w", x.File, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return fmt.Errorf("export %s: %w", x.File, err)
	}
	out.WriteByte('\n')
	_, err = env.Stdout.Write(out.Bytes())
	return err
}

// buildFile loads and builds the configuration file of flags.
func buildFile(flags configFlags, env cli.Env) (*plan.Plan, error) {
	if flags.File == "" {
		return nil, cli.Usagef("missing --config FILE: give the configuration file to read")
	}
	cfg, err := config.Load(flags.File, config.LoadOptions{Env: flags.Env})
	p, err := buildConfig(cfg, err, nil, env)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	return p, nil
}

// buildConfig builds the plan of a configuration that config.Load or
// config.FromLine returned with loadErr. A configuration read with errors
// is still built, so that one pass reports the errors of the file and
// those of its stages together, in the order of the file. adjust, if not
// nil, changes cfg before it is built.
func buildConfig(cfg *config.Config, loadErr error, adjust func(*config.Config), env cli.Env) (*plan.Plan, error) {
	if cfg == nil {
		var list config.ErrorList
		if errors.As(loadErr, &list) {
			list.Sort()
		}
		return nil, linesError(loadErr)
	}
	if adjust != nil {
		adjust(cfg)
	}

	// The checks across settings, such as where the dead-letter producer
	// finds its brokers, read the input. When the input itself is in
	// error they would report problems that follow from it, so they are
	// skipped as they are for a file in error.
	partial := loadErr != nil || inputFails(cfg)
	p, buildErr := plan.Build(cfg, plan.Options{Stdin: env.Stdin, Stdout: env.Stdout, Partial: partial})
	if loadErr == nil && buildErr == nil {
		return p, nil
	}

	var all config.ErrorList
	for _, err := range []error{loadErr, buildErr} {
		var list config.ErrorList
		if errors.As(err, &list) {
			all = append(all, list...)
		} else if err != nil {
			return nil, linesError(errors.Join(loadErr, buildErr))
		}
	}
	all.Sort()
	return nil, linesError(all)
}

// inputFails reports whether the Kafka input of cfg fails to parse.
// plan.Build reports the error itself.
func inputFails(cfg *config.Config) bool {
	if cfg.Input.Kind != config.InputKafka || cfg.Input.Stage == nil {
		return false
	}
	_, err := plan.Stages.Parse(*cfg.Input.Stage, cfg.Brokers)
	return err != nil
}

// export returns the resolved configuration in the form the
// configuration file takes, so that it can be read back. Each stage is a
// structured stage: a mapping from its name to the value of each of its
// options as its own definition parsed them, defaults included. The
// overlay is applied already, so envs and env are left out.
func export(p *plan.Plan) any {
	cfg := *p.Config
	stage := func(parsed *plan.Parsed) map[string]any {
		return map[string]any{parsed.Stage.Name: exportOptions(parsed)}
	}
	out := map[string]any{
		"name":             cfg.Name,
		"readers":          cfg.Readers,
		"processors":       p.Spec.Processors,
		"buffer":           cfg.Buffer,
		"delivery":         cfg.Delivery,
		"commit_interval":  cfg.CommitInterval,
		"transactional_id": p.Spec.TransactionalID,
		"on_error":         cfg.OnError.String(),
		"retries":          cfg.Retries,
		"shutdown_timeout": cfg.ShutdownTimeout,
		"admin":            cfg.Admin,
	}
	if len(cfg.Brokers) > 0 {
		out["brokers"] = cfg.Brokers
	}
	if p.Source != nil {
		out["input"] = stage(p.Source)
	} else {
		out["input"] = "stdin"
	}
	stages := []map[string]any{}
	for _, s := range p.Stages {
		stages = append(stages, stage(s))
	}
	out["stages"] = stages

	var outputs []any
	sinks := p.Sinks
	for _, o := range cfg.Outputs {
		switch o.Kind {
		case config.OutputKafka:
			outputs = append(outputs, stage(sinks[0]))
			sinks = sinks[1:]
		case config.OutputStdout:
			outputs = append(outputs, map[string]any{"stdout": map[string]any{"format": o.Format}})
		case config.OutputFile:
			outputs = append(outputs, map[string]any{"file": map[string]any{
				"path": o.File.Path, "rotate_size": o.File.RotateSize, "rotate_interval": o.File.RotateInterval,
				"compression": o.File.Compression, "format": o.Format,
			}})
		}
	}
	out["outputs"] = outputs
	return out
}

// exportOptions returns the options of a parsed stage as a structured
// stage takes them. An argument that takes a list is written under its
// plural key (edits, exprs, topics), as the documentation names it. The
// loader takes a single value or a list for each option, so a map
// option, such as etl-lua's var, is written as its NAME=VALUE words,
// and an unset list or map is left out.
func exportOptions(parsed *plan.Parsed) map[string]any {
	options := parsed.Options()
	for name, value := range options {
		v := reflect.ValueOf(value)
		switch {
		case !v.IsValid():
			delete(options, name)
		case v.Kind() == reflect.Slice || v.Kind() == reflect.Map:
			if v.IsNil() {
				delete(options, name)
				continue
			}
			if v.Kind() == reflect.Map {
				options[name] = mapWords(v)
			}
		}
	}

	parser, err := cli.Parser(parsed.App, parsed.App.New(), io.Discard, io.Discard, func(int) {})
	if err != nil {
		// plan.Build parsed the stage with this same definition already.
		return options
	}
	for _, arg := range parser.Model.Node.Positional {
		value, ok := options[arg.Name]
		if _, pluralUsed := options[arg.Name+"s"]; !ok || pluralUsed || !arg.IsSlice() {
			continue
		}
		delete(options, arg.Name)
		options[arg.Name+"s"] = value
	}
	return options
}

// mapWords returns the entries of a map as NAME=VALUE words, sorted.
func mapWords(m reflect.Value) []string {
	words := make([]string, 0, m.Len())
	iter := m.MapRange()
	for iter.Next() {
		words = append(words, fmt.Sprintf("%v=%v", iter.Key(), iter.Value()))
	}
	slices.Sort(words)
	return words
}

// escapeDollars returns the JSON document data with every $ in a string
// value doubled, so that the loader's substitution of ${NAME} and $$
// gives back the text as exported. Object keys stay as they are, because
// the loader substitutes values only.
func escapeDollars(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()

	// Each open object or array counts the tokens written in it. The
	// count shows whether a token is a key or a value, and whether a :
	// or a , goes before it.
	type container struct {
		object bool
		tokens int
	}
	var open []container
	var out bytes.Buffer
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("escape $ in the JSON: %w", err)
		}

		if delim, ok := tok.(json.Delim); ok && (delim == '}' || delim == ']') {
			out.WriteByte(byte(delim))
			open = open[:len(open)-1]
			continue
		}

		isKey := false
		if n := len(open); n > 0 {
			c := &open[n-1]
			isKey = c.object && c.tokens%2 == 0
			switch {
			case c.object && !isKey:
				out.WriteByte(':')
			case c.tokens > 0:
				out.WriteByte(',')
			}
			c.tokens++
		}

		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			open = append(open, container{object: v == '{'})
			continue
		case string:
			if !isKey {
				tok = strings.ReplaceAll(v, "$", "$$")
			}
		}
		word, err := json.Marshal(tok)
		if err != nil {
			return nil, fmt.Errorf("escape $ in the JSON: %w", err)
		}
		out.Write(word)
	}
}
