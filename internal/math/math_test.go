package math

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
	"github.com/etelgo/etelgo/internal/stage/stagetest"
)

// run runs etl-math in-process and returns its stdout, stderr and exit
// code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	return stdout.String(), stderr.String(), code
}

func TestMathPlainLines(t *testing.T) {
	tests := []struct {
		name  string
		exprs []string
		in    string
		want  string
	}{
		{"compound multiply", []string{"amount *= 1.2"}, `{"amount":1819.86,"b":1.0}`, `{"amount":2183.832,"b":1.0}`},
		{"compound add", []string{"n += 1"}, `{"n":9223372036854775807}`, `{"n":9223372036854775808}`},
		{"compound subtract", []string{"n -= 0.5"}, `{"n":1}`, `{"n":0.5}`},
		{"compound divide", []string{"n /= 3"}, `{"n":1}`, `{"n":0.3333333333333333}`},
		{"exact sum", []string{"x = 0.1 + 0.2"}, `{}`, `{"x":0.3}`},
		{"integers stay integers", []string{"x = 3 * 2"}, `{"a":1}`, `{"a":1,"x":6}`},
		{"spacing kept", []string{"a += 1"}, `{ "a" : 1 , "b" : [1, 2] }`, `{ "a" : 2 , "b" : [1, 2] }`},
		{"new field after the others", []string{"total = price * qty"}, `{"price":2.50,"qty":4,"z":"\u00e9"}`, `{"price":2.50,"qty":4,"z":"\u00e9","total":10.00}`},
		{"new field in an empty object", []string{"x = 1"}, `{ }`, `{"x":1 }`},
		{"new nested field", []string{"user.score = 1"}, `{"a":1}`, `{"a":1,"user":{"score":1}}`},
		{"new field in a nested object", []string{"user.score = user.id * 2"}, `{"user":{"id":7}}`, `{"user":{"id":7,"score":14}}`},
		{"deep missing parents", []string{"a.b.c = 1"}, `{"a":{}}`, `{"a":{"b":{"c":1}}}`},
		{"escaped key", []string{`id\.orig_h = 5`}, `{"id.orig_h":1}`, `{"id.orig_h":5}`},
		{"key that begins with @", []string{`\@v = \@v + 1`}, `{"@v":1}`, `{"@v":2}`},
		{"array element", []string{"a.1 *= 10"}, `{"a":[1,2,3]}`, `{"a":[1,20,3]}`},
		{"in order", []string{"a = 1", "b = a + 1", "a = b * 10"}, `{"x":0}`, `{"x":0,"a":20,"b":2}`},
		{"string result", []string{"s = str(n)"}, `{"n":1.50}`, `{"n":1.50,"s":"1.50"}`},
		{"num from string", []string{"pid = num(ProcessId)"}, `{"ProcessId":"3596"}`, `{"ProcessId":"3596","pid":3596}`},
		{"copy keeps text", []string{"y = x"}, `{"x":1.0e2}`, `{"x":1.0e2,"y":1.0e2}`},
		{"copy a string", []string{"y = x"}, `{"x":"a\u00e9\"b"}`, `{"x":"a\u00e9\"b","y":"a\u00e9\"b"}`},
		{"boolean result", []string{"big = n > 100"}, `{"n":150}`, `{"n":150,"big":true}`},
		{"null assigned", []string{"n = null"}, `{"n":1}`, `{"n":null}`},
		{"sqrt shortest", []string{"r = sqrt(2)"}, `{}`, `{"r":1.4142135623730951}`},
		{"big integers untouched", []string{"EventID += 1"}, `{"Keywords":-9223372036854775808,"EventID":4624}`, `{"Keywords":-9223372036854775808,"EventID":4625}`},
		{"blank line passes", []string{"a += 1"}, ``, ``},
		{"duplicate key: the first", []string{"a += 1"}, `{"a":1,"a":5}`, `{"a":2,"a":5}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tc.in+"\n", tc.exprs...)
			if code != 0 {
				t.Fatalf("exit code %d, stderr: %s", code, stderr)
			}
			if got := strings.TrimSuffix(stdout, "\n"); got != tc.want {
				t.Errorf("output\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMathRecordErrors(t *testing.T) {
	tests := []struct {
		name  string
		exprs []string
		in    string
		msg   string
	}{
		{"missing field", []string{"amount *= 2"}, `{"a":1}`, `etl-math: line 1: amount is missing`},
		{"null", []string{"amount *= 2"}, `{"amount":null}`, `etl-math: line 1: amount is null, not a number`},
		{"string", []string{"amount *= 2"}, `{"amount":"5"}`, `etl-math: line 1: amount is the string "5", not a number; convert it with num(amount)`},
		{"boolean", []string{"amount *= 2"}, `{"amount":true}`, `etl-math: line 1: amount is the boolean true, not a number`},
		{"division by zero", []string{"r = a / b"}, `{"a":1,"b":0.0}`, `etl-math: line 1: division by zero in "a / b"`},
		{"parent not an object", []string{"a.b = 1"}, `{"a":5}`, `etl-math: line 1: cannot set a.b: a is a number, not an object`},
		{"parent an array", []string{"a.x = 1"}, `{"a":[1]}`, `etl-math: line 1: cannot set a.x: a is an array, not an object`},
		{"not an object", []string{"a = 1"}, `[1,2]`, `etl-math: line 1: the line is an array, not a JSON object`},
		{"not JSON", []string{"a = 1"}, `hello`, `etl-math: line 1: the line is not valid JSON, not a JSON object`},
		{"metadata in a plain line", []string{"@key = str(a)"}, `{"a":1}`, `etl-math: line 1: ` + field.ErrNoMetadata.Error()},
		{"num of text", []string{"n = num(s)"}, `{"s":"12a"}`, `etl-math: line 1: num(s): the string "12a" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tc.in+"\n", tc.exprs...)
			if code != cli.ExitFailure {
				t.Errorf("exit code %d, want %d", code, cli.ExitFailure)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if got := strings.TrimSpace(stderr); got != tc.msg {
				t.Errorf("stderr\n got %s\nwant %s", got, tc.msg)
			}
		})
	}
}

