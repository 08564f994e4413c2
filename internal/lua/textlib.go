package lua

import (
	"math"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
	glua "github.com/yuin/gopher-lua"
)

// Lua turns a number into text wherever a string is expected: string
// functions take numbers, table.concat joins them, error and assert take
// them as messages, io.write writes them. gopher-lua does that with Go's
// %v (1e+21, 1e-05, 9.223372036854776e+18), which differs from tostring
// here (see formatNumber). openText wraps those functions so that number
// and bigint arguments become tostring's text before gopher-lua
// converts them. With tostring, print, `..` (concat.go) and string.format
// (format.go), that covers the text a script builds. Functions that take
// a name (os.getenv, os.remove, io.open) still get gopher-lua's text for
// a number.

// textOf returns the text of a string, a number or a bigint, and false
// for any other value.
func textOf(v glua.LValue) (string, bool) {
	switch v := v.(type) {
	case glua.LString:
		return string(v), true
	case glua.LNumber:
		return formatNumber(float64(v)), true
	}
	if n, ok := isBig(v); ok {
		return n.String(), true
	}
	return "", false
}

// checkText returns argument i as text: a string, or a number or bigint
// as tostring writes it. Other values raise Lua's "string expected" error.
func (e *env) checkText(L *glua.LState, i int) string {
	if s, ok := textOf(L.Get(i)); ok {
		return s
	}
	return L.CheckString(i)
}

// optText is checkText with a default for a missing or nil argument.
func (e *env) optText(L *glua.LState, i int, def string) string {
	if L.Get(i) == glua.LNil {
		return def
	}
	return e.checkText(L, i)
}

// openText wraps the standard functions that turn numbers into text, and
// installs string.format and table.concat of this package.
func (e *env) openText() {
	L := e.L
	str := L.GetGlobal("string").(*glua.LTable)
	for name, positions := range map[string][]int{
		"byte": {1}, "find": {1, 2}, "len": {1}, "lower": {1}, "match": {1, 2},
		"reverse": {1}, "sub": {1}, "upper": {1},
	} {
		if fn, ok := str.RawGetString(name).(*glua.LFunction); ok {
			str.RawSetString(name, wrapTextArgs(L, fn, positions, 0))
		}
	}
	if fn, ok := str.RawGetString("gmatch").(*glua.LFunction); ok {
		gmatch := wrapGmatch(L, wrapTextArgs(L, fn, []int{1, 2}, 0))
		str.RawSetString("gmatch", gmatch)
		str.RawSetString("gfind", gmatch)
	}
	if gsub, ok := str.RawGetString("gsub").(*glua.LFunction); ok {
		str.RawSetString("gsub", e.wrapGsub(gsub))
	}
	str.RawSetString("format", L.NewFunction(e.stringFormat))
	str.RawSetString("rep", L.NewFunction(e.stringRep))

	tbl := L.GetGlobal("table").(*glua.LTable)
	tbl.RawSetString("concat", L.NewFunction(e.tableConcat))

	if fn, ok := L.GetGlobal("error").(*glua.LFunction); ok {
		L.SetGlobal("error", wrapTextArgs(L, fn, []int{1}, 0))
	}
	L.SetGlobal("assert", L.NewFunction(e.assert))

	if !e.script.opts.AllowIO {
		return
	}
	if io, ok := L.GetGlobal("io").(*glua.LTable); ok {
		if fn, ok := io.RawGetString("write").(*glua.LFunction); ok {
			io.RawSetString("write", wrapTextArgs(L, fn, nil, 1))
		}
	}
	if methods, ok := L.GetTypeMetatable("FILE*").(*glua.LTable); ok {
		if fn, ok := methods.RawGetString("write").(*glua.LFunction); ok {
			methods.RawSetString("write", wrapTextArgs(L, fn, nil, 2))
		}
	}
}

// wrapTextArgs returns fn with its number and bigint arguments at
// positions, and at every position from rest on when rest > 0, turned
// into text first. fn must be a Go function. The wrapper runs it in its
// own call frame with fn's upvalues, so that fn finds them and names
// itself in errors as before.
func wrapTextArgs(L *glua.LState, fn *glua.LFunction, positions []int, rest int) *glua.LFunction {
	inner := fn.GFunction
	convert := func(L *glua.LState, i int) {
		v := L.Get(i)
		if _, isString := v.(glua.LString); isString {
			return
		}
		if s, ok := textOf(v); ok {
			L.Replace(i, glua.LString(s))
		}
	}
	return L.NewClosure(func(L *glua.LState) int {
		top := L.GetTop()
		for _, i := range positions {
			if i <= top {
				convert(L, i)
			}
		}
		if rest > 0 {
			for i := rest; i <= top; i++ {
				convert(L, i)
			}
		}
		return inner(L)
	}, upvaluesOf(fn)...)
}

// upvaluesOf returns the values of fn's upvalues, for a wrapper that runs
// fn's Go function in its own frame.
func upvaluesOf(fn *glua.LFunction) []glua.LValue {
	values := make([]glua.LValue, len(fn.Upvalues))
	for i, uv := range fn.Upvalues {
		values[i] = uv.Value()
	}
	return values
}

// wrapGmatch returns string.gmatch that returns one iterator function,
// as Lua's does. gopher-lua's returns a function and a state for the
// generic for, so calling its result directly, as in
// `local next = s:gmatch("%d+") next()`, fails.
func wrapGmatch(L *glua.LState, gmatch *glua.LFunction) *glua.LFunction {
	inner := gmatch.GFunction
	return L.NewClosure(func(L *glua.LState) int {
		if inner(L) != 2 {
			return 0 // no result: gmatch raised an error or changed
		}
		iterator, state := L.Get(-2), L.Get(-1)
		L.Pop(2)
		L.Push(L.NewFunction(func(L *glua.LState) int {
			base := L.GetTop()
			L.Push(iterator)
			L.Push(state)
			L.Call(1, glua.MultRet)
			return L.GetTop() - base
		}))
		return 1
	}, upvaluesOf(gmatch)...)
}

