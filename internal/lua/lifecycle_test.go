package lua

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/record"
)

func TestInitOncePerWorker(t *testing.T) {
	script, err := Compile(Options{Name: "s.lua", Source: `
loaded = (loaded or 0) + 1
inits = 0
function init() inits = inits + 1 seen_in_init = seen end
function process(rec)
  seen = (seen or 0) + 1
  rec.inits = inits
  rec.loaded = loaded
  rec.seen = seen
  rec.before = seen_in_init == nil
  return rec
end`})
	if err != nil {
		t.Fatal(err)
	}
	factory, err := script.Factory()
	if err != nil {
		t.Fatal(err)
	}

	for w := range 2 {
		proc, err := factory()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		emit := func(r *record.Record) error { out = append(out, string(r.Value)); return nil }
		for range 2 {
			if err := proc.Process(recordOf(`{}`), emit); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{
			`{"inits":1,"loaded":1,"seen":1,"before":true}`,
			`{"inits":1,"loaded":1,"seen":2,"before":true}`,
		}
		if !slices.Equal(out, want) {
			t.Errorf("worker %d: %q, want init run once, before the first record, in a state of its own: %q", w, out, want)
		}
		if err := proc.(*Processor).Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestFinishError(t *testing.T) {
	const src = `local n = 0
function process(rec) n = n + 1 return rec end
function finish()
  emit({count = n})
  error("finish broke after " .. n)
end`
	res := runScript(t, Options{Name: "s.lua", Source: src}, `{"a":1}`, `{"a":2}`)
	if got := errText(res.err); got != "s.lua:5: finish broke after 2" {
		t.Errorf("error %q, want the finish line and message", got)
	}
	if want := []string{`{"a":1}`, `{"a":2}`}; !slices.Equal(res.values, want) {
		t.Errorf("emitted %q, want the records only, not what the failed finish emitted", res.values)
	}

	// The error policy applies to records: a failing finish fails the
	// run under every policy.
	file := t.TempDir() + "/s.lua"
	writeFile(t, file, src)
	for _, policy := range []string{"fail", "skip", "pass"} {
		exit, stdout, stderr := runCommand(t, "{\"a\":1}\n", "--on-error", policy, file)
		if exit != cli.ExitFailure || stdout != "{\"a\":1}\n" || !strings.Contains(stderr, "etl-lua: finish: "+file+":5: finish broke after 1") {
			t.Errorf("--on-error %s: exit %d, stdout %q, stderr %q", policy, exit, stdout, stderr)
		}
	}
}

func TestInitErrorCommand(t *testing.T) {
	file := t.TempDir() + "/s.lua"
	writeFile(t, file, "function init()\n  local x = nil\n  return x.field\nend\nfunction process(rec) return rec end\n")
	exit, stdout, stderr := runCommand(t, "{\"a\":1}\n", file)
	if exit != cli.ExitFailure || stdout != "" {
		t.Errorf("exit %d, stdout %q; want exit 1 and nothing written", exit, stdout)
	}
	if want := "etl-lua: init: " + file + ":3: attempt to index a non-table object(nil) with key 'field'"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}

func TestEmitForeignValues(t *testing.T) {
	runCases(t, []scriptCase{
		{"coroutine", `return coroutine.create(function() end)`, `{}`, nil, "returned a thread value, which is not a record"},
		{"boolean key", `emit({[true] = 1})`, `{}`, nil, "emit got a table with the key true, which is neither a list of records"},
		{"fractional key", `emit({[1.5] = 1})`, `{}`, nil, "emit got a table with the key 1.5"},
		{"gaps", `emit({1, 2, nil, 4})`, `{}`, nil, "emit got a list with gaps (3 elements under keys up to 4)"},
		{"function inside", `emit({a = {b = print}})`, `{}`, nil, "cannot write a function value as JSON"},
		{"metadata", `emit(meta(rec))`, `{}`, nil, "cannot write a metadata value as JSON"},
		{"headers", `emit(meta(rec).headers)`, `{}`, nil, "cannot write a headers value as JSON"},
		{"cycle", `local t = {} t.self = t emit(t)`, `{}`, nil, "does a table contain itself?"},
		{"library table", `emit(string)`, `{}`, nil, "emit got a value that cannot be a record's JSON value"},
		{"nan", `emit(0/0)`, `{}`, nil, "cannot write nan as JSON"},
		{"list element userdata", `return {rec, coroutine.create(print)}`, `{}`, nil, "returned a list whose element 2 is a thread value"},
		{"stale record", `if old then emit(old) end old = rec`, `{}`, []string{`{}`}, ""},
		{"bigint", `emit(bigint.new("123456789012345678901234567890")) return nil`, `{}`, []string{`123456789012345678901234567890`}, ""},
		{"empty table with a metatable", `emit(setmetatable({}, {})) return nil`, `{}`, nil, ""},
		{"decoded list is one value", `emit(json.decode("[1,2]")) return nil`, `{}`, []string{`[1,2]`}, ""},
	})

	res := runScript(t, inline(`if old then emit(old) end old = rec`), `{"a":1}`, `{"a":2}`)
	if got := errText(res.err); !strings.Contains(got, "rec of an earlier record, whose value is gone") {
		t.Errorf("emit of an earlier record: %q", got)
	}
}

func TestArrayIndexing(t *testing.T) {
	var arr strings.Builder
	arr.WriteString(`{"l":[`)
	for i := range 5000 {
		if i > 0 {
			arr.WriteByte(',')
		}
		arr.WriteString(itoa(i))
	}
	arr.WriteString(`],"m":[[1,2],[3,4]],"big":[12345678901234567891,1.50]}`)
	doc := arr.String()

	runEval(t, doc, []evalCase{
		{`(function() local s = 0 for i = 1, #rec.l do s = s + rec.l[i] end return s end)()`, `12497500`, ""},
		{`(function() local s = 0 for i = #rec.l, 1, -1 do s = s + rec.l[i] end return s end)()`, `12497500`, ""},
		{`(function() local a = rec.l[3] rec.l[3] = 100 return a .. "," .. rec.l[3] .. "," .. rec.l[4] .. "," .. #rec.l end)()`, `2,100,3,5000`, ""},
		{`(function() local n = #rec.l rec.l[n + 1] = "x" return #rec.l .. "," .. rec.l[n + 1] .. "," .. tostring(rec.l[n + 2]) end)()`, `5001,x,nil`, ""},
		{`(function() local s = "" for i = 1, 2 do for j = 1, 2 do s = s .. rec.m[i][j] end end return s end)()`, `1234`, ""},
		{`(function() local m = rec.m return m[1][2] .. m[2][1] .. m[1][1] .. m[2][2] end)()`, `2314`, ""},
		{`tostring(rec.l[0]) .. tostring(rec.l[-1]) .. tostring(rec.l[5001]) .. tostring(rec.l[1.5])`, `nilnilnilnil`, ""},
		{`rec.big[1] .. "," .. rec.big[2] .. "," .. rec.big[1]`, `12345678901234567891,1.5,12345678901234567891`, ""},
		{`(function() local r = record.new({l = {5, 6, 7}}) return r.l[1] + r.l[2] + r.l[3] + #r.l end)()`, `21`, ""},
	})
}

func TestStringRep(t *testing.T) {
	runEval(t, `{}`, []evalCase{
		{`#string.rep("abc", 1000003)`, `3000009`, ""},
		{`(function() local s = string.rep("abc", 1000003) return s:sub(-7) .. tostring(s:find("cc", 1, true)) .. tostring(s:find("aa", 1, true)) end)()`, `cabcabcnilnil`, ""},
		{`string.rep("ab", 1048577):sub(2097150)`, `babab`, ""},
		{`"[" .. string.rep("x", 0) .. string.rep("x", -3) .. string.rep("", 1e9) .. "]"`, `[]`, ""},
		{`string.rep(5, 3)`, `555`, ""},
		{`string.rep("xy", 2^62)`, "", "do not fit in memory"},
	})

	opts := inline(`local s = string.rep("x", 1e11)`)
	opts.Timeout = 20 * time.Millisecond
	res := runScript(t, opts, `{}`)
	if got := errText(res.err); !strings.HasPrefix(got, "-e:1: the script ran longer than its budget of 20ms per call") {
		t.Errorf("string.rep beyond the budget: %q, want the budget error on line 1", got)
	}
}

func TestClampLine(t *testing.T) {
	s := &Script{opts: Options{Name: "-e"}, lines: 2}
	for _, c := range []struct{ in, want string }{
		{"-e:3: the script ran longer", "-e:2: the script ran longer"},
		{"-e:2: boom", "-e:2: boom"},
		{"-e:1: boom", "-e:1: boom"},
		{"lib.lua:9: boom", "lib.lua:9: boom"},
		{"-e: boom", "-e: boom"},
		{"(error object is a table value)", "(error object is a table value)"},
	} {
		if got := s.clampLine(c.in); got != c.want {
			t.Errorf("clampLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
