package lua

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	glua "github.com/yuin/gopher-lua"

	"github.com/etelgo/etelgo/internal/record"
)

// env is one worker's Lua state with everything the script can reach:
// the libraries, the metatables of the proxies, the record of the current
// call and the records it emitted so far.
//
// Globals set by the script (in init, at top level or per record) live in
// this state only: each worker of a parallel run has its own, and they
// persist from one record to the next within the worker.
type env struct {
	L      *glua.LState
	script *Script
	stderr io.Writer
	log    *slog.Logger
	dog    *watchdog

	valueMeta   *glua.LTable
	metaMeta    *glua.LTable
	headersMeta *glua.LTable
	bigintMeta  *glua.LTable
	arrayMeta   *glua.LTable
	objectMeta  *glua.LTable
	null        *glua.LUserData

	// process is the function called per record: the script's
	// process(rec), or the inline code itself.
	process *glua.LFunction
	finish  *glua.LFunction

	phase   phase
	gen     uint64
	input   recordState // the record of the current process call
	pending pending

	// numbers stores the text of the numbers read during the current
	// call, so that a number written back unchanged keeps it.
	numbers numberTexts

	// loaded caches the modules that require loaded.
	loaded map[string]glua.LValue

	scratch    []byte
	keyScratch []byte
}

// phase is the kind of call running, which decides what emit may do.
type phase uint8

const (
	phaseLoad phase = iota
	phaseProcess
	phaseFinish
)

// newEnv makes a Lua state for s: opens the libraries, runs the script's
// top level, finds process and finish, and runs init.
func newEnv(s *Script) (*env, error) {
	e := &env{
		script: s,
		stderr: s.opts.Stderr,
		log:    s.opts.Logger,
		loaded: map[string]glua.LValue{},
	}
	if e.stderr == nil {
		e.stderr = os.Stderr
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	e.input.doc.validate = s.opts.Validate
	e.L = glua.NewState(glua.Options{SkipOpenLibs: true})
	e.dog = newWatchdog(e.L, s.opts.Timeout)

	e.open()
	if err := e.load(); err != nil {
		e.close()
		return nil, &LoadError{Err: err}
	}
	return e, nil
}

// load runs the script's top level and init, and finds the functions
// that are called per record and at the end.
func (e *env) load() error {
	chunk := e.L.NewFunctionFromProto(e.script.proto)
	if e.script.opts.Inline {
		e.process = chunk
		return nil
	}

	if err := e.call(chunk); err != nil {
		return err
	}
	e.L.SetTop(0)

	process, ok := e.L.GetGlobal("process").(*glua.LFunction)
	if !ok {
		return fmt.Errorf("%s: %w", e.script.opts.Name, ErrNoProcess)
	}
	e.process = process
	if finish, ok := e.L.GetGlobal("finish").(*glua.LFunction); ok {
		e.finish = finish
	}

	if init, ok := e.L.GetGlobal("init").(*glua.LFunction); ok {
		if err := e.call(init); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		e.L.SetTop(0)
	}
	return nil
}

// call runs fn with args under the time budget and leaves its results on
// the stack.
func (e *env) call(fn *glua.LFunction, args ...glua.LValue) error {
	e.L.Push(fn)
	for _, a := range args {
		e.L.Push(a)
	}
	e.numbers.reset()
	e.dog.start()
	err := e.L.PCall(len(args), glua.MultRet, nil)
	expired := e.dog.stop()
	if err != nil {
		e.L.SetTop(0)
		return e.scriptError(err, expired)
	}
	return nil
}

// close releases the Lua state.
func (e *env) close() {
	e.dog.close()
	e.L.Close()
}

// open installs the libraries: the safe part of the standard library,
// the EtelGo libraries, and with AllowIO the rest.
func (e *env) open() {
	L := e.L
	for _, lib := range []struct {
		name string
		open glua.LGFunction
	}{
		{glua.BaseLibName, glua.OpenBase},
		{glua.TabLibName, glua.OpenTable},
		{glua.StringLibName, glua.OpenString},
		{glua.MathLibName, glua.OpenMath},
		{glua.CoroutineLibName, glua.OpenCoroutine},
		{glua.OsLibName, glua.OpenOs},
		{glua.IoLibName, glua.OpenIo},
		{glua.DebugLibName, glua.OpenDebug},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(glua.LString(lib.name))
		L.Call(1, 0)
	}

	e.sandbox()
	e.openBase()
	e.openLoaders()
	e.openText()
	e.openValue(L)
	e.openMeta(L)
	e.openBigint(L)
	e.openJSON(L)
	e.openRecord(L)
	e.openStrings(L)
	e.openTime(L)

	vars := L.NewTable()
	for k, v := range e.script.opts.Vars {
		vars.RawSetString(k, glua.LString(v))
	}
	L.SetGlobal("vars", vars)
}

// sandbox removes what reaches outside the process unless AllowIO is set:
// io, debug, loadfile, dofile, and all of os but time, clock, date and
// difftime. What it removes raises an error that names it and the flag,
// instead of leaving a nil that fails with "attempt to call a
// non-function object". module, which needs the package library that is
// never opened, and gopher-lua's _printregs debugging aid go either way.
func (e *env) sandbox() {
	L := e.L
	L.SetGlobal("module", glua.LNil)
	L.SetGlobal("_printregs", glua.LNil)
	if e.script.opts.AllowIO {
		return
	}

	io := disabledTable(L, "io", nil)
	debug := disabledTable(L, "debug", nil)
	L.SetGlobal("io", io)
	L.SetGlobal("debug", debug)
	L.SetGlobal("dofile", disabledFunction(L, "dofile"))
	L.SetGlobal("loadfile", disabledFunction(L, "loadfile"))

	full := L.GetGlobal("os").(*glua.LTable)
	safe := disabledTable(L, "os", full)
	for _, name := range []string{"time", "clock", "date", "difftime"} {
		safe.RawSetString(name, full.RawGetString(name))
	}
	L.SetGlobal("os", safe)

	// The libraries registered themselves in the table that require
	// consults; keep only what the sandbox offers.
	if loaded, ok := L.GetField(L.Get(glua.RegistryIndex), "_LOADED").(*glua.LTable); ok {
		loaded.RawSetString("io", io)
		loaded.RawSetString("debug", debug)
		loaded.RawSetString("os", safe)
	}
}

// disabledTable returns an empty table in which reading a field raises
// the sandbox error for lib.field. With full, only the fields that full
// has raise, and others read as nil as in the real library.
func disabledTable(L *glua.LState, lib string, full *glua.LTable) *glua.LTable {
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
		name := L.CheckString(2)
		if full != nil && full.RawGetString(name) == glua.LNil {
			L.Push(glua.LNil)
			return 1
		}
		L.RaiseError("%s.%s is disabled in the sandbox; run with --allow-io to enable it", lib, name)
		return 0
	}))
	mt.RawSetString("__metatable", glua.LString("sandbox"))
	L.SetMetatable(t, mt)
	return t
}

