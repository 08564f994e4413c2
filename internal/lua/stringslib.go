package lua

import (
	"strings"

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
			s := e.checkText(L, 1)
			if L.GetTop() >= 2 && L.Get(2) != glua.LNil {
				L.Push(glua.LString(cut(s, e.checkText(L, 2))))
				return 1
			}
			L.Push(glua.LString(space(s)))
			return 1
		}
	}
	test := func(f func(string, string) bool) glua.LGFunction {
		return func(L *glua.LState) int {
			L.Push(glua.LBool(f(e.checkText(L, 1), e.checkText(L, 2))))
			return 1
		}
	}

	lib := L.NewTable()
	L.SetFuncs(lib, map[string]glua.LGFunction{
		"split": func(L *glua.LState) int {
			s, sep := e.checkText(L, 1), e.checkText(L, 2)
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
			s, old, repl := e.checkText(L, 1), e.checkText(L, 2), e.checkText(L, 3)
			L.Push(glua.LString(strings.Replace(s, old, repl, L.OptInt(4, -1))))
			return 1
		},
	})
	L.SetGlobal("strings", lib)
}

// join concatenates the elements of a table list or of an array inside a
// record, with tostring's text for numbers, booleans and bigint.
func (e *env) join(L *glua.LState) int {
	sep := e.optText(L, 2, "")
	var items []glua.LValue
	switch list := L.CheckAny(1).(type) {
	case *glua.LTable:
		for i := 1; i <= list.Len(); i++ {
			items = append(items, list.RawGetInt(i))
		}
	case *glua.LUserData:
		items = e.viewElements(L, 1)
	default:
		L.ArgError(1, "table or array expected, got "+typeName(list))
	}

	parts := make([]string, len(items))
	for i, v := range items {
		switch v.(type) {
		case glua.LString, glua.LNumber, glua.LBool:
		default:
			if _, ok := isBig(v); !ok {
				L.RaiseError("strings.join: element %d is a %s, not text", i+1, typeName(v))
			}
		}
		parts[i] = e.toText(L, v)
	}
	L.Push(glua.LString(strings.Join(parts, sep)))
	return 1
}
