package lua

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// openBase replaces base functions whose gopher-lua versions do not suit
// a record stage: print (stdout carries records), tostring and tonumber
// (number text), pairs and ipairs (record values are userdata),
// getmetatable (protected metatables) and require (the sandbox).
func (e *env) openBase() {
	L := e.L
	next := L.GetGlobal("next")
	L.SetGlobal("print", L.NewFunction(e.print))
	L.SetGlobal("tostring", L.NewFunction(e.tostring))
	L.SetGlobal("tonumber", L.NewFunction(e.tonumber))
	inext := L.NewFunction(ipairsNext)
	L.SetGlobal("pairs", L.NewFunction(func(L *glua.LState) int { return e.pairs(L, "__pairs", next) }))
	L.SetGlobal("ipairs", L.NewFunction(func(L *glua.LState) int { return e.pairs(L, "__ipairs", inext) }))
	L.SetGlobal("getmetatable", L.NewFunction(e.getmetatable))
	L.SetGlobal("require", L.NewFunction(e.require))
}

// print writes its arguments to stderr, tab-separated, as one write.
func (e *env) print(L *glua.LState) int {
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(e.toText(L, L.Get(i)))
	}
	b.WriteByte('\n')

	// A failed write to stderr has nowhere to be reported.
	_, _ = io.WriteString(e.stderr, b.String())
	return 0
}

// toText is tostring: numbers without exponent surprises (1e21 as
// 1000000000000000000000, 0.1 as 0.1), __tostring for userdata and
// tables that have one.
func (e *env) toText(L *glua.LState, v glua.LValue) string {
	switch v := v.(type) {
	case glua.LNumber:
		return formatNumber(float64(v))
	case glua.LString:
		return string(v)
	}
	if v == e.null {
		return "null"
	}
	// A __tostring that returns a number is written as tostring writes it.
	text := L.ToStringMeta(v)
	if n, ok := text.(glua.LNumber); ok {
		return formatNumber(float64(n))
	}
	return text.String()
}

func (e *env) tostring(L *glua.LState) int {
	L.Push(glua.LString(e.toText(L, L.CheckAny(1))))
	return 1
}

// tonumber accepts what Lua does and more: exponents ("2e2", "5e-07"),
// integers beyond 2^53 (as bigint), and surrounding white space. With a
// base other than 10 it reads an integer in that base. It returns nil for
// text that is not a number, NaN or infinity words included.
func (e *env) tonumber(L *glua.LState) int {
	v := L.CheckAny(1)
	base := L.OptInt(2, 10)
	switch v := v.(type) {
	case glua.LNumber:
		L.Push(v)
		return 1
	case glua.LString:
		if base != 10 {
			if base < 2 || base > 36 {
				L.ArgError(2, "base out of range")
			}
			s := strings.ToLower(strings.TrimSpace(string(v)))
			sign := ""
			if strings.HasPrefix(s, "-") {
				sign, s = "-", s[1:]
			}
			if n, ok := parseInteger(sign, s, base); ok {
				L.Push(e.number(n))
				return 1
			}
			L.Push(glua.LNil)
			return 1
		}
		if n, ok := parseNumber(string(v)); ok {
			L.Push(e.number(n))
			return 1
		}
	}
	if _, ok := isBig(v); ok {
		L.Push(v)
		return 1
	}
	L.Push(glua.LNil)
	return 1
}

// pairs calls the metamethod named by event for userdata that has one.
// Otherwise it returns the iterator of a table as Lua does: next, the
// table and nil for pairs, or ipairsNext, the table and 0 for ipairs.
func (e *env) pairs(L *glua.LState, event string, iterator glua.LValue) int {
	v := L.CheckAny(1)
	if ud, ok := v.(*glua.LUserData); ok {
		if fn, ok := L.GetMetaField(ud, event).(*glua.LFunction); ok {
			L.Push(fn)
			L.Push(ud)
			L.Call(1, 3)
			return 3
		}
	}
	t := L.CheckTable(1)
	L.Push(iterator)
	L.Push(t)
	if event == "__ipairs" {
		L.Push(glua.LNumber(0))
	} else {
		L.Push(glua.LNil)
	}
	return 3
}

