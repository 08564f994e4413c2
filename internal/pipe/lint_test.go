package pipe

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// lint and run report the errors of the file and those of its stages in
// one pass, in the order of the file, each with file:line:col.
func TestLintReportsFileAndStageErrors(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		yaml string
		want []string // the error lines, in order, after "etl-pipe: FILE:"
		code int
	}{
		{
			name: "unknown key and bad edit",
			cmd:  "lint",
			yaml: "input: stdin\nprocesors: 2\nstages:\n  - etl-set 'bad'\n  - etl-set ok=1\noutputs:\n  - stdout\n",
			want: []string{`2:1: unknown setting "procesors"`, `4:5: etl-set: invalid edit "bad"`},
			code: 2,
		},
		{
			name: "stage error before the file error",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set 'bad'\noutputs:\n  - stdout\ndelivery: twice\n",
			want: []string{`2:5: etl-set: invalid edit "bad"`, `5:11: invalid delivery "twice"`},
			code: 2,
		},
		{
			name: "structured stage with a bad option and a bad setting",
			cmd:  "lint",
			yaml: "readers: none\nstages:\n  - set: {edtis: [a=1]}\n",
			want: []string{`1:10: invalid integer "none"`, `3:11: etl-set has no option "edtis"`},
			code: 2,
		},
		{
			name: "a stage in error in the file is not built again",
			cmd:  "lint",
			yaml: "stages:\n  - etl-kread orders\n  - etl-set 'bad'\n",
			want: []string{`2:5: `, `3:5: etl-set: invalid edit "bad"`},
			code: 2,
		},
		{
			name: "run reports both too",
			cmd:  "run",
			yaml: "input: stdin\nprocesors: 2\nstages:\n  - etl-set 'bad'\n",
			want: []string{`2:1: unknown setting "procesors"`, `4:5: etl-set: invalid edit "bad"`},
			code: 2,
		},
		{
			name: "invalid YAML stops before the stages",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set 'bad'\n outputs: [\n",
			want: []string{`2: invalid YAML`},
			code: 2,
		},
		{
			name: "invalid dead-letter topic",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\nstages:\n  - etl-set ok=1\non_error: \"dlq:bad/topic\"\n",
			want: []string{`4:1: on_error dlq:bad/topic: invalid topic "bad/topic": character '/'`},
			code: 2,
		},
		{
			name: "invalid dead-letter topic beside another error",
			cmd:  "lint",
			yaml: "procesors: 2\non_error: dlq:..\n",
			want: []string{`1:1: unknown setting "procesors"`, `2:1: on_error dlq:..: invalid topic ".."`},
			code: 2,
		},
		{
			name: "dead-letter topic read by the input",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\ninput: etl-kread other lin -g g\non_error: dlq:lin\n",
			want: []string{`3:1: on_error dlq:lin: the dead-letter topic "lin" is also the input topic "lin" (etl-kread at ` + "FILE" + `:2:8)`},
			code: 2,
		},
		{
			name: "dead-letter topic matched by the input pattern",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\ninput: etl-kread 'l.*' --regex -g g\non_error: dlq:lin\n",
			want: []string{`3:1: on_error dlq:lin: the dead-letter topic "lin" matches the input pattern "l.*" (etl-kread at ` + "FILE" + `:2:8)`},
			code: 2,
		},
		{
			name: "dead-letter topic beside an input pattern",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\ninput: etl-kread 'l.*' --regex -g g\non_error: dlq:dead-lin\n",
			code: 0,
		},
		{
			name: "input in error hides the dead-letter checks",
			cmd:  "lint",
			yaml: "input: etl-kread orders --bogus\non_error: dlq:orders\n",
			want: []string{`1:8: etl-kread: unknown flag --bogus`},
			code: 2,
		},
		{
			name: "structured input in error hides the dead-letter checks",
			cmd:  "lint",
			yaml: "input:\n  kread: {topics: [orders], group: g, bogus: 1}\non_error: dlq:dead\n",
			want: []string{`2:39: etl-kread has no option "bogus"`},
			code: 2,
		},
		{
			name: "duplicate key",
			cmd:  "lint",
			yaml: "processors: 4\nstages:\n  - etl-set ok=1\nprocessors: 1\n",
			want: []string{`4:1: duplicate key "processors", first given at FILE:1:1`},
			code: 2,
		},
		{
			name: "duplicate keys at several depths in file order",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set ok=1\n  - set: {edits: [a=1], edits: [b=2]}\nretries:\n  max: 1\n  max: 2\nstages: []\n",
			want: []string{
				`3:25: duplicate key "edits", first given at FILE:3:11`,
				`6:3: duplicate key "max", first given at FILE:5:3`,
				`7:1: duplicate key "stages", first given at FILE:1:1`,
			},
			code: 2,
		},
		{
			name: "two spellings of one option beside a setting error",
			cmd:  "lint",
			yaml: "admin: '127.0.0.1:99999'\nstages:\n  - set: {on-error: skip, edits: [a=1], on_error: pass}\n",
			want: []string{
				`1:8: invalid admin address "127.0.0.1:99999"`,
				`3:41: duplicate key "on_error", first given at FILE:3:11 as "on-error"`,
			},
			code: 2,
		},
		{
			name: "valid",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set ok=1\n",
			code: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "p.yaml")
			writeFile(t, file, tc.yaml)
			_, stderr, code := runCmd(t, "", tc.cmd, "-c", file)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			if tc.code == 0 {
				return
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d error lines, want %d:\n%s", len(lines), len(tc.want), stderr)
			}
			for i, want := range tc.want {
				want = strings.ReplaceAll(want, "FILE", file)
				if prefix := Name + ": " + file + ":" + want; !strings.HasPrefix(lines[i], prefix) {
					t.Errorf("line %d = %q, want it to begin with %q", i+1, lines[i], prefix)
				}
			}
		})
	}
}

