package pipe

import (
	"encoding/json"
	"fmt"

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
	if err != nil {
		return nil, &cli.UsageError{Err: linesError(err)}
	}
	p, err := plan.Build(cfg, plan.Options{Stdin: env.Stdin, Stdout: env.Stdout})
	if err != nil {
		return nil, &cli.UsageError{Err: linesError(err)}
	}
	return p, nil
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
