package lua

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formatDoc is the record of the string.format and number text tests: a
// bigint, a number written 1.50, an object and an array.
const formatDoc = `{"big":12345678901234567891,"neg":-9223372036854775808,"f":1.50,"o":{"x":[1]},"arr":[1,"b",1e21,12345678901234567891]}`

func TestStringFormatStrings(t *testing.T) {
	runEval(t, formatDoc, []evalCase{
		{`string.format("%s", 1e21)`, `1000000000000000000000`, ""},
		{`string.format("%s", 2^63)`, `9223372036854776000`, ""},
		{`string.format("%s|%s", 0.00001, 5e-7)`, `0.00001|5e-07`, ""},
		{`string.format("%s", 0.1 * 3)`, `0.30000000000000004`, ""},
		{`string.format("%s", 1/0)`, `inf`, ""},
		{`string.format("%s", rec.big)`, `12345678901234567891`, ""},
		{`string.format("%s", rec.f)`, `1.5`, ""},
		{`string.format("%s", rec.o)`, `{"x":[1]}`, ""},
		{`string.format("%s %s %s", json.null, nil, true)`, `null nil true`, ""},
		{`string.format("%s", setmetatable({}, {__tostring = function() return 1e21 end}))`, `1000000000000000000000`, ""},
		{`string.format("%s", 1e21) == tostring(1e21)`, `true`, ""},
		{`string.format("[%5s|%-5s|%.2s|%5.1s]", "ab", "ab", "abc", "xyz")`, `[   ab|ab   |ab|    x]`, ""},
		{`string.format("%3s", "héé")`, `héé`, ""},
		{`string.format("%q", "a\"b\\c")`, `"a\"b\\c"`, ""},
		{`string.format("%q", "a\nb\r\0") == '"a\\\nb\\r\\000"'`, `true`, ""},
		{`string.format("%q", 1e21)`, `"1000000000000000000000"`, ""},
		{`string.format("%c%c%3c", 72, 105, 33)`, `Hi  !`, ""},
		{`string.format("100%% of %s", "x")`, `100% of x`, ""},
		{`string.format("[%s|%s]", setmetatable({}, {__tostring = function() return string.format("<%d>", 42) end}), "z")`, `[<42>|z]`, ""},
		{`("%s-%s"):format(1e21, rec.big)`, `1000000000000000000000-12345678901234567891`, ""},
		{`string.format("%s")`, "", "bad argument #2 to format (value expected, got no value)"},
		{`string.format("%q", {})`, "", "string expected, got table"},
		{`string.format("%y", 1)`, "", "invalid option '%y' to 'format'"},
		{`string.format("50%", 1)`, "", "invalid conversion '%' at the end of the format"},
		{`string.format("%123d", 1)`, "", "invalid format (width or precision too long)"},
		{`string.format("%5.123f", 1)`, "", "invalid format (width or precision too long)"},
		{`string.format("%------d", 1)`, "", "invalid format (repeated flags)"},
	})
}

func TestStringFormatIntegers(t *testing.T) {
	runEval(t, formatDoc, []evalCase{
		{`string.format("%d", 1e21)`, `1000000000000000000000`, ""},
		{`string.format("%d", 2^63)`, `9223372036854775808`, ""},
		{`string.format("%d", -2^63)`, `-9223372036854775808`, ""},
		{`string.format("%d", 2^53 + 1)`, `9007199254740992`, ""},
		{`string.format("%d", rec.big)`, `12345678901234567891`, ""},
		{`string.format("%d", -rec.big)`, `-12345678901234567891`, ""},
		{`string.format("%i", rec.neg)`, `-9223372036854775808`, ""},
		{`string.format("%d|%d|%d", 3.7, -3.7, -0.0)`, `3|-3|0`, ""},
		{`string.format("%d|%d", "12", "12345678901234567891")`, `12|12345678901234567891`, ""},
		{`string.format("%d", " 2e2 ")`, `200`, ""},
		{`string.format("[%5.3d|%-5d|%+d|% d|%05d|%.0d]", 7, 7, 5, 5, -7, 0)`, `[  007|7    |+5| 5|-0007|]`, ""},
		{`string.format("%30d|%-25d|", rec.big, rec.big)`, `          12345678901234567891|12345678901234567891     |`, ""},
		{`string.format("%x|%X|%o", 255, 255, 8)`, `ff|FF|10`, ""},
		{`string.format("%#x|%#o|%#x", 255, 8, 0)`, `0xff|010|0`, ""},
		{`string.format("%x|%u", -1, -1)`, `ffffffffffffffff|18446744073709551615`, ""},
		{`string.format("%x", rec.big)`, `ab54a98ceb1f0ad3`, ""},
		{`string.format("%x", rec.neg)`, `8000000000000000`, ""},
		{`string.format("%X", bigint.new("-100000000000000000000"))`, `-56BC75E2D63100000`, ""},
		{`string.format("%d", 1/0)`, "", "number has no integer representation, got inf"},
		{`string.format("%d", 0/0)`, "", "number has no integer representation, got nan"},
		{`string.format("%d", "x")`, "", "bad argument #2 to format (number expected, got string)"},
		{`string.format("%d", {})`, "", "number expected, got table"},
		{`string.format("%d %d", 1)`, "", "bad argument #3 to format (number expected, got no value)"},
	})
}

