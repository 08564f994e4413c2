package plan

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/kread"
	"github.com/etelgo/etelgo/internal/lua"
	"github.com/etelgo/etelgo/internal/math"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/set"
)

func parseYAML(t *testing.T, text string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("p.yaml", []byte(text), config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	return cfg
}

func TestStructuredMatchesLine(t *testing.T) {
	cfg := parseYAML(t, `
stages:
  - etl-set --on-error skip status=seen 'n:=1'
  - set: {on_error: skip, edits: [status=seen, "n:=1"]}
  - etl-math --on-error pass 'amount *= 1.2'
  - math: {on-error: pass, expr: "amount *= 1.2"}
`)
	p, err := Build(cfg, Options{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if !reflect.DeepEqual(p.Stages[0].Command.(*set.Command), p.Stages[1].Command.(*set.Command)) {
		t.Errorf("structured etl-set differs from the line:\n%+v\n%+v", p.Stages[0].Command, p.Stages[1].Command)
	}
	if !reflect.DeepEqual(p.Stages[2].Command.(*math.Command), p.Stages[3].Command.(*math.Command)) {
		t.Errorf("structured etl-math differs from the line:\n%+v\n%+v", p.Stages[2].Command, p.Stages[3].Command)
	}
	if len(p.Spec.Stages) != 4 || p.Spec.Stages[1].Policy.String() != "skip" || p.Spec.Stages[3].Policy.String() != "pass" {
		t.Errorf("spec stages = %+v", p.Spec.Stages)
	}
}

func TestBrokersDefault(t *testing.T) {
	cfg := parseYAML(t, `
brokers: [b1:9092, b2:9092]
input: etl-kread orders -g g
`)
	p, err := Build(cfg, Options{Stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	c := p.Source.Command.(*kread.Command)
	if !reflect.DeepEqual(c.Brokers, []string{"b1:9092", "b2:9092"}) {
		t.Errorf("brokers = %v, want the configuration's", c.Brokers)
	}

	// A stage that names its brokers keeps them.
	cfg = parseYAML(t, `
brokers: [b1:9092]
input: etl-kread orders -b own:9092
`)
	p, err = Build(cfg, Options{Stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := p.Source.Command.(*kread.Command).Brokers; !reflect.DeepEqual(got, []string{"own:9092"}) {
		t.Errorf("brokers = %v, want own:9092", got)
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown option", "stages:\n  - set: {edtis: [a=1]}\n", `p.yaml:2:11: etl-set has no option "edtis": did you mean "edits"?`},
		{"bad edit", "stages:\n  - etl-set 'a=1' '=x'\n", "p.yaml:2:5: etl-set:"},
		{"bad flag", "stages:\n  - etl-set --nope a=1\n", "p.yaml:2:5: etl-set: unknown flag --nope"},
		{"help flag", "stages:\n  - etl-set --help\n", "do not run inside a pipeline"},
		{"unknown stage", "stages:\n  - etl-jq .\n", `unknown stage "etl-jq"`},
		{"list for one value", "stages:\n  - set: {format: [plain, auto], edits: [a=1]}\n", "takes one value, not a list"},
		{"readers without group", "input: etl-kread t\nreaders: 2\n", "p.yaml:2:1: readers: 2 needs a consumer group"},
		{"exactly-once from stdin", "stages: [etl-set a=1]\ndelivery: exactly-once\n", "delivery: exactly-once needs"},
		{"formats disagree", "stages: [etl-set --format plain a=1, etl-set --format envelope b=2]\n", "one format"},
		{"dlq without brokers", "stages: [etl-set a=1]\non_error: dlq:dead\n", "needs brokers"},
		{"negative count", "input: etl-kread t --count=-5\n", "invalid --count -5"},
		{"partition and keep-partition", "input: etl-kread t\noutput: etl-kwrite out --partition 1 --keep-partition\n", "contradict each other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(parseYAML(t, tc.yaml), Options{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}})
			if err == nil {
				t.Fatalf("Build succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestBuildCollectsAllErrors(t *testing.T) {
	_, err := Build(parseYAML(t, "stages:\n  - etl-set --nope a=1\n  - etl-jq .\n"), Options{})
	list, ok := err.(config.ErrorList)
	if !ok || len(list) != 2 {
		t.Fatalf("error = %v, want two errors", err)
	}
}

func TestExportRedactsSecrets(t *testing.T) {
	p, err := Build(parseYAML(t, "input: etl-kread t --sasl-mechanism PLAIN --sasl-user u --sasl-password hunter2\n"), Options{Stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	opts := p.Source.Options()
	if opts["sasl-password"] != "REDACTED" || opts["sasl-user"] != "u" {
		t.Errorf("options = %v, want the password redacted and the user shown", opts)
	}
}

// Two spellings of one option are the same key given twice.
func TestStructuredDuplicateSpellings(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"flag with - and _", "stages:\n  - etl-set a=1\n  - set: {on-error: skip, edits: [a=1], on_error: pass}\n", `p.yaml:3:41: duplicate key "on_error", first given at p.yaml:3:11 as "on-error"`},
		{"flag with _ and -", "stages:\n  - set: {on_error: skip, on-error: pass, edits: [a=1]}\n", `p.yaml:2:27: duplicate key "on-error", first given at p.yaml:2:11 as "on_error"`},
		{"list argument singular and plural", "stages:\n  - set: {edit: [a=1], edits: [b=2]}\n", `p.yaml:2:24: duplicate key "edits", first given at p.yaml:2:11 as "edit"`},
		{"list argument plural and singular", "stages:\n  - math: {exprs: [\"a += 1\"], expr: \"b += 1\"}\n", `p.yaml:2:31: duplicate key "expr", first given at p.yaml:2:12 as "exprs"`},
		{"etl-kread topic and topics", "input:\n  kread: {topic: a, group: g, topics: [b]}\n", `p.yaml:2:31: duplicate key "topics", first given at p.yaml:2:11 as "topic"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parseYAML(t, tc.yaml)
			_, err := Build(cfg, Options{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}})
			var list config.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Build error = %v, want an ErrorList", err)
			}
			if len(list) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(list), err)
			}
			if got := list[0].Error(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("error = %q, want it to begin with %q", got, tc.want)
			}
		})
	}
}

// A relative file path in a stage read from a configuration file
// resolves against the file's directory, whatever the working directory.
func TestRelativePathsFromConfigDir(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	for _, d := range []string{filepath.Join(conf, "lib"), filepath.Join(dir, "elsewhere")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(conf, "d.lua"), []byte("function process(rec) return rec end\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(dir, "elsewhere"))

	text := `input: etl-kread t
stages:
  - etl-lua --lua-path lib d.lua
  - lua: {script: d.lua, lua_path: [lib, lib]}
outputs:
  - kwrite: {topic: out}
`
	cfg, err := config.Parse(filepath.Join(conf, "p.yaml"), []byte(text), config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	p, err := Build(cfg, Options{Stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	for i, s := range p.Stages {
		c := s.Command.(*lua.Command)
		if want := filepath.Join(conf, "d.lua"); c.Script != want {
			t.Errorf("stage %d script = %q, want %q", i+1, c.Script, want)
		}
		for _, got := range c.LuaPath {
			if want := filepath.Join(conf, "lib"); got != want {
				t.Errorf("stage %d --lua-path = %q, want %q", i+1, got, want)
			}
		}
	}
	if got := len(p.Stages[1].Command.(*lua.Command).LuaPath); got != 2 {
		t.Errorf("structured lua_path has %d directories, want 2", got)
	}
}

// The TLS files of Kafka stages resolve against the configuration
// file's directory too. The files do not exist, so the errors show the
// paths that the stages tried to read.
func TestRelativeTLSPathsFromConfigDir(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	t.Chdir(t.TempDir())

	text := `input: etl-kread t --tls-ca ca.pem --tls-cert=/abs/c.pem --tls-key /abs/k.pem
outputs:
  - kwrite: {topic: out, tls-ca: ../certs/ca.pem}
`
	cfg, err := config.Parse(filepath.Join(conf, "p.yaml"), []byte(text), config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	_, err = Build(cfg, Options{Stdout: &bytes.Buffer{}})
	var list config.ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("Build error = %v, want two errors", err)
	}
	if want := `--tls-ca "` + filepath.Join(conf, "ca.pem") + `"`; !strings.Contains(list[0].Msg, want) {
		t.Errorf("etl-kread error = %q, want it to name %s", list[0].Msg, want)
	}
	if want := `--tls-ca "` + filepath.Join(dir, "certs", "ca.pem") + `"`; !strings.Contains(list[1].Msg, want) {
		t.Errorf("etl-kwrite error = %q, want it to name %s", list[1].Msg, want)
	}
}

// A pipeline line keeps the working directory for relative paths.
func TestRelativePathsOfLineFromWorkingDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("d.lua", []byte("function process(rec) return rec end\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromLine("etl-lua d.lua")
	if err != nil {
		t.Fatalf("FromLine: %v", err)
	}
	p, err := Build(cfg, Options{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := p.Stages[0].Command.(*lua.Command).Script; got != "d.lua" {
		t.Errorf("script = %q, want d.lua as written", got)
	}
}
