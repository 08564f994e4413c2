package lua

import (
	"slices"
	"strings"
	"testing"
)

// scriptCase is one inline script run over one input value.
type scriptCase struct {
	name    string
	code    string
	in      string
	want    []string // emitted values
	wantErr string   // substring of the error; "" for success
}

func runCases(t *testing.T, cases []scriptCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runScript(t, inline(c.code), c.in)
			if c.wantErr != "" {
				if !strings.Contains(errText(res.err), c.wantErr) {
					t.Fatalf("%s on %s: error %q, want one containing %q", c.code, c.in, errText(res.err), c.wantErr)
				}
				if len(res.values) != 0 {
					t.Errorf("%s on %s: emitted %q before failing", c.code, c.in, res.values)
				}
				return
			}
			if res.err != nil {
				t.Fatalf("%s on %s: %v", c.code, c.in, res.err)
			}
			if !slices.Equal(res.values, c.want) {
				t.Errorf("%s on %s:\n got  %q\n want %q", c.code, c.in, res.values, c.want)
			}
		})
	}
}

func TestValueRead(t *testing.T) {
	const doc = `{"s":"text","n":42,"f":1.5,"t":true,"z":null,"o":{"a":{"b":"deep"}},"arr":[10,"x",null,[1,2]],"big":12345678901234567891,"neg":-9223372036854775808,"esc":"a\"b\u00e9","@timestamp":"ts","a.b":"dotted","":"empty","e":1e2}`
	runCases(t, []scriptCase{
		{"string", `rec.out = type(rec.s) .. ":" .. rec.s`, `{"s":"text"}`, []string{`{"s":"text","out":"string:text"}`}, ""},
		{"number", `return tostring(rec.n * 2)`, doc, []string{`84`}, ""},
		{"nested", `return tostring(rec.o.a.b)`, doc, []string{`deep`}, ""},
		{"missing", `return tostring(rec.nope)`, doc, []string{`nil`}, ""},
		{"missing parent", `return tostring(rec.nope and rec.nope.x)`, doc, []string{`nil`}, ""},
		{"null is nil", `return tostring(rec.z == nil)`, doc, []string{`true`}, ""},
		{"boolean", `return tostring(rec.t == true)`, doc, []string{`true`}, ""},
		{"float", `return tostring(rec.f)`, doc, []string{`1.5`}, ""},
		{"exponent", `return tostring(rec.e)`, doc, []string{`100`}, ""},
		{"array 1-based", `return tostring(rec.arr[1]) .. "," .. rec.arr[2] .. "," .. tostring(rec.arr[3]) .. "," .. rec.arr[4][2]`, doc, []string{`10,x,nil,2`}, ""},
		{"array 0 is nil", `return tostring(rec.arr[0])`, doc, []string{`nil`}, ""},
		{"array beyond end", `return tostring(rec.arr[5])`, doc, []string{`nil`}, ""},
		{"array string key", `return tostring(rec.arr["1"])`, doc, []string{`nil`}, ""},
		{"object number key", `return tostring(rec[1])`, `{"1":"one"}`, []string{`nil`}, ""},
		{"length", `return tostring(#rec.arr) .. "," .. #rec.o .. "," .. #rec`, doc, []string{`4,0,0`}, ""},
		{"escapes decoded", `return rec.esc`, doc, []string{`a"bé`}, ""},
		{"key with @", `return rec["@timestamp"]`, doc, []string{`ts`}, ""},
		{"key with dot", `return rec["a.b"]`, doc, []string{`dotted`}, ""},
		{"empty key", `return rec[""]`, doc, []string{`empty`}, ""},
		{"big integer exact", `return tostring(rec.big) .. " " .. tostring(rec.neg)`, doc, []string{`12345678901234567891 -9223372036854775808`}, ""},
		{"big integer arithmetic", `return tostring(rec.big + 1) .. " " .. tostring(rec.neg - rec.neg)`, doc, []string{`12345678901234567892 0`}, ""},
		{"tostring of object", `return tostring(rec.o)`, doc, []string{`{"a":{"b":"deep"}}`}, ""},
		{"tostring of rec", `return tostring(rec)`, `{ "a" : 1 }`, []string{`{ "a" : 1 }`}, ""},
		{"array of rec", `return tostring(rec[2])`, `[1,{"a":2}]`, []string{`{"a":2}`}, ""},
		{"text value reads nil", `return tostring(rec.x)`, `hello world`, []string{`nil`}, ""},
		{"text value tostring", `return tostring(rec)`, `hello world`, []string{`hello world`}, ""},
		{"scalar value reads nil", `return tostring(rec.x)`, `"str"`, []string{`nil`}, ""},
		{"same path equal", `return tostring(rec.o == rec.o) .. tostring(rec.o == rec.o.a)`, doc, []string{`truefalse`}, ""},
	})
}

