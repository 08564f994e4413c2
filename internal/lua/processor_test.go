package lua

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

func TestInlineResults(t *testing.T) {
	runCases(t, []scriptCase{
		{"no return keeps", `rec.a = 1`, `{}`, []string{`{"a":1}`}, ""},
		{"return rec", `return rec`, `{"x":1}`, []string{`{"x":1}`}, ""},
		{"return true", `return true`, `{"x":1}`, []string{`{"x":1}`}, ""},
		{"return nil drops", `return nil`, `{"x":1}`, nil, ""},
		{"return false drops", `return false`, `{"x":1}`, nil, ""},
		{"filter", `return rec.n > 5`, `{"n":3}`, nil, ""},
		{"empty list drops", `return {}`, `{"x":1}`, nil, ""},
		{"fan out", `return {rec, {id = 2}, "text", 7, json.null}`, `{"id":1}`, []string{`{"id":1}`, `{"id":2}`, `text`, `7`, `null`}, ""},
		{"fan out an array", `local out = {} for i, item in ipairs(rec.items) do out[i] = item end return out`,
			`{"items":[{"a":1},{"a":2.0}]}`, []string{`{"a":1}`, `{"a":2.0}`}, ""},
		{"several results", `return rec, "second"`, `{}`, []string{`{}`, `second`}, ""},
		{"record.new", `return record.new({n = 1})`, `{}`, []string{`{"n":1}`}, ""},
		{"record.new copy is independent", `local c = record.new(rec); c.a = 2; return {rec, c}`, `{"a":1}`, []string{`{"a":1}`, `{"a":2}`}, ""},
		{"record.new tombstone", `return record.new(nil)`, `{}`, []string{tombstone}, ""},
		{"record.new raw string", `return record.new("a b")`, `{}`, []string{`a b`}, ""},
		{"empty string value", `return ""`, `{}`, []string{``}, ""},
		{"set_raw", `record.set_raw(rec, "plain " .. record.raw(rec))`, `{"a":1}`, []string{`plain {"a":1}`}, ""},
		{"set_raw tombstone", `record.set_raw(rec, nil)`, `{"a":1}`, []string{tombstone}, ""},
		{"raw of tombstone", `return tostring(record.raw(record.new(nil)))`, `{}`, []string{`nil`}, ""},
		{"object table is one record", `return {a = 1}`, `{}`, []string{`{"a":1}`}, ""},
		{"json.array is one record", `return json.array({1, 2})`, `{}`, []string{`[1,2]`}, ""},
		{"decoded table is one record", `return json.decode("[3]")`, `{}`, []string{`[3]`}, ""},
		{"list with gap", `return {rec, nil, rec}`, `{}`, nil, `returned a list with gaps`},
		{"mixed table", `return {rec, a = 1}`, `{}`, nil, `mixes string keys and list indexes`},
		{"boolean in list", `return {rec, true}`, `{}`, nil, `returned a list whose element 2 is a boolean`},
		{"function", `return print`, `{}`, nil, `returned a function value, which is not a record`},
		{"runtime error", `error("bad record")`, `{}`, nil, `-e:1: bad record`},
	})
}

func TestProcessResults(t *testing.T) {
	for _, c := range []struct {
		name, script string
		want         []string
	}{
		{"return rec", `function process(rec) rec.a = 1 return rec end`, []string{`{"n":1,"a":1}`, `{"n":2,"a":1}`}},
		{"no return drops", `function process(rec) rec.a = 1 end`, nil},
		{"filter", `function process(rec) if rec.n > 1 then return rec end end`, []string{`{"n":2}`}},
		{"emit then drop", `function process(rec) emit(rec) end`, []string{`{"n":1}`, `{"n":2}`}},
		{"emit snapshot", `function process(rec) rec.v = 1 emit(rec) rec.v = 2 return rec end`,
			[]string{`{"n":1,"v":1}`, `{"n":1,"v":2}`, `{"n":2,"v":1}`, `{"n":2,"v":2}`}},
		{"emit from a helper", `local function out(r) emit({n = r.n * 10}) end function process(rec) out(rec) end`, []string{`{"n":10}`, `{"n":20}`}},
		{"emit before return", `function process(rec) emit("first") return "second" end`, []string{`first`, `second`, `first`, `second`}},
		{"init and globals", `function init() total = 100 end function process(rec) total = total + rec.n rec.total = total return rec end`,
			[]string{`{"n":1,"total":101}`, `{"n":2,"total":103}`}},
		{"finish emits", `local sum = 0 function process(rec) sum = sum + rec.n end function finish() emit({sum = sum}) return "end" end`,
			[]string{`{"sum":3}`, `end`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := runScript(t, Options{Name: "s.lua", Source: c.script}, `{"n":1}`, `{"n":2}`)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if !slices.Equal(res.values, c.want) {
				t.Errorf("got %q, want %q", res.values, c.want)
			}
		})
	}
}

