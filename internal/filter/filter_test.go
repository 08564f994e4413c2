package filter

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage/stagetest"
)

// run runs etl-filter in-process and returns its stdout, stderr and exit
// code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	return stdout.String(), stderr.String(), code
}

const orders = `{"id":1,"status":"paid","amount":120.50,"country":"FR"}
{"id":2,"status":"open","amount":"80","country":"DE"}
{"id":3,"status":"paid","amount":99.99}
{"id":4,"status":"paid","amount":1.0e2,"refund":true}
{"id":5,"amount":null,"big":12345678901234567891}
`

func TestFilterPlainLines(t *testing.T) {
	tests := []struct {
		args []string
		ids  string
	}{
		{[]string{`status == "paid"`}, "1 3 4"},
		{[]string{"-v", `status == "paid"`}, "2 5"},
		{[]string{`status == "paid" and amount > 100`}, "1"},
		{[]string{`amount >= 100`}, "1 4"},
		{[]string{`amount == 100`}, "4"},
		{[]string{`amount == null`}, "5"},
		{[]string{`exists(amount)`}, "1 2 3 4 5"},
		{[]string{`not exists(country)`}, "3 4 5"},
		{[]string{`country in ["FR", "DE"]`}, "1 2"},
		{[]string{`country not in ["FR", "DE"]`}, "3 4 5"},
		{[]string{`country =~ "^F"`}, "1"},
		{[]string{`refund`}, "4"},
		{[]string{`not refund`}, "1 2 3 5"},
		{[]string{`num(amount) < 100`}, "2 3"},
		{[]string{`big == 12345678901234567891`}, "5"},
		{[]string{`big > 12345678901234567890.99`}, "5"},
		{[]string{`amount * 2 > 150`}, "1 3 4"},
		{[]string{`amount != 80`}, "1 2 3 4 5"},
		{[]string{`id % 2 == 0 || id == 5`}, "2 4 5"},
		{[]string{`nosuch > 1`}, ""},
		{[]string{"-v", `nosuch > 1`}, "1 2 3 4 5"},
	}
	for _, tc := range tests {
		stdout, stderr, code := run(t, orders, tc.args...)
		if code != 0 {
			t.Errorf("%q: exit code %d, stderr %s", tc.args, code, stderr)
			continue
		}
		if got := ids(t, stdout); got != tc.ids {
			t.Errorf("%q kept ids %q, want %q", tc.args, got, tc.ids)
		}
	}
}

// ids lists the "id" of each output line.
func ids(t *testing.T, out string) string {
	t.Helper()
	var list []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var v struct{ ID json.Number }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		list = append(list, v.ID.String())
	}
	return strings.Join(list, " ")
}

func TestFilterKeepsBytes(t *testing.T) {
	in := `{ "a" : 1.0 , "n" : 12345678901234567891, "s":"\u00e9" }` + "\n"
	stdout, _, code := run(t, in, "a == 1")
	if code != 0 || stdout != in {
		t.Errorf("got %q, want the line unchanged", stdout)
	}
}

func TestFilterStrict(t *testing.T) {
	stdout, stderr, code := run(t, orders, "--strict", "amount > 100")
	if code != cli.ExitFailure {
		t.Errorf("exit code %d, want %d", code, cli.ExitFailure)
	}
	if ids(t, stdout) != "1" {
		t.Errorf("stdout %q, want the first record only", stdout)
	}
	if want := `etl-filter: line 2: cannot compare amount (the string "80") with 100 (the number 100)`; strings.TrimSpace(stderr) != want {
		t.Errorf("stderr\n got %s\nwant %s", stderr, want)
	}

	stdout, stderr, code = run(t, orders, "--strict", "--on-error", "skip", "amount > 100")
	if code != 0 || ids(t, stdout) != "1" || !strings.Contains(stderr, "2 skipped") {
		t.Errorf("strict skip: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	stdout, _, code = run(t, orders, "--strict", "--on-error", "pass", "amount > 100")
	if code != 0 || ids(t, stdout) != "1 2 5" {
		t.Errorf("strict pass: code %d, stdout %q", code, stdout)
	}
}

func TestFilterLineErrors(t *testing.T) {
	in := "{\"a\":1}\n\n[1,2]\n{\"a\":2}\n"
	stdout, stderr, code := run(t, in, "a > 0")
	if code != cli.ExitFailure || stdout != "{\"a\":1}\n" || strings.TrimSpace(stderr) != "etl-filter: line 3: the line is not a JSON object" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	stdout, _, code = run(t, in, "-v", "--on-error", "skip", "a > 0")
	if code != 0 || stdout != "\n" {
		t.Errorf("a blank line has no fields, so -v keeps it: code %d, stdout %q", code, stdout)
	}
}

func TestFilterEnvelope(t *testing.T) {
	lines := []string{
		`{"etl_envelope":1,"topic":"orders","partition":0,"offset":7,"timestamp":1442018818771,"key":"order-1","headers":[{"key":"source","value":"web"}],"value":{"amount":5}}`,
		`{"etl_envelope":1,"topic":"orders","partition":1,"offset":8,"timestamp":null,"key":"order-2","headers":[{"key":"source","value":"app"}],"value":null}`,
		`{"etl_envelope":1,"topic":"orders","partition":1,"offset":9,"timestamp":null,"key":null,"headers":[],"value_text":"{\"not\":json}"}`,
	}
	in := strings.Join(lines, "\n") + "\n"
	tests := []struct {
		cond string
		keep []int
	}{
		{`@key =~ "^order-"`, []int{0, 1}},
		{`@headers.source == "web"`, []int{0}},
		{`@partition == 1`, []int{1, 2}},
		{`@offset >= 8 and @key == null`, []int{2}},
		{`@topic == "orders" and @timestamp > 0`, []int{0}},
		{`@timestamp == null`, []int{1, 2}},
		{`amount == 5`, []int{0}},
		{`not exists(amount)`, []int{1, 2}},
		{`exists(\not)`, []int{}},
		{`\not == null`, []int{0, 1, 2}},
	}
	for _, tc := range tests {
		stdout, stderr, code := run(t, in, tc.cond)
		if code != 0 {
			t.Errorf("%s: exit code %d, stderr %s", tc.cond, code, stderr)
			continue
		}
		var want string
		for _, i := range tc.keep {
			want += lines[i] + "\n"
		}
		if stdout != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.cond, stdout, want)
		}
	}
}

func TestFilterUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{`status = "paid"`}, "etl-filter: invalid condition: unexpected =: an assignment goes at the start, as in total = price * qty; to compare, write == at column 8\n    status = \"paid\"\n           ^"},
		{[]string{`amount + 1`}, `"amount + 1" is a number, not a condition`},
		{[]string{}, "expected \"<condition>\""},
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

func readSample(t testing.TB, name string) []string {
	return stagetest.ReadLines(t, "testdata/"+name)
}

func TestFilterWikiticker(t *testing.T) {
	lines := readSample(t, "wikiticker-sample.ndjson.gz")
	in := strings.Join(lines, "\n") + "\n"

	stdout, stderr, code := run(t, in, "-v", "delta == added - deleted")
	if code != 0 || stdout != "" {
		t.Errorf("delta == added - deleted fails on: %s (code %d, stderr %s)", stdout, code, stderr)
	}

	robots := 0
	for _, line := range lines {
		var v struct{ IsRobot bool }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		if v.IsRobot {
			robots++
		}
	}
	stdout, _, _ = run(t, in, "isRobot")
	if got := strings.Count(stdout, "\n"); got != robots || got == 0 {
		t.Errorf("isRobot kept %d records, encoding/json counts %d", got, robots)
	}
	stdout, _, _ = run(t, in, "-v", "isRobot")
	if got := strings.Count(stdout, "\n"); got != len(lines)-robots {
		t.Errorf("-v isRobot kept %d records, want %d", got, len(lines)-robots)
	}
}

func BenchmarkFilterTwoFields(b *testing.B) {
	lines := readSample(b, "wikiticker-sample.ndjson.gz")
	pred, err := expr.CompilePredicate(`isRobot and delta > 100`)
	if err != nil {
		b.Fatal(err)
	}
	proc := &Processor{pred: pred, env: expr.NewEnv(expr.Options{Scale: expr.DefaultScale}), checkJSON: true}
	if stagetest.BenchmarkProcessor(b, proc, lines) == 0 {
		b.Fatal("nothing was kept")
	}
}

func TestFilterNoAllocationPerRecord(t *testing.T) {
	pred, err := expr.CompilePredicate(`isRobot and delta > 100 or channel =~ "^#en"`)
	if err != nil {
		t.Fatal(err)
	}
	proc := &Processor{pred: pred, env: expr.NewEnv(expr.Options{Scale: expr.DefaultScale})}
	line := []byte(readSample(t, "wikiticker-sample.ndjson.gz")[1])
	emit := func(*record.Record) error { return nil }
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

func TestFilterValueText(t *testing.T) {
	cases := []struct {
		name      string
		value     string // the envelope's value field
		condition string
		kept      bool
	}{
		{"object text with a trailing space", `"value_text":"{\"a\":1} "`, "a == 1", false},
		{"object text with a leading space", `"value_text":" {\"a\":1}"`, "exists(a)", false},
		{"object text is missing a field", `"value_text":"{\"a\":1} "`, "a == null", true},
		{"text null", `"value_text":"null"`, "exists(a)", false},
		{"embedded object", `"value":{"a":1}`, "a == 1", true},
		{"duplicate key reads the first", `"value":{"dup":1,"dup":2}`, "dup == 1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"etl_envelope":1,"topic":"t","partition":0,"offset":1,"key":"k",` + tc.value + "}\n"
			stdout, stderr, code := run(t, in, tc.condition)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			if kept := stdout != ""; kept != tc.kept {
				t.Errorf("%s: kept %v, want %v", tc.condition, kept, tc.kept)
			}
		})
	}
}