// wrapGsub returns string.gsub with number text for the subject, the
// pattern and the replacement, including numbers that a replacement
// table holds or a replacement function returns.
func (e *env) wrapGsub(gsub *glua.LFunction) *glua.LFunction {
	textArgs := wrapTextArgs(e.L, gsub, []int{1, 2, 3}, 0).GFunction
	return e.L.NewFunction(func(L *glua.LState) int {
		switch repl := L.Get(3).(type) {
		case *glua.LFunction:
			L.Replace(3, L.NewFunction(func(L *glua.LState) int {
				top := L.GetTop()
				L.Push(repl)
				for i := 1; i <= top; i++ {
					L.Push(L.Get(i))
				}
				L.Call(top, 1)
				return pushText(L, L.Get(-1))
			}))
		case *glua.LTable:
			// gsub looks up the first capture, or the whole match, which
			// is also the first argument that a replacement function gets.
			L.Replace(3, L.NewFunction(func(L *glua.LState) int {
				return pushText(L, L.GetTable(repl, L.Get(1)))
			}))
		}
		return textArgs(L)
	})
}

// repChunk is how many bytes string.rep copies between two checks of the
// time budget.
const repChunk = 1 << 20

// stringRep is string.rep(s, n): n copies of s. A large result is built
// in chunks, with the time budget checked between them, so that
// string.rep("x", 1e10) ends with the budget error instead of running
// until memory runs out.
func (e *env) stringRep(L *glua.LState) int {
	s := e.checkText(L, 1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(glua.LString(""))
		return 1
	}
	if n > math.MaxInt/len(s) {
		L.RaiseError("string.rep: %d copies of %d bytes do not fit in memory", n, len(s))
	}
	total := len(s) * n
	if total <= repChunk {
		L.Push(glua.LString(strings.Repeat(s, n)))
		return 1
	}

	// out grows as it fills instead of being allocated at its full size,
	// so that a result too large for memory is stopped by the time budget
	// before the allocation fails.
	out := make([]byte, len(s), repChunk)
	copy(out, s)
	ctx := L.Context()
	for len(out) < total {
		if ctx != nil && ctx.Err() != nil {
			L.RaiseError("%v", ctx.Err()) // the watchdog cancelled the call
		}
		// Copying from the start of out doubles it; the chunk bound keeps
		// each step short. Copies start at a multiple of len(s), so the
		// pattern stays aligned.
		chunk := min(len(out), total-len(out), repChunk/len(s)*len(s)+len(s))
		out = append(out, out[:chunk]...)
	}
	L.Push(glua.LString(unsafe.String(unsafe.SliceData(out), len(out))))
	return 1
}

// pushText pushes v, with a number or bigint turned into text.
func pushText(L *glua.LState, v glua.LValue) int {
	if _, isString := v.(glua.LString); !isString {
		if s, ok := textOf(v); ok {
			v = glua.LString(s)
		}
	}
	L.Push(v)
	return 1
}

// tableConcat is table.concat(list [, sep [, i [, j]]]) as in Lua 5.1:
// elements i to j (1 to #list by default) joined by sep, each a string, a
// number or a bigint. list may also be an array inside a record.
func (e *env) tableConcat(L *glua.LState) int {
	var items []glua.LValue
	n := 0
	switch list := L.Get(1).(type) {
	case *glua.LTable:
		n = list.Len()
	case *glua.LUserData:
		items = e.viewElements(L, 1)
		n = len(items)
	default:
		L.TypeError(1, glua.LTTable)
	}
	sep := e.optText(L, 2, "")
	first := L.OptInt(3, 1)
	last := L.OptInt(4, n)

	var b strings.Builder
	for i := first; i <= last; i++ {
		var v glua.LValue = glua.LNil
		if t, ok := L.Get(1).(*glua.LTable); ok {
			v = t.RawGetInt(i)
		} else if i >= 1 && i <= len(items) {
			v = items[i-1]
		}
		s, ok := textOf(v)
		if !ok {
			L.RaiseError("invalid value (at index %d) in table for 'concat': a %s, where a string or number is needed", i, typeName(v))
		}
		b.WriteString(s)
		if i < last {
			b.WriteString(sep)
		}
	}
	L.Push(glua.LString(b.String()))
	return 1
}

// viewElements returns the elements of the array that argument i views,
// raising an error when it is no array.
func (e *env) viewElements(L *glua.LState, i int) []glua.LValue {
	n := e.checkNode(L, i)
	at, kind, ok := n.resolve()
	if !ok || kind != '[' {
		L.ArgError(i, "table or array expected, got "+n.path()+", which is not an array")
	}
	var items []glua.LValue
	parsed := gjson.Result{Type: gjson.JSON, Raw: n.rec.doc.view(at)}
	parsed.ForEach(func(_, r gjson.Result) bool {
		items = append(items, e.child(n, r, at, "", len(items), true))
		return true
	})
	return items
}

// assert is Lua's assert, with a number or bigint message written as
// tostring writes it. A message of another type (a table, say) is raised
// as the error object itself, as Lua 5.2 and later do.
func (e *env) assert(L *glua.LState) int {
	if L.ToBool(1) {
		return L.GetTop()
	}
	message := L.Get(2)
	if message == glua.LNil {
		L.RaiseError("assertion failed!")
	}
	if s, ok := textOf(message); ok {
		L.RaiseError("%s", s)
	}
	L.Error(message, 1)
	return 0
}