func TestValueWrite(t *testing.T) {
	runCases(t, []scriptCase{
		{"add field", `rec.total = rec.price * rec.qty`, `{"price":2.5,"qty":4}`, []string{`{"price":2.5,"qty":4,"total":10}`}, ""},
		{"replace keeps others", `rec.a = "x"`, `{"big":12345678901234567891,"a":1,"f":1.0, "sp" : [ ] }`, []string{`{"big":12345678901234567891,"a":"x","f":1.0, "sp" : [ ] }`}, ""},
		{"nested write", `rec.customer.country = "FR"`, `{"customer":{"name":"A","country":"DE"},"n":1}`, []string{`{"customer":{"name":"A","country":"FR"},"n":1}`}, ""},
		{"delete", `rec.a = nil`, `{"a":1,"b":2}`, []string{`{"b":2}`}, ""},
		{"delete nested", `rec.o.a = nil`, `{"o":{"a":1,"b":2}}`, []string{`{"o":{"b":2}}`}, ""},
		{"delete missing", `rec.zz = nil`, `{"a":1}`, []string{`{"a":1}`}, ""},
		{"write then read", `rec.a = 5; rec.b = rec.a + 1`, `{}`, []string{`{"a":5,"b":6}`}, ""},
		{"table object", `rec.o = {x = 1}`, `{}`, []string{`{"o":{"x":1}}`}, ""},
		{"table array", `rec.l = {1, "two", true}`, `{}`, []string{`{"l":[1,"two",true]}`}, ""},
		{"empty table is object", `rec.o = {}`, `{}`, []string{`{"o":{}}`}, ""},
		{"json.array", `rec.l = json.array()`, `{}`, []string{`{"l":[]}`}, ""},
		{"json.null", `rec.n = json.null`, `{}`, []string{`{"n":null}`}, ""},
		{"create then edit", `rec.o = {}; rec.o.x = 1`, `{}`, []string{`{"o":{"x":1}}`}, ""},
		{"copy subtree", `rec.c = rec.o`, `{"o":{"k":1.0,"b":12345678901234567891}}`, []string{`{"o":{"k":1.0,"b":12345678901234567891},"c":{"k":1.0,"b":12345678901234567891}}`}, ""},
		{"table copies at assignment", `local t = {a = 1}; rec.t = t; t.a = 2`, `{}`, []string{`{"t":{"a":1}}`}, ""},
		{"string escapes", `rec.s = "q\"\\\n\t\1"`, `{}`, []string{`{"s":"q\"\\\n\t\u0001"}`}, ""},
		{"invalid utf-8", `rec.s = "a\255b"`, `{}`, []string{`{"s":"a\ufffdb"}`}, ""},
		{"big number text", `rec.n = 1e21; rec.m = 0.1`, `{}`, []string{`{"n":1000000000000000000000,"m":0.1}`}, ""},
		{"bigint write", `rec.k = rec.k`, `{"k":-9223372036854775808}`, []string{`{"k":-9223372036854775808}`}, ""},
		{"key with @", `rec["@version"] = "2"`, `{"@version":"1"}`, []string{`{"@version":"2"}`}, ""},
		{"key with dot", `rec["a.b"] = 1`, `{"a":{"b":0}}`, []string{`{"a":{"b":0},"a.b":1}`}, ""},
		{"key that needs quoting", `rec["x\"y"] = 1`, `{}`, []string{`{"x\"y":1}`}, ""},
		{"array set", `rec.l[2] = "b"`, `{"l":[1,2,3]}`, []string{`{"l":[1,"b",3]}`}, ""},
		{"array append", `rec.l[#rec.l + 1] = 4`, `{"l":[1,2,3]}`, []string{`{"l":[1,2,3,4]}`}, ""},
		{"array nil writes null", `rec.l[1] = nil`, `{"l":[1,2]}`, []string{`{"l":[null,2]}`}, ""},
		{"top-level array", `rec[1] = 0`, `[1,2]`, []string{`[0,2]`}, ""},
		{"pretty value", `rec.b = 2`, "{\n  \"a\": 1\n}", []string{"{\n  \"a\": 1,\"b\":2\n}"}, ""},
		{"array gap", `rec.l[5] = 1`, `{"l":[1]}`, nil, `the array has 1 elements, so the next one is 2`},
		{"array bad index", `rec.l.x = 1`, `{"l":[1]}`, nil, `array indexes are whole numbers`},
		{"object number key", `rec[1] = 1`, `{}`, nil, `JSON object keys are strings`},
		{"write into scalar", `rec.s.x = 1`, `{"s":"text"}`, nil, `attempt to index`},
		{"write into text", `rec.x = 1`, `not json`, nil, `the value is not JSON`},
		{"write into a malformed line", `rec.a = 2`, `{"a":[1,2}`, nil, `the line is not valid JSON`},
		{"write with a fault after the field", `rec.a = 2`, `{"a":1,,"b":2}`, nil, `the line is not valid JSON at byte 8`},
		{"write into an unquoted key", `rec.a = 2`, `{a:1}`, nil, `cannot set "a" on rec: the line is not valid JSON at byte 2`},
		{"write with a missing colon", `rec.a = 2`, `{"a" 1}`, nil, `the line is not valid JSON at byte 6`},
		{"duplicate key takes the first", `rec.dup = rec.dup + 10`, `{"dup":1,"dup":2}`, []string{`{"dup":11,"dup":2}`}, ""},
		{"nan", `rec.x = 0/0`, `{}`, nil, `cannot set rec.x: cannot write nan as JSON`},
		{"function", `rec.x = print`, `{}`, nil, `cannot write a function value as JSON`},
		{"mixed table", `rec.x = {1, a = 2}`, `{}`, nil, `mixes string keys and list indexes`},
		{"list with gap", `rec.x = {1, nil, 3}`, `{}`, nil, `gaps`},
		{"cyclic table", `local t = {}; t.t = t; rec.x = t`, `{}`, nil, `does a table contain itself`},
	})
}

