package lua

import (
	glua "github.com/yuin/gopher-lua"
)

// jsonNull is the value behind json.null.
type jsonNull struct{}

// openJSON installs the json library:
//
//	json.encode(v)    JSON text of a Lua value or record value
//	json.decode(s)    Lua tables from JSON text (key order kept, big integers exact)
//	json.null         the JSON null, where nil would delete or end a list
//	json.array([t])   marks t (or a new table) to be written as an array
//	json.object([t])  marks t (or a new table) to be written as an object
func (e *env) openJSON(L *glua.LState) {
	nullMeta := L.NewTable()
	nullMeta.RawSetString("__tostring", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LString("null"))
		return 1
	}))
	nullMeta.RawSetString("__metatable", glua.LString("json.null"))
	e.null = L.NewUserData()
	e.null.Value = jsonNull{}
	e.null.Metatable = nullMeta

	e.arrayMeta = L.NewTable()
	e.arrayMeta.RawSetString(jsonKindField, glua.LString("array"))
	e.objectMeta = L.NewTable()
	e.objectMeta.RawSetString(jsonKindField, glua.LString("object"))

	mark := func(meta *glua.LTable) glua.LGFunction {
		return func(L *glua.LState) int {
			t := L.OptTable(1, nil)
			if t == nil {
				t = L.NewTable()
			}
			if mt, ok := t.Metatable.(*glua.LTable); ok {
				kind := mt.RawGetString(jsonKindField)
				if kind == glua.LNil {
					L.ArgError(1, "the table has a metatable of its own")
				}
				if kind == meta.RawGetString(jsonKindField) {
					L.Push(t) // keeps the key order of a decoded object
					return 1
				}
			}
			t.Metatable = meta
			L.Push(t)
			return 1
		}
	}

	lib := L.NewTable()
	L.SetFuncs(lib, map[string]glua.LGFunction{
		"encode": func(L *glua.LState) int {
			out, err := e.appendJSON(e.scratch[:0], L.CheckAny(1), 0)
			if err != nil {
				L.RaiseError("json.encode: %v", err)
			}
			e.scratch = out
			L.Push(glua.LString(out))
			return 1
		},
		"decode": func(L *glua.LState) int {
			v, err := e.decode(L, e.checkText(L, 1))
			if err != nil {
				L.RaiseError("json.decode: %v", err)
			}
			L.Push(v)
			return 1
		},
		"array":  mark(e.arrayMeta),
		"object": mark(e.objectMeta),
	})
	lib.RawSetString("null", e.null)
	L.SetGlobal("json", lib)
}
