package plan

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/config"
)

// Parsed is one stage whose words were parsed with the stage's own
// command-line definition, into the same Command struct its binary uses.
type Parsed struct {
	Stage config.Stage
	App   cli.App
	// Command is the stage's kong-tagged Command, such as *set.Command.
	Command any
	// Args are the words given to kong, after the stage's name.
	Args []string

	model *kong.Node
}

// exitPanic carries a kong exit (after --help) out of Parse.
type exitPanic struct{ code int }

// Parse parses s with its stage's definition. A structured stage's
// options are first turned into the equivalent command-line words, so
// both forms go through one parser. When brokers is not
// empty and the stage has a --brokers flag that s does not set, brokers
// is used for it.
func (r Registry) Parse(s config.Stage, brokers []string) (*Parsed, error) {
	app, ok := r[s.Name]
	if !ok {
		return nil, r.unknown(s)
	}

	args := s.Args
	if s.Structured {
		model, err := r.model(app)
		if err != nil {
			return nil, config.Errorf(s.Pos, "%s: %v", s.Name, err)
		}
		if args, err = structuredArgs(model, s); err != nil {
			return nil, err
		}
	}

	p, given, err := parseArgs(app, args, s.Dir)
	if err != nil {
		return nil, config.Errorf(s.Pos, "%s: %v", s.Name, err)
	}
	if len(brokers) > 0 && hasFlag(p.model, "brokers") && !given["brokers"] {
		args = append([]string{"--brokers=" + strings.Join(brokers, ",")}, args...)
		if p, _, err = parseArgs(app, args, s.Dir); err != nil {
			return nil, config.Errorf(s.Pos, "%s: %v", s.Name, err)
		}
	}
	p.Stage = s
	p.Stage.Args = args
	return p, nil
}

// unknown reports a stage name that the registry does not hold.
func (r Registry) unknown(s config.Stage) error {
	names := r.Names()
	if best := config.Suggest(s.Name, names); best != "" {
		return config.Errorf(s.Pos, "unknown stage %q: did you mean %s?", s.Name, best)
	}
	return config.Errorf(s.Pos, "unknown stage %q: etl-pipe runs %s; run other programs in a shell pipeline around etl-pipe", s.Name, strings.Join(names, ", "))
}

// model returns the kong model of app's command line.
func (r Registry) model(app cli.App) (*kong.Node, error) {
	parser, err := cli.Parser(app, app.New(), &bytes.Buffer{}, &bytes.Buffer{}, func(int) {})
	if err != nil {
		return nil, fmt.Errorf("internal error in the command definition: %w", err)
	}
	return parser.Model.Node, nil
}

// parseArgs parses args into a new Command of app. It returns the names
// of the flags given in args. When dir is not empty, relative file paths
// in args resolve against dir instead of the working directory.
func parseArgs(app cli.App, args []string, dir string) (p *Parsed, given map[string]bool, err error) {
	cmd := app.New()
	var out bytes.Buffer
	parser, err := cli.Parser(app, cmd, &out, &out, func(code int) { panic(exitPanic{code}) })
	if err != nil {
		return nil, nil, fmt.Errorf("internal error in the command definition: %w", err)
	}
	if dir != "" {
		resolveFilesIn(parser.Model.Node, app.Name, dir)
	}

	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(exitPanic); !ok {
				panic(v)
			}
			err = fmt.Errorf("--help and --version do not run inside a pipeline: run %s --help in a shell", app.Name)
		}
	}()
	ctx, err := parser.Parse(args)
	if err != nil {
		return nil, nil, err
	}

	given = make(map[string]bool)
	for _, path := range ctx.Path {
		if path.Flag != nil && !path.Resolved {
			given[path.Flag.Name] = true
		}
	}
	return &Parsed{App: app, Command: cmd, Args: args, model: parser.Model.Node}, given, nil
}

func hasFlag(node *kong.Node, name string) bool {
	for _, f := range node.Flags {
		if f.Name == name {
			return true
		}
	}
	return false
}

// hiddenFlags are the flags of every binary that have no place in a
// pipeline.
var hiddenFlags = map[string]bool{"help": true, "version": true}