func TestLintCountsSingularAndPlural(t *testing.T) {
	tests := []struct {
		yaml, want string
	}{
		{"stages:\n  - etl-set a=1\n", "1 stage, 1 output"},
		{"stages:\n  - etl-set a=1\n  - etl-set b=1\noutputs: [stdout, stdout]\n", "2 stages, 2 outputs"},
		{"input: stdin\n", "0 stages, 1 output"},
	}
	for _, tc := range tests {
		file := filepath.Join(t.TempDir(), "p.yaml")
		writeFile(t, file, tc.yaml)
		_, stderr, code := runCmd(t, "", "lint", "-c", file)
		if code != 0 {
			t.Fatalf("lint exited %d:\n%s", code, stderr)
		}
		if want := Name + ": " + file + " is valid: " + tc.want + "\n"; stderr != want {
			t.Errorf("lint of %q printed %q, want %q", tc.yaml, stderr, want)
		}
	}
}

// dollarConfig writes $ in every kind of value that the export prints:
// settings, command-line and structured stages, list and map options,
// and a file output. $$ is a literal $, and a $ before anything else
// than $ or { stays as it is.
const dollarConfig = `name: pay$$day
brokers: [127.0.0.1:9]
input: etl-kread 'orders' --group 'g$$1'
stages:
  - set: {edits: ["a=$${ETL_PIPE_TEST_UNSET}", "b=5$", "c=$$$$"]}
  - etl-set 'd=$${ETL_PIPE_TEST_UNSET:-x}'
  - lua: {script: SCRIPT, var: ["price=$$9", "plain=1"]}
outputs:
  - etl-kwrite 'out' --key '$$id'
  - file: {path: "/tmp/out-$$-%n.jsonl"}
transactional_id: tx-$$
on_error: dlq:dead
admin: "off"
`

// config export escapes $, so that loading the export gives back the
// same resolved configuration as loading the original file.
func TestExportRoundTripKeepsDollars(t *testing.T) {
	t.Setenv("ETL_PIPE_TEST_UNSET", "")
	os.Unsetenv("ETL_PIPE_TEST_UNSET")

	dir := t.TempDir()
	script := filepath.Join(dir, "s.lua")
	writeFile(t, script, "function process(rec) return rec end\n")
	original := filepath.Join(dir, "pipeline.yaml")
	writeFile(t, original, strings.ReplaceAll(dollarConfig, "SCRIPT", script))

	out, stderr, code := runCmd(t, "", "config", "export", "-c", original, "--json")
	if code != 0 {
		t.Fatalf("config export exited %d:\n%s", code, stderr)
	}
	exported := filepath.Join(dir, "exported.json")
	writeFile(t, exported, out)
	if _, stderr, code := runCmd(t, "", "lint", "-c", exported); code != 0 {
		t.Fatalf("lint of the export exited %d:\n%s\nexport:\n%s", code, stderr, out)
	}

	for _, key := range []string{`"edits": [`, `"topics": [`, `"var": [`} {
		if !strings.Contains(out, key) {
			t.Errorf("export lacks the key %s:\n%s", key, out)
		}
	}
	if strings.Contains(out, `"edit":`) {
		t.Errorf("export writes a list argument under its singular key:\n%s", out)
	}

	want := loadPlan(t, original)
	got := loadPlan(t, exported)
	if got.Config.Name != "pay$day" || got.Spec.TransactionalID != "tx-$" {
		t.Errorf("name %q, transactional ID %q after the round trip, want pay$day and tx-$", got.Config.Name, got.Spec.TransactionalID)
	}
	if path := got.Config.Outputs[1].File.Path; path != "/tmp/out-$-%n.jsonl" {
		t.Errorf("file path %q after the round trip, want /tmp/out-$-%%n.jsonl", path)
	}
	if !reflect.DeepEqual(want.Source.Command, got.Source.Command) {
		t.Errorf("input after the round trip = %+v, want %+v", got.Source.Command, want.Source.Command)
	}
	if len(got.Stages) != len(want.Stages) {
		t.Fatalf("%d stages after the round trip, want %d", len(got.Stages), len(want.Stages))
	}
	for i := range want.Stages {
		if !reflect.DeepEqual(want.Stages[i].Command, got.Stages[i].Command) {
			t.Errorf("stage %d after the round trip = %+v, want %+v", i+1, got.Stages[i].Command, want.Stages[i].Command)
		}
	}
	if !reflect.DeepEqual(want.Sinks[0].Command, got.Sinks[0].Command) {
		t.Errorf("etl-kwrite after the round trip = %+v, want %+v", got.Sinks[0].Command, want.Sinks[0].Command)
	}

	// The resolved values, unescaped, agree in every setting and option.
	wantJSON, err := json.Marshal(export(want))
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, err := json.Marshal(export(got))
	if err != nil {
		t.Fatal(err)
	}
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("resolved configuration after the round trip:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	if !strings.Contains(string(gotJSON), `"a=${ETL_PIPE_TEST_UNSET}","b=5$","c=$$"`) {
		t.Errorf("etl-set edits lost their literal $ after the round trip:\n%s", gotJSON)
	}
}