func TestErrorEmitsNothing(t *testing.T) {
	in := kafkaRecord(`{"a":1}`)
	before := in.Clone()
	res := runRecords(t, Options{Name: "s.lua", Source: `
function process(rec)
  emit({early = true})
  rec.a = 2
  meta(rec).key = "changed"
  meta(rec).headers.trace = "changed"
  error("late failure")
end`}, in)
	if got := errText(res.err); got != "s.lua:7: late failure" {
		t.Errorf("error = %q, want %q", got, "s.lua:7: late failure")
	}
	if len(res.values) != 0 {
		t.Errorf("emitted %q before failing", res.values)
	}
	assertUntouched(t, before, in)
	if headerText(in.Headers) != headerText(before.Headers) {
		t.Errorf("headers changed to %s", headerText(in.Headers))
	}
}

func TestErrorThenNextRecord(t *testing.T) {
	script, err := Compile(Options{Name: "s.lua", Source: `function process(rec) if rec.bad then error("bad") end emit("e") return rec end`})
	if err != nil {
		t.Fatal(err)
	}
	proc, err := script.NewProcessor()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()

	var out []string
	emit := func(r *record.Record) error { out = append(out, string(r.Value)); return nil }
	for _, v := range []string{`{"a":1}`, `{"bad":true}`, `{"a":3}`} {
		_ = proc.Process(&record.Record{Value: []byte(v)}, emit)
	}
	if want := []string{"e", `{"a":1}`, "e", `{"a":3}`}; !slices.Equal(out, want) {
		t.Errorf("after a failed record: %q, want %q", out, want)
	}
}

func TestEmitStop(t *testing.T) {
	script, err := Compile(Options{Name: "s.lua", Source: `function process(rec) return {rec, rec} end`})
	if err != nil {
		t.Fatal(err)
	}
	proc, err := script.NewProcessor()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	err = proc.Process(&record.Record{Value: []byte(`{}`)}, func(*record.Record) error { return stage.ErrStop })
	if !errors.Is(err, stage.ErrStop) {
		t.Errorf("Process = %v, want ErrStop passed through", err)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      string
		noProcess bool
	}{
		{"no process", `x = 1`, "defines no function process", true},
		{"top-level error", `error("at load")`, "s.lua:1: at load", false},
		{"init error", `function init() local t = nil; return t.x end function process(r) end`, "init: s.lua:1:", false},
		{"emit in init", `function init() emit("x") end function process(r) end`, "emit works in process and finish only", false},
		{"true in finish", `function process(r) end function finish() return true end`, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := runScript(t, Options{Name: "s.lua", Source: c.src}, `{}`)
			if c.want == "" {
				if !strings.Contains(errText(res.err), "finish returned true") {
					t.Errorf("error = %v, want finish returned true", res.err)
				}
				return
			}
			if !strings.Contains(errText(res.err), c.want) {
				t.Errorf("error = %q, want one containing %q", errText(res.err), c.want)
			}
			if errors.Is(res.err, ErrNoProcess) != c.noProcess {
				t.Errorf("errors.Is(%v, ErrNoProcess) = %v", res.err, !c.noProcess)
			}
			var loadErr *LoadError
			if c.name != "true in finish" && !errors.As(res.err, &loadErr) {
				t.Errorf("error %T is not a *LoadError", res.err)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{inline(`rec.a = = 1`), `-e:1:9: syntax error near "="`},
		{inline(`rec.a = `), `-e:1: syntax error at the end of the code`},
		{Options{Name: "s.lua", Source: "function process(rec)\n  return rec\nend\nend\n"}, `s.lua:4:3: syntax error near "end"`},
		{inline(`goto x`), `no visible label 'x'`},
	} {
		_, err := Compile(c.opts)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%q) = %v, want a SyntaxError containing %q", c.opts.Source, err, c.want)
		}
	}
}

func TestNoResultWarning(t *testing.T) {
	const warning = "process returned no value for any record"
	res := runScript(t, Options{Name: "s.lua", Source: `function process(rec) rec.a = 1 end`}, `{}`, `{}`)
	if res.err != nil || len(res.values) != 0 {
		t.Fatalf("got %q, %v", res.values, res.err)
	}
	if !strings.Contains(res.stderr, warning) {
		t.Errorf("stderr = %q, want the warning", res.stderr)
	}

	res = runScript(t, Options{Name: "s.lua", Source: `function process(rec) if rec.keep then return rec end end`}, `{}`, `{"keep":true}`)
	if res.err != nil || len(res.values) != 1 {
		t.Fatalf("got %q, %v", res.values, res.err)
	}
	if strings.Contains(res.stderr, warning) {
		t.Errorf("stderr = %q, want no warning when a record was kept", res.stderr)
	}
}

func TestPrintGoesToStderr(t *testing.T) {
	res := runScript(t, inline(`print("seen", rec.n, 0.1, 1e21, nil, json.null)`), `{"n":1}`)
	if want := "seen\t1\t0.1\t1000000000000000000000\tnil\tnull\n"; res.stderr != want {
		t.Errorf("stderr = %q, want %q", res.stderr, want)
	}
	if len(res.values) != 1 || res.values[0] != `{"n":1}` {
		t.Errorf("values = %q", res.values)
	}
}