func TestMathErrorPolicy(t *testing.T) {
	in := `{"a":1}` + "\n" + `{"a":"x"}` + "\n" + `{"a":3}` + "\n"

	stdout, stderr, code := run(t, in, "--on-error", "skip", "a *= 2")
	if code != 0 || stdout != `{"a":2}`+"\n"+`{"a":6}`+"\n" {
		t.Errorf("skip: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "1 skipped") {
		t.Errorf("skip: stderr %q does not count the skipped record", stderr)
	}

	stdout, _, code = run(t, in, "--on-error", "pass", "a *= 2")
	if code != 0 || stdout != `{"a":2}`+"\n"+`{"a":"x"}`+"\n"+`{"a":6}`+"\n" {
		t.Errorf("pass: code %d, stdout %q", code, stdout)
	}

	stdout, stderr, code = run(t, in, "a *= 2")
	if code != cli.ExitFailure || stdout != `{"a":2}`+"\n" || !strings.Contains(stderr, "line 2: a is the string") {
		t.Errorf("fail: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestMathNeverHalfModified(t *testing.T) {
	in := `{"a":1,"b":"x"}` + "\n"
	stdout, _, code := run(t, in, "--on-error", "pass", "a *= 10", "c = a + 1", "b *= 2")
	if code != 0 || stdout != in {
		t.Errorf("a record whose third expression fails: code %d, stdout %q, want it unchanged", code, stdout)
	}

	prog, err := Compile([]string{"a *= 10", "@key = str(a)", "@headers.h = \"v\"", "b *= 2"}, expr.Options{Scale: 16, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := &record.Record{Value: []byte(`{"a":1,"b":"x"}`), Key: []byte("k"), Headers: []record.Header{{Key: "h", Value: []byte("old")}}, HasMeta: true}
	before := rec.Clone()
	err = prog.NewProcessor().Process(rec, func(*record.Record) error {
		t.Error("a failed record was emitted")
		return nil
	})
	if !errors.Is(err, expr.ErrType) {
		t.Fatalf("Process error = %v, want ErrType", err)
	}
	if string(rec.Value) != string(before.Value) || string(rec.Key) != string(before.Key) || string(rec.Headers[0].Value) != "old" {
		t.Errorf("the failed record changed: %+v", rec)
	}
}

func TestMathEnvelope(t *testing.T) {
	in := strings.Join([]string{
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":1,"timestamp":1442018818771,"key":"k1","headers":[{"key":"h","value":"a"},{"key":"h","value":"b"},{"key":"x","value":"y"}],"value":{"id":7,"amount":10}}`,
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":2,"key":"k2","value":null}`,
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":3,"key":"k3","value_text":"not json"}`,
	}, "\n") + "\n"
	stdout, stderr, code := run(t, in, "amount *= 1.5", "@headers.h = str(@offset * 2)", "@headers.new = @topic")
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), stdout)
	}
	want := []string{
		`"key":"k1"`,
		`"headers":[{"key":"h","value":"2"},{"key":"x","value":"y"},{"key":"new","value":"t"}]`,
		`"value":{"id":7,"amount":15.0}`,
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("line 1 lacks %s:\n%s", w, lines[0])
		}
	}
	if !strings.Contains(lines[1], `"value":null`) || !strings.Contains(lines[1], `"headers":[{"key":"h","value":"4"},{"key":"new","value":"t"}]`) {
		t.Errorf("tombstone: want the value null and the metadata assigned: %s", lines[1])
	}
	if !strings.Contains(lines[2], `"value_text":"not json"`) {
		t.Errorf("text value changed: %s", lines[2])
	}

	// The key from a value field.
	stdout, stderr, code = run(t, strings.SplitAfter(in, "\n")[0], "@key = str(id)")
	if code != 0 || !strings.Contains(stdout, `"key":"7"`) {
		t.Errorf("@key = str(id): code %d, stdout %s, stderr %s", code, stdout, stderr)
	}
}

func TestMathEnvelopeScalarValue(t *testing.T) {
	in := `{"etl_envelope":1,"topic":"t","partition":0,"offset":2,"timestamp":null,"key":"k2","headers":[],"value":42}` + "\n"
	_, stderr, code := run(t, in, "amount *= 2")
	if code != cli.ExitFailure || !strings.Contains(stderr, "the value is a number, not a JSON object") {
		t.Errorf("value assignment on a number: code %d, stderr %s", code, stderr)
	}

	stdout, stderr, code := run(t, in, `@key = str(@offset)`)
	if code != 0 || !strings.Contains(stdout, `"key":"2"`) || !strings.Contains(stdout, `"value":42`) {
		t.Errorf("metadata assignment alone: code %d, stdout %s, stderr %s", code, stdout, stderr)
	}
}

func TestMathEnvelopeMetadataOnTombstone(t *testing.T) {
	in := `{"etl_envelope":1,"topic":"t","partition":0,"offset":2,"key":"k2","value":null}` + "\n"
	stdout, stderr, code := run(t, in, "amount *= 2", `@key = "deleted"`)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, `"key":"deleted"`) || !strings.Contains(stdout, `"value":null`) {
		t.Errorf("tombstone: metadata assignments apply and the value stays null; got %s", stdout)
	}
}

func TestMathUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"amount *= )"}, "etl-math: invalid expression: expected a number, a string, a field or (, found \")\" at column 11\n    amount *= )\n              ^"},
		{[]string{"a = 1", "b ="}, "etl-math: invalid expression 2: expected a number, a string, a field or (, found the end of the expression at column 4\n    b =\n       ^"},
		{[]string{"@topic = \"x\""}, "cannot assign to @topic"},
		{[]string{"--scale", "2000", "a = 1"}, "invalid --scale 2000"},
		{[]string{"--rounding", "sideways", "a = 1"}, "--rounding must be one of"},
	}
	for _, tc := range tests {
		_, stderr, code := run(t, "", tc.args...)
		if code != cli.ExitUsage {
			t.Errorf("%q: exit code %d, want %d", tc.args, code, cli.ExitUsage)
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: stderr\n%s\nwant it to contain\n%s", tc.args, stderr, tc.want)
		}
	}
}

func TestMathScaleAndRounding(t *testing.T) {
	stdout, stderr, code := run(t, `{"a":2,"b":3}`+"\n", "--scale", "2", "--rounding", "half-up", "q = a / b", "r = round(2.5)")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if want := `{"a":2,"b":3,"q":0.67,"r":3}` + "\n"; stdout != want {
		t.Errorf("got %s want %s", stdout, want)
	}
}

