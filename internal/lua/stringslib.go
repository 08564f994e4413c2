package lua

import (
	"strings"

	"github.com/tidwall/gjson"
	glua "github.com/yuin/gopher-lua"
)

// openStrings installs the strings library: plain-text helpers that
// Lua's pattern-based string library lacks. Separators and search texts
// are plain text, never patterns.
//
//	strings.split(s, sep [, n])      list of the parts; at most n parts when n > 0
//	strings.join(list, sep)          list elements joined; lists inside records too
//	strings.trim(s [, chars])        white space (or chars) removed at both ends
//	strings.trim_left(s [, chars])   ... at the start
//	strings.trim_right(s [, chars])  ... at the end
//	strings.has_prefix(s, prefix)    booleans
//	strings.has_suffix(s, suffix)
//	strings.contains(s, sub)
//	strings.replace(s, old, new [, n])  every (or the first n) old replaced
func (e *env) openStrings(L *glua.LState) {
	trim := func(cut func(string, string) string, space func(string) string) glua.LGFunction {
		return func(L *glua.LState) int {
			s := L.CheckString(1)
			if L.GetTop() >= 2 && L.Get(2) != glua.LNil {
				L.Push(glua.LString(cut(s, L.CheckString(2))))
				return 1
			}
			L.Push(glua.LString(space(s)))
			return 1
		}
	}
	test := func(f func(string, string) bool) glua.LGFunction {
		return func(L *glua.LState) int {
			L.Push(glua.LBool(f(L.CheckString(1), L.CheckString(2))))
			return 1
		}
	}

	lib := L.NewTable()
	L.SetFuncs(lib, map[string]glua.LGFunction{
		"split": func(L *glua.LState) int {
			s, sep := L.CheckString(1), L.CheckString(2)
			n := L.OptInt(3, -1)
			if n == 0 {
				n = -1
			}
			t := L.NewTable()
			for _, part := range strings.SplitN(s, sep, n) {
				t.Append(glua.LString(part))
			}
			t.Metatable = e.arrayMeta
			L.Push(t)
			return 1
		},
		"join": e.join,
		"trim": trim(strings.Trim, strings.TrimSpace),
		"trim_left": trim(strings.TrimLeft, func(s string) string {
			return strings.TrimLeft(s, " \t\n\r\v\f")
		}),
		"trim_right": trim(strings.TrimRight, func(s string) string {
			return strings.TrimRight(s, " \t\n\r\v\f")
		}),
		"has_prefix": test(strings.HasPrefix),
		"has_suffix": test(strings.HasSuffix),
		"contains":   test(strings.Contains),
		"replace": func(L *glua.LState) int {
			s, old, repl := L.CheckString(1), L.CheckString(2), L.CheckString(3)
			L.Push(glua.LString(strings.Replace(s, old, repl, L.OptInt(4, -1))))
			return 1
		},
	})
	L.SetGlobal("strings", lib)
}

// join concatenates the elements of a table list or of an array inside a
// record, with tostring's text for numbers, booleans and bigint.
func (e *env) join(L *glua.LState) int {
	sep := L.OptString(2, "")
	var parts []string
	add := func(i int, v glua.LValue) {
		switch v.(type) {
		case glua.LString, glua.LNumber, glua.LBool:
		default:
			if _, ok := isBig(v); !ok {
				L.RaiseError("strings.join: element %d is a %s, not text", i, typeName(v))
			}
		}
		parts = append(parts, e.toText(L, v))
	}

	switch list := L.CheckAny(1).(type) {
	case *glua.LTable:
		for i := 1; i <= list.Len(); i++ {
			add(i, list.RawGetInt(i))
		}
	case *glua.LUserData:
		n := e.checkNode(L, 1)
		at, kind, ok := n.resolve()
		if !ok || kind != '[' {
			L.ArgError(1, "array expected, got "+n.path()+", which is not an array")
		}
		i := 0
		parsed := gjson.Result{Type: gjson.JSON, Raw: n.rec.doc.view(at)}
		parsed.ForEach(func(_, r gjson.Result) bool {
			i++
			add(i, e.child(n, r, at, "", i-1, true))
			return true
		})
	default:
		L.ArgError(1, "table or array expected, got "+typeName(list))
	}
	L.Push(glua.LString(strings.Join(parts, sep)))
	return 1
}