func TestNoopFidelity(t *testing.T) {
	inputs := []string{
		`[]`, `{}`, `null`, `1.0`, `"s"`, `12345678901234567891`,
		`{"b":1,"a":[],"c":{},"d":1.0,"e":-9223372036854775808,"f":"\u00e9\n","g":null}`,
		` { "spaced" : [ 1 , 2 ] } `, `not json at all`, ``,
	}
	for _, code := range []string{``, `return rec`, `local _ = rec.a`, `for k, v in pairs(rec) do local _ = v end`, `local _ = tostring(rec)`} {
		res := runScript(t, inline(code), inputs...)
		if res.err != nil {
			t.Fatalf("%q: %v", code, res.err)
		}
		if !slices.Equal(res.values, inputs) {
			t.Errorf("%q changed values:\n got  %q\n want %q", code, res.values, inputs)
		}
	}
}

func TestTombstoneInput(t *testing.T) {
	res := runRecords(t, inline(`rec.x = nil; return tostring(rec.a) .. tostring(record.raw(rec))`), &record.Record{Value: nil})
	if res.err != nil || len(res.values) != 1 || res.values[0] != "nilnil" {
		t.Errorf("tombstone: %q, %v", res.values, res.err)
	}
	res = runRecords(t, inline(``), &record.Record{Value: nil})
	if res.err != nil || len(res.recs) != 1 || res.recs[0].Value != nil {
		t.Errorf("tombstone kept: %+v, %v", res.recs, res.err)
	}
}

func TestParallelWorkers(t *testing.T) {
	script, err := Compile(Options{Name: "s.lua", Source: `
local seen = 0
function init() worker_total = 0 end
function process(rec)
  seen = seen + 1
  worker_total = worker_total + rec.n
  rec.seen = seen
  rec.k = rec.k + 1
  return rec
end
function finish() return record.new({total = worker_total}) end`})
	if err != nil {
		t.Fatal(err)
	}
	factory, err := script.Factory()
	if err != nil {
		t.Fatal(err)
	}

	const workers, records = 4, 200
	totals := make([]string, workers)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			proc, err := factory()
			if err != nil {
				errs <- err
				return
			}
			defer proc.(*Processor).Close()
			for i := range records {
				value := []byte(`{"n":` + itoa(i) + `,"k":12345678901234567891}`)
				err := proc.Process(&record.Record{Value: value}, func(r *record.Record) error {
					if want := `{"n":` + itoa(i) + `,"k":12345678901234567892,"seen":` + itoa(i+1) + `}`; string(r.Value) != want {
						return errors.New("worker got " + string(r.Value) + ", want " + want)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- proc.(stage.Finisher).Finish(func(r *record.Record) error {
				totals[w] = string(r.Value)
				return nil
			})
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for w, total := range totals {
		if total != `{"total":19900}` {
			t.Errorf("worker %d total = %s, want each worker to keep its own globals", w, total)
		}
	}
}

func TestValueEditsSkipped(t *testing.T) {
	envelope := func(v []byte) *record.Record {
		return &record.Record{Value: v, HasMeta: true, Partition: -1, Offset: -1}
	}
	cases := []struct {
		name string
		code string
		rec  *record.Record
		want []string
	}{
		{"tombstone", `rec.a = 1`, envelope(nil), []string{tombstone}},
		{"plain tombstone", `rec.a = 1`, &record.Record{Value: nil}, []string{tombstone}},
		{"object text with a trailing space", `rec.z = 1`, envelope([]byte(`{"a":1} `)), []string{`{"a":1} `}},
		{"object text with a leading space", `rec.a = 2`, envelope([]byte(` {"a":1}`)), []string{` {"a":1}`}},
		{"object text reads no field", `rec.z = 1; return tostring(rec.a)`, envelope([]byte(`{"a":1} `)), []string{"nil"}},
		{"text null", `rec.a = 1`, envelope([]byte(`null`)), []string{`null`}},
		{"empty envelope value", `rec.a = 1`, envelope([]byte{}), []string{``}},
		{"spaces envelope value", `rec.a = 1`, envelope([]byte(" ")), []string{` `}},
		{"blank plain line", `rec.x = 1`, &record.Record{Value: []byte("")}, []string{""}},
		{"spaces plain line", `rec.x = 1`, &record.Record{Value: []byte("  ")}, []string{"  "}},
		{"embedded object", `rec.z = 1`, envelope([]byte(`{"a":1}`)), []string{`{"a":1,"z":1}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runRecords(t, inline(tc.code), tc.rec)
			if res.err != nil {
				t.Fatalf("%s: %v", tc.code, res.err)
			}
			if !slices.Equal(res.values, tc.want) {
				t.Errorf("%s: got %q, want %q", tc.code, res.values, tc.want)
			}
		})
	}
}

func TestCommandBlankLines(t *testing.T) {
	code, stdout, stderr := runCommand(t, "{\"a\":1}\r\n\r\n{\"b\":2}\n", "-e", "rec.x=1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if want := "{\"a\":1,\"x\":1}\n\n{\"b\":2,\"x\":1}\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}