// readSample returns the lines of a gzipped test data file.
func readSample(t testing.TB, name string) []string {
	return stagetest.ReadLines(t, "testdata/"+name)
}

func TestMathWindowsEventsKeepKeywords(t *testing.T) {
	lines := readSample(t, "windows-security-events-sample.ndjson.gz")
	stdout, stderr, code := run(t, strings.Join(lines, "\n")+"\n", "EventID *= 10", "EventID += 1")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	out := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(out) != len(lines) {
		t.Fatalf("got %d lines, want %d", len(out), len(lines))
	}

	keywords := regexp.MustCompile(`"Keywords":-?[0-9]+`)
	eventID := regexp.MustCompile(`"EventID":([0-9]+)`)
	seen := map[string]bool{}
	for i := range lines {
		in, got := lines[i], out[i]
		kwIn, kwOut := keywords.FindString(in), keywords.FindString(got)
		if kwIn == "" || kwIn != kwOut {
			t.Fatalf("line %d: Keywords %q became %q", i+1, kwIn, kwOut)
		}
		seen[kwIn] = true

		idIn, _ := strconv.Atoi(eventID.FindStringSubmatch(in)[1])
		idOut, _ := strconv.Atoi(eventID.FindStringSubmatch(got)[1])
		if idOut != idIn*10+1 {
			t.Fatalf("line %d: EventID %d became %d, want %d", i+1, idIn, idOut, idIn*10+1)
		}
		if eventID.ReplaceAllString(in, "") != eventID.ReplaceAllString(got, "") {
			t.Fatalf("line %d: bytes other than EventID changed", i+1)
		}
	}
	if len(seen) != 4 {
		t.Errorf("the sample holds %d distinct Keywords values, want all 4 of the data set", len(seen))
	}
}

func TestMathWikitickerInvariant(t *testing.T) {
	lines := readSample(t, "wikiticker-sample.ndjson.gz")
	stdout, stderr, code := run(t, strings.Join(lines, "\n")+"\n", "check = added - deleted - delta")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, `,"check":0}`); n != len(lines) {
		t.Errorf("%d of %d records have added - deleted - delta == 0", n, len(lines))
	}
}

// benchmarkProcessor runs one Processor over lines, as RunStream would
// without the reading and writing.
func benchmarkProcessor(b *testing.B, proc stage.Processor, lines []string) {
	if stagetest.BenchmarkProcessor(b, proc, lines) == 0 {
		b.Fatal("nothing was emitted")
	}
}

func BenchmarkCompoundAssignment(b *testing.B) {
	prog, err := Compile([]string{"delta *= 1.2"}, expr.Options{Scale: expr.DefaultScale, Strict: true})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkProcessor(b, prog.NewProcessor(), readSample(b, "wikiticker-sample.ndjson.gz"))
}