func TestStringFormatFloats(t *testing.T) {
	runEval(t, formatDoc, []evalCase{
		{`string.format("%f", 0.1)`, `0.100000`, ""},
		{`string.format("%.2f|%.0f|%.0f", 2.675, 0.5, 1.5)`, `2.67|0|2`, ""},
		{`string.format("%.1f", 1e21)`, `1000000000000000000000.0`, ""},
		{`string.format("%.0f", 2^63)`, `9223372036854775808`, ""},
		{`string.format("%.3f", rec.big)`, `12345678901234567891.000`, ""},
		{`string.format("%.3f", rec.f)`, `1.500`, ""},
		{`string.format("%e|%E", 12345.678, 0.00012)`, `1.234568e+04|1.200000E-04`, ""},
		{`string.format("%e", rec.big)`, `1.234568e+19`, ""},
		{`string.format("%g|%g|%g|%g", 100000, 1e6, 1/3, 0.0001)`, `100000|1e+06|0.333333|0.0001`, ""},
		{`string.format("%g|%G", 1e21, 1e-10)`, `1e+21|1E-10`, ""},
		{`string.format("%.17g", 0.1)`, `0.10000000000000001`, ""},
		{`string.format("%#g|%#.0f", 1.5, 3)`, `1.50000|3.`, ""},
		{`string.format("[%10.4g|%-10.2f|%+.1e|%08.3f]", math.pi, math.pi, math.pi, -math.pi)`, `[     3.142|3.14      |+3.1e+00|-003.142]`, ""},
		{`string.format("%f|%e|%g|%G", 1/0, -1/0, 0/0, 1/0)`, `inf|-inf|nan|INF`, ""},
		{`string.format("[%6.1f|%-6f|%+f|%06f]", -1/0, 1/0, 1/0, 1/0)`, `[  -inf|inf   |+inf|   inf]`, ""},
		{`string.format("%5.1f", "2.25")`, `  2.2`, ""},
		{`string.format("%f", "abc")`, "", "number expected, got string"},
		{`string.format("%f")`, "", "number expected, got no value"},
	})
}

func TestNumberTextInStringFunctions(t *testing.T) {
	runEval(t, formatDoc, []evalCase{
		{`string.rep(1e21, 2)`, `10000000000000000000001000000000000000000000`, ""},
		{`string.len(0.00001)`, `7`, ""},
		{`string.len(rec.big)`, `20`, ""},
		{`string.upper(rec.big)`, `12345678901234567891`, ""},
		{`string.sub(1e21, 1, 4)`, `1000`, ""},
		{`string.sub(2^63, -3)`, `000`, ""},
		{`string.reverse(0.00001)`, `10000.0`, ""},
		{`string.byte(1e21, -1)`, `48`, ""},
		{`string.find(0.00001, "0.0", 1, true)`, `1`, ""},
		{`string.match(5e-7, "e%-07")`, `e-07`, ""},
		{`string.match(1e21, "^1(0+)$")`, `000000000000000000000`, ""},
		{`(string.gsub(1e21, "0+", "x"))`, `1x`, ""},
		{`(string.gsub("n=N", "N", 1e21))`, `n=1000000000000000000000`, ""},
		{`(string.gsub("a b", "%w", {a = 1e21, b = rec.big}))`, `1000000000000000000000 12345678901234567891`, ""},
		{`(string.gsub("a b", "%w", function(c) if c == "a" then return 0.00001 end end))`, `0.00001 b`, ""},
		{`(string.gsub("ab", "()", {[1] = 1e21}))`, `1000000000000000000000ab`, ""},
		{`(string.gsub("ab", "(a)(b)", function(x, y) return y .. x end))`, `ba`, ""},
		{`select(2, string.gsub("aaa", "a", "b", 2))`, `2`, ""},
		{`(function() local it = string.gmatch(1e21, "0000") return it() .. "," .. it() end)()`, `0000,0000`, ""},
		{`(function() local s = "" for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do s = s .. k .. v end return s end)()`, `a1b2`, ""},
		{`(function() local s = "" for w in string.gfind("x y", "%a") do s = s .. w end return s end)()`, `xy`, ""},
		{`("x"):rep(3)`, `xxx`, ""},
		{`string.upper({})`, "", "bad argument #1 to upper (string expected, got table)"},
		{`string.gsub("x", "x", true)`, "", "bad argument #3 to gsub"},
		{`string.gmatch("abc")`, "", "bad argument #2 to gmatch (string expected, got nil)"},
	})
}