// disabledFunction returns a function that raises the sandbox error for
// name.
func disabledFunction(L *glua.LState, name string) *glua.LFunction {
	return L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("%s is disabled in the sandbox; run with --allow-io to enable it", name)
		return 0
	})
}

// ErrNoProcess is returned for a script file that defines no process
// function. The fix is in the script, so callers treat it as a usage error.
var ErrNoProcess = errors.New("the script defines no function process(rec): define one, or pass inline code with -e")

// errNoInput is raised by functions that need the current record outside
// of a process call.
var errNoInput = errors.New("there is no current record outside of process")

// inputMeta returns the metadata that new values inherit: the current
// record's during process, and none otherwise.
func (e *env) inputMeta() *metadata {
	if e.phase == phaseProcess {
		return &e.input.meta
	}
	return &noMeta
}

// noMeta is the metadata of records made outside of a process call.
var noMeta = metadata{partition: -1, offset: -1}

// begin makes rec the input of a process call.
func (e *env) begin(rec *record.Record) {
	e.gen++
	e.input.gen = e.gen
	e.input.doc.reset(rec.Value)
	e.input.doc.plain = !rec.HasMeta
	e.input.meta.load(rec)
	e.pending.reset()
	e.phase = phaseProcess
}

// end closes a process call: proxies of the input go stale, and no
// reference to the input's bytes is kept.
func (e *env) end() {
	e.gen++
	e.input.gen = e.gen
	e.input.doc.reset(nil)
	e.input.meta = metadata{}
	e.phase = phaseLoad
}
