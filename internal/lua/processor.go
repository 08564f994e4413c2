package lua

import (
	"errors"
	"fmt"
	"unsafe"

	glua "github.com/yuin/gopher-lua"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// Processor runs the script on records, in one Lua state of its own. It
// implements stage.Processor and stage.Finisher.
type Processor struct {
	env *env

	// Counts for the warning about a script that drops every record
	// because process never returns.
	calls, silent, emitted int64
}

var (
	_ stage.Processor = (*Processor)(nil)
	_ stage.Finisher  = (*Processor)(nil)
)

// Process calls process(rec) (or the inline code) and emits what it
// returns and what it passed to emit(), in that order: emitted first.
//
// What the call returns decides the output: rec or true keeps the record,
// nil or false drops it, a list fans out into several records. Inline
// code that returns nothing keeps the record; a process function that
// returns nothing drops it. On error nothing is emitted and rec is
// untouched.
func (p *Processor) Process(rec *record.Record, emit stage.Emit) error {
	if !rec.HasMeta && rec.Value != nil && isBlank(rec.Value) {
		// A blank plain line is an empty record that passes unchanged, as
		// in the other stages, so that lines stay one to one.
		return emit(rec)
	}

	e := p.env
	e.begin(rec)
	defer e.end()

	self := e.newNode(&node{rec: &e.input, gen: e.gen})
	if err := e.call(e.process, self); err != nil {
		return err
	}

	results := e.L.GetTop()
	defer e.L.SetTop(0)
	p.calls++
	if results == 0 {
		if e.script.opts.Inline {
			e.pending.add(e.input.doc.buf, &e.input.meta, false)
		} else if len(e.pending.items) == 0 {
			p.silent++
		}
	}
	for i := 1; i <= results; i++ {
		if err := e.collect(e.L.Get(i), true, false); err != nil {
			return fmt.Errorf("%s returned %w", e.callName(), err)
		}
	}

	p.emitted += int64(len(e.pending.items))
	return e.pending.flush(emit)
}

// Finish calls finish() when the script defines it, and emits what it
// returns and emits.
func (p *Processor) Finish(emit stage.Emit) error {
	e := p.env
	// A script with finish may drop every record on purpose, to aggregate.
	if p.calls > 0 && p.calls == p.silent && p.emitted == 0 && e.finish == nil {
		e.log.Warn("process returned no value for any record, so every record was dropped; end process with `return rec` to keep records", "script", e.script.opts.Name)
	}
	if e.finish == nil {
		return nil
	}

	e.phase = phaseFinish
	e.pending.reset()
	defer func() { e.phase = phaseLoad }()

	if err := e.call(e.finish); err != nil {
		return err
	}
	defer e.L.SetTop(0)
	for i := 1; i <= e.L.GetTop(); i++ {
		if err := e.collect(e.L.Get(i), true, false); err != nil {
			return fmt.Errorf("finish returned %w", err)
		}
	}
	return e.pending.flush(emit)
}

// Close releases the Lua state. The Processor cannot be used afterwards.
func (p *Processor) Close() error {
	p.env.close()
	return nil
}

// callName names the running function for messages.
func (e *env) callName() string {
	switch {
	case e.phase == phaseFinish:
		return "finish"
	case e.script.opts.Inline:
		return "the -e code"
	}
	return "process"
}

// collect queues the records that v stands for.
//
// At the top (a returned value or an emit argument), nil and false stand
// for nothing, true for the current record, and a table without string
// keys for a list of records (see isList). Other values, and the elements
// of a list, stand for one record each:
//
//   - a record stands for itself;
//   - a value inside a record, a table, a number or json.null for a new
//     record with that JSON value;
//   - a string for a new record with those bytes as its value.
//
// New records take the current record's metadata.
//
// copyNow copies the bytes at once, for emit(), whose records may still
// change before the call ends.
func (e *env) collect(v glua.LValue, top, copyNow bool) error {
	switch v := v.(type) {
	case *glua.LNilType:
		if top {
			return nil
		}
	case glua.LBool:
		if top && !bool(v) {
			return nil
		}
		if top {
			if e.phase != phaseProcess {
				return fmt.Errorf("true, which keeps the current record, but %w", errNoInput)
			}
			e.pending.add(e.input.doc.buf, &e.input.meta, copyNow)
			return nil
		}
		return errors.New("a boolean, which is not a record")
	case *glua.LTable:
		if top && isList(v) {
			return e.collectList(v, copyNow)
		}
		return e.collectJSON(v)
	case glua.LString:
		value := []byte{}
		if len(v) > 0 {
			value = unsafe.Slice(unsafe.StringData(string(v)), len(v))
		}
		e.pending.add(value, e.inputMeta(), true)
		return nil
	case glua.LNumber:
		return e.collectJSON(v)
	case *glua.LUserData:
		n, ok := v.Value.(*node)
		if !ok {
			return e.collectJSON(v)
		}
		if n.gen != n.rec.gen {
			return fmt.Errorf("%s of an earlier record, whose value is gone", n.path())
		}
		if n.parent == nil {
			e.pending.add(n.rec.doc.buf, &n.rec.meta, copyNow)
			return nil
		}
		out, err := n.appendJSON(e.scratch[:0])
		if err != nil {
			return err
		}
		e.scratch = out
		e.pending.add(out, &n.rec.meta, true)
		return nil
	}
	return fmt.Errorf("a %s value, which is not a record", typeName(v))
}

// isList reports whether a table given as a whole result stands for a
// list of records: a table without a JSON kind whose keys are not strings
// (an empty table is an empty list). Tables with string keys, and tables
// marked by json.array, json.object or json.decode, are one JSON value.
func isList(t *glua.LTable) bool {
	if mt, ok := t.Metatable.(*glua.LTable); ok && mt.RawGetString(jsonKindField) != glua.LNil {
		return false
	}
	list := true
	t.ForEach(func(k, _ glua.LValue) {
		if _, ok := k.(glua.LString); ok {
			list = false
		}
	})
	return list
}

// collectList queues each element of a list of records.
func (e *env) collectList(t *glua.LTable, copyNow bool) error {
	count, last := 0, 0
	var bad glua.LValue
	t.ForEach(func(k, _ glua.LValue) {
		count++
		i, ok := k.(glua.LNumber)
		if !ok || float64(i) != float64(int(i)) || i < 1 {
			bad = k
			return
		}
		last = max(last, int(i))
	})
	if bad != nil {
		return fmt.Errorf("a table with the key %s, which is neither a list of records (keys 1, 2, 3...) nor a JSON object (string keys)", keyText(bad))
	}
	if count != last {
		return fmt.Errorf("a list with gaps (%d elements under keys up to %d): fill the gaps, or build the list with t[#t + 1] = r", count, last)
	}
	n := last
	for i := 1; i <= n; i++ {
		if err := e.collect(t.RawGetInt(i), false, copyNow); err != nil {
			return fmt.Errorf("a list whose element %d is %w", i, err)
		}
	}
	return nil
}

// collectJSON queues a new record whose value is v as JSON.
func (e *env) collectJSON(v glua.LValue) error {
	out, err := e.appendJSON(e.scratch[:0], v, 0)
	if err != nil {
		return fmt.Errorf("a value that cannot be a record's JSON value: %w", err)
	}
	e.scratch = out
	e.pending.add(out, e.inputMeta(), true)
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}
