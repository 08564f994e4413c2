package lua

import (
	glua "github.com/yuin/gopher-lua"
)

// openRecord installs emit, meta and the record library:
//
//	emit(r, ...)          queue records for output, as if returned
//	meta(rec)             the record's metadata (key, headers, topic...)
//	record.new(v)         a new record: a copy of a record, or a value
//	record.raw(rec)       the value's bytes as a string, nil for a tombstone
//	record.set_raw(rec, s) replace the whole value; nil makes a tombstone
func (e *env) openRecord(L *glua.LState) {
	L.SetGlobal("emit", L.NewFunction(e.emit))
	metaFn := L.NewFunction(func(L *glua.LState) int {
		L.Push(e.metaOf(L, e.checkNode(L, 1)))
		return 1
	})
	L.SetGlobal("meta", metaFn)

	lib := L.NewTable()
	L.SetFuncs(lib, map[string]glua.LGFunction{
		"new":     e.recordNew,
		"raw":     e.recordRaw,
		"set_raw": e.recordSetRaw,
	})
	lib.RawSetString("meta", metaFn)
	L.SetGlobal("record", lib)
}

// emit queues its arguments for output like values returned by process,
// copied as they are now. The queue is written only when the call
// succeeds.
func (e *env) emit(L *glua.LState) int {
	if e.phase == phaseLoad {
		L.RaiseError("emit works in process and finish only: records emitted while loading have no stream to go to")
	}
	for i := 1; i <= L.GetTop(); i++ {
		if err := e.collect(L.Get(i), true, true); err != nil {
			L.RaiseError("emit got %v", err)
		}
	}
	return 0
}

// recordNew makes a new record. From a record, it copies the value and
// the metadata. Any other value becomes the value of a record with the
// current record's metadata (none in finish): a string as raw bytes, nil
// as a tombstone, and the rest as JSON.
func (e *env) recordNew(L *glua.LState) int {
	v := L.Get(1)
	st := &recordState{}
	st.doc.validate = e.script.opts.Validate

	switch v := v.(type) {
	case *glua.LNilType:
		st.meta = e.inputMeta().clone()
		st.doc.reset(nil)
	case glua.LString:
		st.meta = e.inputMeta().clone()
		st.doc.setOwned([]byte(v))
	default:
		if n, ok := nodeOf(v); ok && n.parent == nil {
			e.checkLive(L, n)
			st.meta = n.rec.meta.clone()
			st.doc.setOwned(n.rec.doc.buf)
			break
		}
		out, err := e.appendJSON(e.scratch[:0], v, 0)
		if err != nil {
			L.RaiseError("record.new: %v", err)
		}
		e.scratch = out
		st.meta = e.inputMeta().clone()
		st.doc.setOwned(out)
	}

	st.doc.plain = !st.meta.hasMeta
	L.Push(e.newNode(&node{rec: st}))
	return 1
}

// recordRaw returns the bytes of a record's whole value, or the JSON text
// of a value inside a record.
func (e *env) recordRaw(L *glua.LState) int {
	n := e.checkNode(L, 1)
	if n.parent != nil {
		return e.valueToString(L)
	}
	if n.rec.doc.buf == nil {
		L.Push(glua.LNil)
		return 1
	}
	L.Push(glua.LString(n.rec.doc.buf))
	return 1
}

// recordSetRaw replaces a record's whole value with the bytes of a
// string (a number or bigint as its tostring text), or makes it a
// tombstone for nil.
func (e *env) recordSetRaw(L *glua.LState) int {
	n := e.checkNode(L, 1)
	if n.parent != nil {
		L.ArgError(1, "record expected, got a value inside one ("+n.path()+")")
	}
	v := L.Get(2)
	if v == glua.LNil {
		n.rec.doc.reset(nil)
		return 0
	}
	text, ok := textOf(v)
	if !ok {
		L.ArgError(2, "string or nil expected, got "+typeName(v))
	}
	n.rec.doc.setOwned([]byte(text))
	return 0
}

// nodeOf returns the node behind a record value proxy.
func nodeOf(v glua.LValue) (*node, bool) {
	if ud, ok := v.(*glua.LUserData); ok {
		n, ok := ud.Value.(*node)
		return n, ok
	}
	return nil, false
}