func loadPlan(t *testing.T, path string) *plan.Plan {
	t.Helper()
	cfg, err := config.Load(path, config.LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	p, err := plan.Build(cfg, plan.Options{})
	if err != nil {
		t.Fatalf("build %s: %v", path, err)
	}
	return p
}

func TestEscapeDollars(t *testing.T) {
	tests := map[string]string{
		`{"a$":"$x","b":["$","$$",1,true,null],"c":{"d":"${X}"}}`: `{"a$":"$$x","b":["$$","$$$$",1,true,null],"c":{"d":"$${X}"}}`,
		`[]`:                   `[]`,
		`{"n":1.50,"s":"<&>"}`: `{"n":1.50,"s":"\u003c\u0026\u003e"}`,
	}
	for in, want := range tests {
		got, err := escapeDollars([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("escapeDollars(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}

// lint and config export read a configuration whose relative paths name
// files beside it, from another working directory.
func TestLintFromAnotherWorkingDir(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	if err := os.MkdirAll(filepath.Join(conf, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(conf, "d.lua"), "function process(rec) return rec end\n")
	file := filepath.Join(conf, "p.yaml")
	writeFile(t, file, "stages:\n  - etl-lua --lua-path lib d.lua\n  - lua: {script: d.lua}\noutputs:\n  - file: {path: out/x-%n.jsonl}\nadmin: \"off\"\n")
	cwd := t.TempDir()
	t.Chdir(cwd)
	relative, err := filepath.Rel(cwd, file)
	if err != nil {
		t.Fatal(err)
	}

	if _, stderr, code := runCmd(t, "", "lint", "-c", file); code != 0 {
		t.Fatalf("lint exited %d:\n%s", code, stderr)
	}
	out, stderr, code := runCmd(t, "", "config", "export", "-c", relative)
	if code != 0 {
		t.Fatalf("config export exited %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		`"script": "` + filepath.Join(conf, "d.lua") + `"`,
		`"` + filepath.Join(conf, "lib") + `"`,
		`"path": "` + filepath.Join(conf, "out", "x-%n.jsonl") + `"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %s:\n%s", want, out)
		}
	}

	p := loadPlan(t, file)
	if got := p.Spec.Outputs[0].File.Path; got != filepath.Join(conf, "out", "x-%n.jsonl") {
		t.Errorf("file output path = %q, want it under %s", got, conf)
	}
}

func TestLintWarnsOfSmallBuffer(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.yaml")
	writeFile(t, file, "stages:\n  - etl-set a=1\nbuffer: 10\n")
	_, stderr, code := runCmd(t, "", "lint", "-c", file)
	if code != 0 {
		t.Fatalf("lint exited %d:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want a warning and the verdict:\n%s", len(lines), stderr)
	}
	if want := Name + ": " + file + ":3:9: warning: buffer 10 is below 1000"; !strings.HasPrefix(lines[0], want) {
		t.Errorf("line 1 = %q, want it to begin with %q", lines[0], want)
	}
	if want := Name + ": " + file + " is valid"; !strings.HasPrefix(lines[1], want) {
		t.Errorf("line 2 = %q, want it to begin with %q", lines[1], want)
	}
}

func TestRunChecksAdminFlagAndLogsWarnings(t *testing.T) {
	var out, stderr bytes.Buffer
	code := cli.Main(App, []string{"run", "--admin", "127.0.0.1:99999", "etl-set a=1"}, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &stderr})
	if code != 2 || !strings.Contains(stderr.String(), "--admin") {
		t.Errorf("run --admin 127.0.0.1:99999: exit %d, %s; want 2 naming --admin", code, stderr.String())
	}

	cfg := filepath.Join(t.TempDir(), "small.yaml")
	if err := os.WriteFile(cfg, []byte("stages: [etl-set a=1]\nbuffer: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	code = cli.Main(App, []string{"run", "--admin", "off", "-c", cfg}, cli.Env{Stdin: strings.NewReader("{}\n"), Stdout: &out, Stderr: &stderr})
	if code != 0 || !strings.Contains(stderr.String(), "configuration warning") || !strings.Contains(stderr.String(), "buffer 10") {
		t.Errorf("run with buffer 10: exit %d, log %s; want 0 and a configuration warning", code, stderr.String())
	}
}