func BenchmarkAssignmentTwoFields(b *testing.B) {
	prog, err := Compile([]string{"net = added - deleted"}, expr.Options{Scale: expr.DefaultScale, Strict: true})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkProcessor(b, prog.NewProcessor(), readSample(b, "wikiticker-sample.ndjson.gz"))
}

func BenchmarkWindowsEventID(b *testing.B) {
	prog, err := Compile([]string{"EventID += 1"}, expr.Options{Scale: expr.DefaultScale, Strict: true})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkProcessor(b, prog.NewProcessor(), readSample(b, "windows-security-events-sample.ndjson.gz"))
}

func TestMathNoAllocationPerRecord(t *testing.T) {
	prog, err := Compile([]string{"delta *= 1.2", "net = added - deleted"}, expr.Options{Scale: expr.DefaultScale, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	proc := prog.NewProcessor()
	lines := readSample(t, "wikiticker-sample.ndjson.gz")
	emit := func(*record.Record) error { return nil }
	line := []byte(lines[0])
	var rec record.Record
	allocs := testing.AllocsPerRun(200, func() {
		rec = record.Record{Value: line, Line: 1}
		if err := proc.Process(&rec, emit); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Process allocates %v times per record, want 0", allocs)
	}
}

func TestMathValueNotJSON(t *testing.T) {
	cases := []struct {
		name  string
		value string // the envelope's value field
		args  []string
		want  string // a part of the output line
	}{
		{"object text with a trailing space", `"value_text":"{\"a\":1} "`, []string{"z = 1"}, `"value_text":"{\"a\":1} "`},
		{"object text with a leading space", `"value_text":" {\"a\":1}"`, []string{"a += 1"}, `"value_text":" {\"a\":1}"`},
		{"text null", `"value_text":"null"`, []string{"a = 1"}, `"value_text":"null"`},
		{"read from object text", `"value_text":"{\"a\":1} "`, []string{"@key = str(exists(a))"}, `"key":"false"`},
		{"read from object text with a value edit", `"value_text":"{\"a\":1} "`, []string{"z = 1", "@key = str(exists(a))"}, `"key":"false"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"etl_envelope":1,"topic":"t","partition":0,"offset":1,"key":"k",` + tc.value + "}\n"
			stdout, stderr, code := run(t, in, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			if !strings.Contains(stdout, tc.want) {
				t.Errorf("output lacks %s:\n%s", tc.want, stdout)
			}
		})
	}
}

func TestMathMalformedLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
		in   string
		want string // the error, or "" for success
		out  string
	}{
		{"unclosed array", []string{"a = 2"}, `{"a":[1,2}`, "the line is not valid JSON", ""},
		{"missing colon", []string{"a = 2"}, `{"a" 1}`, "the line is not valid JSON at byte 6", ""},
		{"unquoted key", []string{"b = 2"}, `{a:1}`, "the line is not valid JSON at byte 2", ""},
		{"double comma after the field", []string{"a = 2"}, `{"a":1,,"b":2}`, "the line is not valid JSON at byte 8", ""},
		{"bytes after the object", []string{"a = 2"}, `{"a":1}}`, "the line is not valid JSON at byte 8", ""},
		{"nested fault passes", []string{"a = 2"}, `{"a":1,"b":[1 2]}`, "", `{"a":2,"b":[1 2]}`},
		{"nested fault with validate", []string{"--validate", "a = 2"}, `{"a":1,"b":[1 2]}`, "the line is not valid JSON", ""},
		{"duplicate key takes the first", []string{"dup += 10"}, `{"dup":1,"dup":2}`, "", `{"dup":11,"dup":2}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tc.in+"\n", tc.args...)
			if tc.want == "" {
				if code != 0 || stdout != tc.out+"\n" {
					t.Errorf("exit %d, stdout %q, stderr %s; want %s", code, stdout, stderr, tc.out)
				}
				return
			}
			if code != cli.ExitFailure || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}
