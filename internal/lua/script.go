package lua

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/etelgo/etelgo/internal/stage"
)

// Options configure a Script.
type Options struct {
	// Name is the chunk name in messages: the script's path, or "-e" for
	// inline code.
	Name string
	// Source is the Lua source.
	Source string
	// Inline makes Source a body that runs for each record with `rec`
	// bound, instead of a script that defines process(rec).
	Inline bool

	// Validate checks each value that the script reads or writes as JSON
	// in full. Without it, a value whose first and last bytes are { } or
	// [ ] is taken as an object or array, and a malformed one comes out as
	// malformed as it went in.
	Validate bool

	// AllowIO opens the io, os and debug libraries and dofile and
	// loadfile, which the sandbox leaves out.
	AllowIO bool
	// LuaPath lists the directories that require loads modules from.
	LuaPath []string
	// Timeout is the time budget of each call into the script (one record,
	// init or finish). Zero means no limit.
	Timeout time.Duration
	// Vars are the NAME=VALUE strings given with --var, readable as
	// vars.NAME.
	Vars map[string]string

	// Stderr receives print output. Nil means os.Stderr.
	Stderr io.Writer
	// Logger receives warnings about the script. Nil means slog.Default().
	Logger *slog.Logger
}

// Script is compiled Lua, shared by every worker that runs it.
type Script struct {
	opts  Options
	proto *glua.FunctionProto
	lines int // lines of the source, for messages
}

// inlinePrefix binds rec for inline code. It sits on the first line, so
// that line numbers in messages match the code as written.
const inlinePrefix = "local rec = ...; "

// SyntaxError is Lua source that does not compile.
type SyntaxError struct {
	Name    string // chunk name
	Line    int
	Column  int // 0 when unknown
	Near    string
	Message string
}

func (e *SyntaxError) Error() string {
	at := fmt.Sprintf("%s:%d", e.Name, e.Line)
	if e.Column > 0 {
		at += fmt.Sprintf(":%d", e.Column)
	}
	if e.Near != "" {
		return fmt.Sprintf("%s: %s near %q", at, e.Message, e.Near)
	}
	return at + ": " + e.Message
}

// Compile parses and compiles the script once. Workers share the result.
func Compile(opts Options) (*Script, error) {
	if opts.Name == "" {
		opts.Name = "script"
		if opts.Inline {
			opts.Name = "-e"
		}
	}
	src := opts.Source
	if opts.Inline {
		src = inlinePrefix + src
	}

	chunk, err := parse.Parse(strings.NewReader(src), opts.Name)
	if err != nil {
		return nil, syntaxErrorOf(opts, err)
	}
	proto, err := glua.Compile(rewriteConcat(chunk), opts.Name)
	if err != nil {
		var cerr *glua.CompileError
		if errors.As(err, &cerr) {
			return nil, &SyntaxError{Name: opts.Name, Line: cerr.Line, Message: cerr.Message}
		}
		return nil, fmt.Errorf("compile %s: %w", opts.Name, err)
	}
	return &Script{opts: opts, proto: proto, lines: strings.Count(opts.Source, "\n") + 1}, nil
}

// syntaxErrorOf turns a gopher-lua parse error into a SyntaxError with
// columns that count from the start of the code as the user wrote it.
func syntaxErrorOf(opts Options, err error) error {
	var perr *parse.Error
	if !errors.As(err, &perr) {
		return fmt.Errorf("parse %s: %w", opts.Name, err)
	}
	se := &SyntaxError{Name: opts.Name, Line: perr.Pos.Line, Column: perr.Pos.Column, Near: perr.Token, Message: strings.TrimSpace(perr.Message)}
	if perr.Pos.Line == parse.EOF {
		se.Line = strings.Count(opts.Source, "\n") + 1
		se.Column, se.Near = 0, ""
		se.Message += " at the end of the code"
	}
	if opts.Inline && se.Line == 1 && se.Column > len(inlinePrefix) {
		se.Column -= len(inlinePrefix)
	}
	return se
}

// Factory returns a stage.Factory of Processors that run the script. The
// first Processor is made now, so that a script which fails while loading
// (a runtime error at top level, no process function, a failing init)
// stops the stage before any record is read.
func (s *Script) Factory() (stage.Factory, error) {
	p, err := s.NewProcessor()
	if err != nil {
		return nil, err
	}
	var first atomic.Pointer[Processor] // workers may start concurrently
	first.Store(p)
	return func() (stage.Processor, error) {
		if p := first.Swap(nil); p != nil {
			return p, nil
		}
		return s.NewProcessor()
	}, nil
}

// NewProcessor makes a worker: a Lua state of its own, with the script
// loaded and init() run.
func (s *Script) NewProcessor() (*Processor, error) {
	e, err := newEnv(s)
	if err != nil {
		return nil, err
	}
	return &Processor{env: e}, nil
}

// LoadError is a script that fails while it is loaded: its top level
// raises an error, it defines no process function, or init fails.
type LoadError struct {
	Err error
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// ScriptError is an error raised by Lua code while it runs. Message
// starts with the script position (enrich.lua:12: ...).
type ScriptError struct {
	Message   string
	Traceback string
	// Timeout is set when the call ran out of its time budget.
	Timeout bool
}

func (e *ScriptError) Error() string { return e.Message }

// scriptError converts an error from PCall.
func (e *env) scriptError(err error, expired bool) error {
	msg := err.Error()
	trace := ""
	var apiErr *glua.ApiError
	if errors.As(err, &apiErr) {
		msg = errorObjectText(apiErr.Object)
		trace = apiErr.StackTrace
	}
	msg = e.script.clampLine(strings.TrimSpace(msg))
	if expired {
		budget := e.script.opts.Timeout
		msg = strings.Replace(msg, "context canceled", fmt.Sprintf("the script ran longer than its budget of %s per call (raise --timeout, or look for an endless loop)", budget), 1)
	}
	return &ScriptError{Message: msg, Traceback: trace, Timeout: expired}
}

// clampLine rewrites a message that names a line below the script's
// last one so that it names the last line. gopher-lua places the return
// that ends the main chunk one line below the code, so a time budget
// that runs out there, after a long call into Go, would otherwise name a
// line the script does not have.
func (s *Script) clampLine(msg string) string {
	rest, ok := strings.CutPrefix(msg, s.opts.Name+":")
	if !ok {
		return msg
	}
	digits, tail, ok := strings.Cut(rest, ":")
	line, err := strconv.Atoi(digits)
	if !ok || err != nil || line <= s.lines {
		return msg
	}
	return s.opts.Name + ":" + strconv.Itoa(s.lines) + ":" + tail
}

// errorObjectText returns the message of a value raised by error(): the
// text of a string, number or bigint, and otherwise a description, since
// Lua adds no script position to a table raised as an error.
func errorObjectText(v glua.LValue) string {
	if s, ok := textOf(v); ok {
		return s
	}
	if v == nil {
		return "(error object is nil)"
	}
	return fmt.Sprintf("(error object is a %s value, not a string: raise a string such as error(\"bad record\") to get the script line)", typeName(v))
}

// readSource reads a script file.
func readSource(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read script: %w", err)
	}
	// A #! line makes scripts executable; Lua 5.1 skips it too.
	if bytes.HasPrefix(b, []byte("#!")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = append([]byte("--"), b[i:]...)
		}
	}
	return string(b), nil
}
