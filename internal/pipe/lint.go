package pipe

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// LintCmd is etl-pipe lint.
type LintCmd struct {
	configFlags
}

// Run checks the configuration and every stage in it.
func (l *LintCmd) Run(env cli.Env) error {
	p, err := buildFile(l.configFlags, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "%s: %s is valid: %d stages, %d outputs\n", Name, l.File, len(p.Stages), len(p.Config.Outputs))
	return nil
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
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(export(p))
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
		return nil, linesError(loadErr)
	}
	if adjust != nil {
		adjust(cfg)
	}
	p, buildErr := plan.Build(cfg, plan.Options{Stdin: env.Stdin, Stdout: env.Stdout, Partial: loadErr != nil})
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
	slices.SortStableFunc(all, func(a, b *config.Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return nil, linesError(all)
}

// export returns the resolved configuration in the form the
// configuration file takes, so that it can be read back: each stage is
// a structured stage, a mapping from its name to the value of each of
// its options as its own definition parsed them, defaults included. The
// overlay is applied already, so envs and env are left out.
func export(p *plan.Plan) any {
	cfg := *p.Config
	stage := func(parsed *plan.Parsed) map[string]any {
		return map[string]any{parsed.Stage.Name: parsed.Options()}
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
