package lua

import (
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/stage"
)

// App is etl-lua's command-line definition.
var App = cli.App{
	Name:    "etl-lua",
	Summary: "run a Lua script on each record: edit, drop, or emit several records",
	Description: `Runs a Lua 5.1 script (gopher-lua) on each record read on stdin and writes
the records it keeps or emits to stdout, one line per record, in the format
read: plain lines (each line is a value) or envelope lines (a JSON object
with the value and the key, headers, topic, partition, offset and
timestamp, as etl-kread writes). The format is detected from the first
line that is not blank; --format overrides it.

A script file defines process(rec), called for each record; init(),
called once before the first record; and finish(), called after the last,
which may emit. With -e, the code itself runs for each record with rec
bound. process returns rec (or true) to keep the record, nil or false to
drop it, or a list of records to fan out; emit(r) outputs a record from
anywhere. Inline code that returns nothing keeps the record; a process
function that returns nothing drops it.

rec reads like the record's JSON value: rec.total = rec.price * rec.qty,
rec.customer.country, rec.items[1] (arrays count from 1, as in Lua).
rec.x = nil deletes the field. Fields the script does not write come out
byte for byte. Integers beyond 2^53 are exact bigint values. meta(rec)
holds the metadata: key, headers[name], topic, partition, offset,
timestamp (milliseconds) and line; key, headers, topic and timestamp are
writable. Libraries: json (encode, decode, null), strings (split, join,
trim, replace...), time (now, parse, format), bigint, record (new, raw,
set_raw). print writes to stderr. docs/lua.md has the full reference.

Like etl-set, etl-lua checks a plain line that is a JSON object by its
root object's members (inside nested values only quotes and brackets
are matched); a field write on a line that fails fails the record ("the
line is not valid JSON at byte N"). --validate checks every plain line
in full instead; envelope values are always checked in full. Field
writes on a tombstone or an envelope value that is not JSON do nothing,
and blank plain lines pass unchanged without running the script. When a
key appears twice in an object, rec reads and writes the first one.

The script runs in a sandbox: io, debug, dofile, loadfile and os beyond
time, clock, date and difftime raise "... is disabled in the sandbox",
and require loads only from --lua-path directories. --allow-io lifts all of that. Each call (one record, init or
finish) has a time budget, --timeout. Records are processed by one Lua
state per worker, so globals persist from record to record.

Examples:

  etl-lua -e 'rec.total = rec.price * rec.qty' < orders.ndjson
  etl-lua -e 'if rec.status == "test" then return nil end' < events.ndjson
  etl-lua -e 'meta(rec).key = rec.user.id' < users.ndjson
  etl-kread -e orders | etl-lua enrich.lua | etl-kwrite orders-enriched
  etl-lua --var field=status examples/lua/count_by.lua < events.ndjson
  etl-lua --lua-path examples/lua/lib examples/lua/mask_pii.lua < users.ndjson

Exit status: 0 when every record was processed, 1 when a record failed
under --on-error fail, the script failed while loading, or reading or
writing failed, 2 for an invalid flag, a missing script or a script with
a syntax error (nothing is read then).`,
	New: func() any { return &Command{} },
}

// Command is etl-lua's command line.
type Command struct {
	cli.StreamFlags
	Validate bool              `help:"Check every plain line as JSON in full, instead of its root object's members only."`
	Exec     string            `short:"e" name:"exec" placeholder:"CODE" help:"Lua code to run for each record, with rec bound, instead of a script file."`
	AllowIO  bool              `name:"allow-io" help:"Lift the sandbox: open the io, os and debug libraries, dofile and loadfile."`
	LuaPath  []string          `name:"lua-path" type:"existingdir" placeholder:"DIR" help:"Directory that require loads modules from (NAME.lua or NAME/init.lua); repeat for several. Without it, require loads only the built-in libraries."`
	Timeout  time.Duration     `default:"1s" placeholder:"DURATION" help:"Time budget of each call into the script (one record, init or finish), such as 500ms or 10s; 0 turns it off (default ${default})."`
	Var      map[string]string `name:"var" mapsep:"none" placeholder:"NAME=VALUE" help:"String for the script to read as vars.NAME; repeat for several."`
	Script   string            `arg:"" optional:"" name:"script" placeholder:"SCRIPT.lua" help:"Script file that defines process(rec)."`

	// stderr receives print output and warnings when Run sets it. etl-pipe
	// leaves it nil, which means the process's stderr and slog's default.
	stderr io.Writer
}

// Options reads the script file and returns the script options of the
// command line. Errors are usage errors.
func (c *Command) Options() (Options, error) {
	opts := Options{Validate: c.Validate, AllowIO: c.AllowIO, LuaPath: c.LuaPath, Timeout: c.Timeout, Vars: c.Var, Stderr: c.stderr}
	if c.stderr != nil {
		opts.Logger = stage.NewLogger(c.stderr, slog.LevelInfo).With("stage", App.Name)
	}

	switch {
	case c.Exec != "" && c.Script != "":
		return opts, cli.Usagef("both a script file %q and -e code given: use one of them", c.Script)
	case c.Exec != "":
		opts.Name, opts.Source, opts.Inline = "-e", c.Exec, true
	case c.Script != "":
		src, err := readSource(c.Script)
		if err != nil {
			return opts, &cli.UsageError{Err: err}
		}
		opts.Name, opts.Source = c.Script, src
	default:
		return opts, cli.Usagef("missing script: give a SCRIPT.lua file or -e CODE")
	}

	if c.Timeout < 0 {
		return opts, cli.Usagef("invalid --timeout %s: use a positive duration such as 1s, or 0 for no limit", c.Timeout)
	}
	return opts, nil
}

// Factory compiles the script and returns a factory of Processors, one Lua
// state each. The first state is made at once, so that a script that does
// not compile, defines no process function or fails in init stops the
// stage before any record is read.
func (c *Command) Factory() (stage.Factory, error) {
	opts, err := c.Options()
	if err != nil {
		return nil, err
	}
	script, err := Compile(opts)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	factory, err := script.Factory()
	if errors.Is(err, ErrNoProcess) {
		return nil, &cli.UsageError{Err: err}
	}
	return factory, err
}

// Run processes the records from stdin to stdout.
func (c *Command) Run(env cli.Env) error {
	c.stderr = env.Stderr
	factory, err := c.Factory()
	if err != nil {
		return err
	}
	_, err = stage.RunStream(App.Name, factory, env.Stdin, env.Stdout, env.Stderr, stage.StreamOptions{
		Format:        c.ReadFormat(),
		Policy:        c.Policy(),
		MaxRecordSize: int(c.MaxRecordSize),
	})
	if errors.Is(err, stage.ErrStop) {
		return nil
	}
	return err
}