func TestNumberTextInTableConcat(t *testing.T) {
	runEval(t, formatDoc, []evalCase{
		{`table.concat({1e21, 0.00001, 2^63, rec.big}, ",")`, `1000000000000000000000,0.00001,9223372036854776000,12345678901234567891`, ""},
		{`table.concat({1, 2, 3})`, `123`, ""},
		{`table.concat({1, 2, 3}, 0.5)`, `10.520.53`, ""},
		{`table.concat({"a", "b", "c"}, "-", 2)`, `b-c`, ""},
		{`table.concat({"a", "b", "c"}, "-", 2, 2)`, `b`, ""},
		{`"[" .. table.concat({"a"}, "-", 3, 2) .. "]"`, `[]`, ""},
		{`"[" .. table.concat({}) .. "]"`, `[]`, ""},
		{`table.concat(rec.arr, "|")`, `1|b|1000000000000000000000|12345678901234567891`, ""},
		{`table.concat(rec.arr, "|", 2, 3)`, `b|1000000000000000000000`, ""},
		{`table.concat({1, 2}, "-", 1, 3)`, "", "invalid value (at index 3) in table for 'concat': a nil"},
		{`table.concat({1, {}}, "-")`, "", "invalid value (at index 2) in table for 'concat': a table"},
		{`table.concat(rec.o, "-")`, "", "rec.o, which is not an array"},
		{`table.concat(5)`, "", "bad argument #1 to concat (table expected, got number)"},
	})
}

func TestNumberTextInOtherFunctions(t *testing.T) {
	runEval(t, formatDoc, []evalCase{
		{`select(2, pcall(error, 1e21, 0))`, `1000000000000000000000`, ""},
		{`select(2, pcall(error, rec.big, 0))`, `12345678901234567891`, ""},
		{`type(select(2, pcall(error, {code = 1})))`, `table`, ""},
		{`select(2, pcall(error, "50% done", 0))`, `50% done`, ""},
		{`select(2, pcall(assert, false, 0.00001))`, `-e:1: 0.00001`, ""},
		{`select(2, pcall(assert, false, "50% done"))`, `-e:1: 50% done`, ""},
		{`select(2, pcall(assert, false))`, `-e:1: assertion failed!`, ""},
		{`select(2, pcall(assert, nil, {code = 1})).code`, `1`, ""},
		{`select("#", assert(1, 2, 3))`, `3`, ""},
		{`json.encode(strings.split(1e21, "0000000"))`, `["1","","",""]`, ""},
		{`strings.replace(0.00001, "0", "o")`, `o.oooo1`, ""},
		{`strings.trim(1e21, "1")`, `000000000000000000000`, ""},
		{`strings.has_prefix(rec.big, "1234")`, `true`, ""},
		{`strings.join({1e21, rec.big}, 0.5)`, `10000000000000000000000.512345678901234567891`, ""},
		{`(function() local parts, i = {"return '", 1e21, "'"}, 0 return load(function() i = i + 1 return parts[i] end)() end)()`, `1000000000000000000000`, ""},
		{`loadstring("return " .. 1e21)()`, `1000000000000000000000`, ""},
		{`(function() record.set_raw(rec, 1e21) return record.raw(rec) end)()`, `1000000000000000000000`, ""},
		{`(function() local m = meta(rec) m.headers[1e21] = 0.00001 return m.headers["1000000000000000000000"] end)()`, `0.00001`, ""},
	})

	res := runScript(t, inline(`error(1e21)`), `{}`)
	if got := errText(res.err); got != "-e:1: 1000000000000000000000" {
		t.Errorf("error(1e21): %q, want the script line and the number text", got)
	}
	res = runScript(t, inline(`error({})`), `{}`)
	if got := errText(res.err); !strings.HasPrefix(got, "(error object is a table value, not a string") {
		t.Errorf("error({}): %q, want a message that names the table", got)
	}
	res = runScript(t, inline(`print(1e21, 0.00001, rec.big, 2^63)`), formatDoc)
	if res.err != nil || res.stderr != "1000000000000000000000\t0.00001\t12345678901234567891\t9223372036854776000\n" {
		t.Errorf("print: stderr %q, %v", res.stderr, res.err)
	}
}

func TestNumberTextInFileWrites(t *testing.T) {
	file := filepath.Join(t.TempDir(), "out.txt")
	code := `local f = assert(io.open(` + quoteLua(file) + `, "w"))
f:write(1e21, " ", 0.00001, " ", rec.big, "\n")
f:close()
io.write("")`
	res := runScript(t, Options{Source: code, Inline: true, AllowIO: true}, formatDoc)
	if res.err != nil {
		t.Fatal(res.err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1000000000000000000000 0.00001 12345678901234567891\n"; string(got) != want {
		t.Errorf("file:write wrote %q, want %q", got, want)
	}
}