// structuredArgs turns the options of a structured stage into command
// line words: flags first as --name=value, then -- and the arguments in
// the order the command defines them.
func structuredArgs(node *kong.Node, s config.Stage) ([]string, error) {
	var flags, names []string
	byName := map[string]*kong.Flag{}
	for _, f := range node.Flags {
		if hiddenFlags[f.Name] {
			continue
		}
		byName[f.Name] = f
		names = append(names, f.Name)
	}
	positionals := map[string]*kong.Positional{}
	for _, p := range node.Positional {
		positionals[p.Name] = p
		if p.IsSlice() {
			// A list reads better under a plural key: edits, not edit.
			positionals[p.Name+"s"] = p
			names = append(names, p.Name+"s")
		} else {
			names = append(names, p.Name)
		}
	}

	args := make(map[*kong.Positional][]string)
	var errs config.ErrorList
	// first holds the first option given for each flag or argument, so
	// that two spellings of one option, such as on-error and on_error or
	// edit and edits, are rejected as a key given twice.
	first := make(map[any]config.Option)
	for _, o := range s.Options {
		key := strings.ReplaceAll(o.Key, "_", "-")
		var target any
		if f, ok := byName[key]; ok {
			target = f
		} else if p, ok := positionals[key]; ok {
			target = p
		}
		if prev, ok := first[target]; ok && target != nil {
			errs = append(errs, config.Errorf(o.Pos, "duplicate key %q, first given at %s as %q: both name one option of %s, keep one of the two", o.Key, prev.Pos, prev.Key, s.Name))
			continue
		}
		first[target] = o

		if f, ok := byName[key]; ok {
			words, err := flagWords(f, o)
			if err != nil {
				errs = append(errs, config.Errorf(o.Pos, "%s: %v", s.Name, err))
				continue
			}
			flags = append(flags, words...)
			continue
		}
		if p, ok := positionals[key]; ok {
			if o.List && !p.IsSlice() {
				errs = append(errs, config.Errorf(o.Pos, "%s: argument %q takes one value, not a list", s.Name, p.Name))
				continue
			}
			args[p] = append(args[p], o.Values...)
			continue
		}
		if best := config.Suggest(key, names); best != "" {
			errs = append(errs, config.Errorf(o.Pos, "%s has no option %q: did you mean %q?", s.Name, o.Key, best))
			continue
		}
		sort.Strings(names)
		errs = append(errs, config.Errorf(o.Pos, "%s has no option %q: its options are %s", s.Name, o.Key, strings.Join(names, ", ")))
	}
	if len(errs) > 0 {
		return nil, errs
	}

	words := flags
	positional := false
	for _, p := range node.Positional {
		if len(args[p]) == 0 {
			continue
		}
		if !positional {
			words = append(words, "--")
			positional = true
		}
		words = append(words, args[p]...)
	}
	return words, nil
}

// flagWords returns the --name=value words of one structured option.
func flagWords(f *kong.Flag, o config.Option) ([]string, error) {
	if o.List && !f.IsSlice() && !f.IsMap() {
		return nil, fmt.Errorf("option %q takes one value, not a list", o.Key)
	}
	words := make([]string, 0, len(o.Values))
	for _, v := range o.Values {
		words = append(words, "--"+f.Name+"="+v)
	}
	return words, nil
}

// Options returns the value of every flag and argument of a parsed
// stage, defaults included, by name, for config export. Values of flags
// whose name holds "password" or "secret" are replaced.
func (p *Parsed) Options() map[string]any {
	out := make(map[string]any)
	for _, f := range p.model.Flags {
		// An empty string is an unset flag: written back as --name= it
		// would mean something else for a path, the current directory.
		if hiddenFlags[f.Name] || f.Target.Kind() == reflect.String && f.Target.Len() == 0 {
			continue
		}
		out[f.Name] = exportValue(f.Name, f.Target)
	}
	for _, a := range p.model.Positional {
		out[a.Name] = exportValue(a.Name, a.Target)
	}
	return out
}

func exportValue(name string, v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if strings.Contains(name, "password") || strings.Contains(name, "secret") {
		if v.IsZero() {
			return ""
		}
		return "REDACTED"
	}
	// Durations read as the flags take them, such as 2m0s, not as
	// nanoseconds.
	if d, ok := v.Interface().(time.Duration); ok {
		return d.String()
	}
	return v.Interface()
}

// Names returns the stage names of the registry, sorted.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