// ipairsNext is the iterator of ipairs over a table: it stops at the
// first nil.
func ipairsNext(L *glua.LState) int {
	t := L.CheckTable(1)
	i := L.CheckInt(2) + 1
	item := t.RawGetInt(i)
	if item == glua.LNil {
		return 0
	}
	L.Push(glua.LNumber(i))
	L.Push(item)
	return 2
}

// getmetatable honours __metatable, as Lua does, so that scripts cannot
// reach the metatables of record values.
func (e *env) getmetatable(L *glua.LState) int {
	mt := L.GetMetatable(L.CheckAny(1))
	if t, ok := mt.(*glua.LTable); ok {
		if protected := t.RawGetString("__metatable"); protected != glua.LNil {
			L.Push(protected)
			return 1
		}
	}
	L.Push(mt)
	return 1
}

// moduleName is the form of the module names that require accepts:
// dotted identifiers, which map to paths inside the --lua-path
// directories and cannot climb out of them.
var moduleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// require returns one of the built-in libraries by name, or loads
// NAME.lua or NAME/init.lua (dots in NAME are directories) from the
// --lua-path directories, once per worker.
func (e *env) require(L *glua.LState) int {
	name := L.CheckString(1)
	switch name {
	case "json", "strings", "time", "bigint", "record", "string", "table", "math", "os", "coroutine":
		L.Push(L.GetGlobal(name))
		return 1
	}
	if v, ok := e.loaded[name]; ok {
		L.Push(v)
		return 1
	}

	dirs := e.script.opts.LuaPath
	if len(dirs) == 0 {
		L.RaiseError("require(%q): modules are off; pass --lua-path DIR to load %s.lua from DIR", name, strings.ReplaceAll(name, ".", "/"))
	}
	if !moduleName.MatchString(name) {
		L.RaiseError("require(%q): invalid module name; use dotted identifiers such as util or util.dates", name)
	}

	file, err := findModule(dirs, name)
	if err != nil {
		L.RaiseError("require(%q): %v", name, err)
	}
	src, err := os.Open(file)
	if err != nil {
		L.RaiseError("require(%q): %v", name, err)
	}
	proto, err := compileChunk(src, file)
	src.Close()
	if err != nil {
		L.RaiseError("require(%q): %v", name, err)
	}
	L.Push(L.NewFunctionFromProto(proto))
	L.Push(glua.LString(name))
	L.Call(1, 1)
	result := L.Get(-1)
	if result == glua.LNil {
		result = glua.LTrue
	}
	e.loaded[name] = result
	L.Push(result)
	return 1
}

// findModule returns the file of module name in the first directory that
// has it, after checking that symbolic links do not lead outside.
func findModule(dirs []string, name string) (string, error) {
	rel := filepath.FromSlash(strings.ReplaceAll(name, ".", "/"))
	var tried []string
	for _, dir := range dirs {
		root, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return "", fmt.Errorf("module directory: %w", err)
		}
		for _, candidate := range []string{rel + ".lua", filepath.Join(rel, "init.lua")} {
			path := filepath.Join(dir, candidate)
			tried = append(tried, path)
			real, err := filepath.EvalSymlinks(path)
			if err != nil {
				continue
			}
			if inside, _ := filepath.Rel(root, real); inside == ".." || strings.HasPrefix(inside, ".."+string(os.PathSeparator)) || filepath.IsAbs(inside) {
				return "", fmt.Errorf("%s leads outside %s", path, dir)
			}
			return real, nil
		}
	}
	return "", fmt.Errorf("not found; tried %s", strings.Join(tried, ", "))
}