func TestValueArithmeticOnMissing(t *testing.T) {
	// A missing field in arithmetic is a Lua error that names the line.
	res := runScript(t, inline("local a = 1\nrec.total = rec.price * rec.qty"), `{"price":1}`)
	if got := errText(res.err); !strings.Contains(got, "-e:2:") || !strings.Contains(got, "nil") {
		t.Errorf("error = %q, want the line -e:2 and the nil operand", got)
	}
}

func TestValueIteration(t *testing.T) {
	runCases(t, []scriptCase{
		{"pairs in order", `local ks = {} for k, v in pairs(rec) do ks[#ks+1] = k .. "=" .. tostring(v) end return table.concat(ks, ",")`,
			`{"b":1,"a":"x","n":null,"o":{"z":1}}`, []string{`b=1,a=x,n=null,o={"z":1}`}, ""},
		{"pairs on array", `local s = 0 for i, v in pairs(rec.l) do s = s + i * v end return tostring(s)`, `{"l":[5,6]}`, []string{`17`}, ""},
		{"ipairs visits null", `local n = 0 for i, v in ipairs(rec.l) do n = n + 1 end return tostring(n)`, `{"l":[1,null,3]}`, []string{`3`}, ""},
		{"ipairs on object", `local n = 0 for i, v in ipairs(rec) do n = n + 1 end return tostring(n)`, `{"a":1}`, []string{`0`}, ""},
		{"pairs on text", `local n = 0 for k in pairs(rec) do n = n + 1 end return tostring(n)`, `text`, []string{`0`}, ""},
		{"edit while iterating", `for k, v in pairs(rec) do rec[k] = nil end`, `{"a":1,"b":2}`, []string{`{}`}, ""},
		{"nested proxy from pairs", `for k, v in pairs(rec) do if type(v) == "userdata" then v.x = 1 end end`, `{"o":{}}`, []string{`{"o":{"x":1}}`}, ""},
		{"tables still iterate", `local n = 0 for k, v in pairs({a = 1, b = 2}) do n = n + v end for i, v in ipairs({4, 5}) do n = n + v end return tostring(n)`, `{}`, []string{`12`}, ""},
	})
}

func TestValueViewsByPath(t *testing.T) {
	runCases(t, []scriptCase{
		{"view sees later edits", `local o = rec.o; rec.o = {a = 2}; return tostring(o.a)`, `{"o":{"a":1}}`, []string{`2`}, ""},
		{"view of deleted", `local o = rec.o; rec.o = nil; return tostring(o.a)`, `{"o":{"a":1}}`, []string{`nil`}, ""},
		{"copy of deleted view", `local o = rec.o; rec.o = nil; rec.c = o`, `{"o":{"a":1}}`, nil, `rec.o no longer exists`},
	})
}

func TestStaleValue(t *testing.T) {
	res := runScript(t, inline(`if last then rec.prev = last.a end last = rec`), `{"a":1}`, `{"a":2}`)
	if got := errText(res.err); !strings.Contains(got, "belongs to an earlier record") {
		t.Errorf("error = %q, want one about an earlier record", got)
	}

	res = runScript(t, inline(`if last then rec.prev = json.encode({last}) end last = rec.o`), `{"o":{"a":1}}`, `{"o":{"a":2}}`)
	if got := errText(res.err); !strings.Contains(got, "rec.o belongs to an earlier record") {
		t.Errorf("error = %q, want one about an earlier record", got)
	}

	res = runScript(t, inline(`if last then rec.prev = last.a end last = json.decode(tostring(rec))`), `{"a":1}`, `{"a":2}`)
	if res.err != nil || !slices.Equal(res.values, []string{`{"a":1}`, `{"a":2,"prev":1}`}) {
		t.Errorf("copy kept across records: %q, %v", res.values, res.err)
	}
}
