package lua

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConcatNumbers(t *testing.T) {
	const doc = `{"big":12345678901234567891,"f":1.50}`
	runCases(t, []scriptCase{
		{"large whole number", `return "x" .. 1e21`, `{}`, []string{`x1000000000000000000000`}, ""},
		{"small number", `return "x" .. 0.00001 .. "|" .. 5e-7`, `{}`, []string{`x0.00001|5e-07`}, ""},
		{"2^63", `return 2^63 .. ""`, `{}`, []string{`9223372036854776000`}, ""},
		{"same as tostring", `local x = 1e300 return tostring((x .. "") == tostring(x))`, `{}`, []string{`true`}, ""},
		{"numbers on both sides", `return 1 .. 2`, `{}`, []string{`12`}, ""},
		{"long chain", `local a, b = 1e21, 0.5 return "a=" .. a .. ", b=" .. b .. "."`, `{}`, []string{`a=1000000000000000000000, b=0.5.`}, ""},
		{"parenthesized chain", `return ("a" .. 1e21) .. (2e21 .. "b")`, `{}`, []string{`a10000000000000000000002000000000000000000000b`}, ""},
		{"record number", `return "f=" .. rec.f`, doc, []string{`f=1.5`}, ""},
		{"bigint", `return rec.big .. "/" .. (rec.big + 1)`, doc, []string{`12345678901234567891/12345678901234567892`}, ""},
		{"inside a function", `local function f(x) return "<" .. x .. ">" end return f(1e21)`, `{}`, []string{`<1000000000000000000000>`}, ""},
		{"table key and value", `local t = {["k" .. 1e21] = "v" .. 1e22} for k, v in pairs(t) do return k .. "=" .. v end`, `{}`, []string{`k1000000000000000000000=v10000000000000000000000`}, ""},
		{"condition and loop", `local s = "" for i = 1, 3 do if ("" .. i) ~= "2" then s = s .. i * 1e20 .. ";" end end return s`, `{}`, []string{`100000000000000000000;300000000000000000000;`}, ""},
		{"__concat metamethod", `local t = setmetatable({}, {__concat = function(a, b) return "T" end}) return t .. 1 .. ""`, `{}`, []string{`T`}, ""},
		{"function result", `local function two() return 1e21, 2 end return "x" .. two()`, `{}`, []string{`x1000000000000000000000`}, ""},
		{"setfenv", `local function f(x) return "x" .. x end setfenv(f, {}) return f(1e21)`, `{}`, []string{`x1000000000000000000000`}, ""},
		{"loadstring", `return loadstring("return 'x' .. 1e21")()`, `{}`, []string{`x1000000000000000000000`}, ""},
		{"load", `local done = false return load(function() if done then return nil end done = true return "return 'x' .. 1e21" end)()`, `{}`, []string{`x1000000000000000000000`}, ""},
		{"loadstring syntax error", `local f, err = loadstring("return ..") return tostring(f) .. " " .. tostring(err ~= nil)`, `{}`, []string{`nil true`}, ""},
		{"nil operand", `return "x" .. rec.nope`, `{}`, nil, "-e:1: cannot perform concat operation between string and nil"},
		{"boolean operand", "local a = 1\nreturn a .. true", `{}`, nil, "-e:2: cannot perform concat operation between string and boolean"},
	})
}

func TestConcatInModules(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "util.lua"), []byte("return {label = function(x) return 'n=' .. x end}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runScript(t, Options{Source: `return require("util").label(1e21)`, Inline: true, LuaPath: []string{dir}}, `{}`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.values) != 1 || res.values[0] != "n=1000000000000000000000" {
		t.Errorf("got %q", res.values)
	}

	file := filepath.Join(dir, "lib.lua")
	if err := os.WriteFile(file, []byte("return 'f=' .. 1e21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code := `return dofile(` + quoteLua(file) + `) .. "," .. loadfile(` + quoteLua(file) + `)()`
	res = runScript(t, Options{Source: code, Inline: true, AllowIO: true}, `{}`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.values) != 1 || res.values[0] != "f=1000000000000000000000,f=1000000000000000000000" {
		t.Errorf("got %q", res.values)
	}

	res = runScript(t, Options{Source: `local f, err = loadfile("/nonexistent.lua") return tostring(f) .. " " .. err`, Inline: true, AllowIO: true}, `{}`)
	if res.err != nil || len(res.values) != 1 || !strings.HasPrefix(res.values[0], "nil cannot open /nonexistent.lua") {
		t.Errorf("loadfile of a missing file: %q, %v", res.values, res.err)
	}
}
