package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

const fullConfig = `name: orders
brokers: [k1:9092]
input: etl-kread orders --group ${GROUP:-enrich}
stages:
  - etl-set status=seen
  - math: {expr: ["amount *= 1.2"], on_error: skip}
outputs:
  - etl-kwrite out
  - stdout
  - file: {path: /tmp/out-%n.jsonl, rotate_size: 1MiB, rotate_interval: 10s, compression: zstd}
readers: 2
processors: 8
buffer: 1000
commit_interval: 2s
on_error: dlq:orders-dlq
retries: {max: 3, backoff: 50ms, max_backoff: 1s}
envs:
  prod:
    brokers: [p1:9092, p2:9092]
    processors: 16
    retries: {max: 9}
`

func TestParseFull(t *testing.T) {
	cfg, err := Parse("p.yaml", []byte(fullConfig), LoadOptions{LookupEnv: env(nil)})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.Name != "orders" || cfg.Readers != 2 || cfg.Processors != 8 || cfg.Buffer != 1000 {
		t.Errorf("settings = %q %d %d %d", cfg.Name, cfg.Readers, cfg.Processors, cfg.Buffer)
	}
	if cfg.Input.Kind != InputKafka || !reflect.DeepEqual(cfg.Input.Stage.Args, []string{"orders", "--group", "enrich"}) {
		t.Errorf("input = %+v", cfg.Input)
	}
	if len(cfg.Stages) != 2 || cfg.Stages[0].Name != "etl-set" || cfg.Stages[1].Name != "etl-math" || !cfg.Stages[1].Structured {
		t.Fatalf("stages = %+v", cfg.Stages)
	}
	if got := cfg.Stages[1].Options; len(got) != 2 || got[0].Key != "expr" || !got[0].List || got[1].Values[0] != "skip" {
		t.Errorf("structured options = %+v", got)
	}
	if len(cfg.Outputs) != 3 || cfg.Outputs[2].File.Compression != "zstd" || cfg.Outputs[2].File.RotateSize != 1<<20 {
		t.Errorf("outputs = %+v", cfg.Outputs)
	}
	if cfg.OnError != (ErrorPolicy{Action: "dlq", Topic: "orders-dlq"}) {
		t.Errorf("on_error = %+v", cfg.OnError)
	}
	if cfg.Retries.Max != 3 || cfg.Retries.Backoff.D() != 50*time.Millisecond || cfg.CommitInterval.D() != 2*time.Second {
		t.Errorf("retries = %+v, commit_interval %s", cfg.Retries, cfg.CommitInterval.D())
	}
	if p := cfg.Stages[0].Pos; p.Line != 5 || p.Col != 5 {
		t.Errorf("first stage at %v, want 5:5", p)
	}
}

func TestParseOverlay(t *testing.T) {
	cfg, err := Parse("p.yaml", []byte(fullConfig), LoadOptions{Env: "prod", LookupEnv: env(map[string]string{"GROUP": "g-prod"})})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !reflect.DeepEqual(cfg.Brokers, []string{"p1:9092", "p2:9092"}) || cfg.Processors != 16 {
		t.Errorf("overlay not applied: brokers %v processors %d", cfg.Brokers, cfg.Processors)
	}
	// Mappings merge key by key: backoff stays from the base.
	if cfg.Retries.Max != 9 || cfg.Retries.Backoff.D() != 50*time.Millisecond {
		t.Errorf("retries = %+v, want max 9 and the base backoff", cfg.Retries)
	}
	if got := cfg.Input.Stage.Args[2]; got != "g-prod" {
		t.Errorf("${GROUP} = %q, want g-prod", got)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml, env, want string
	}{
		{"unknown key", "pipeline: etl-set a=1\nprocesors: 3\n", "", "p.yaml:2:1: unknown setting \"procesors\": did you mean \"processors\"?"},
		{"bad duration", "pipeline: etl-set a=1\ncommit_interval: soon\n", "", "p.yaml:2:18: invalid commit_interval \"soon\""},
		{"bad number", "pipeline: etl-set a=1\nbuffer: -1\n", "", "p.yaml:2:9: invalid buffer -1"},
		{"line column", "pipeline: etl-set a=1 ; x\n", "", "p.yaml:1:23: \";\" is a shell operator"},
		{"missing variable", "pipeline: etl-set a=${NOPE}\n", "", "p.yaml:1:11: environment variable NOPE is not set"},
		{"unknown env", "pipeline: etl-set a=1\nenvs: {dev: {}}\n", "prod", "unknown --env \"prod\": the configuration defines dev"},
		{"both forms", "pipeline: etl-set a=1\nstages: [etl-set b=2]\n", "", "pipeline is given together with input"},
		{"kread in middle", "stages:\n  - etl-kread t\n", "", "p.yaml:2:5: etl-kread reads from Kafka and can only be the first stage"},
		{"bad output", "outputs: [etl-set a=1]\n", "", "invalid output \"etl-set\""},
		{"two stages in an item", "stages:\n  - etl-set a=1 | etl-set b=2\n", "", "one stage per item"},
		{"syntax", "stages: [a\n", "", "p.yaml:1: invalid YAML"},
		{"bad on_error", "pipeline: etl-set a=1\non_error: retry\n", "", "invalid on_error \"retry\""},
		{"file without path", "outputs:\n  - file: {compression: gzip}\n", "", "the file output needs a path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.yaml), LoadOptions{Env: tc.env, LookupEnv: env(nil)})
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error = %v, want an ErrorList", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestFromLine(t *testing.T) {
	cases := []struct {
		line          string
		input, output string
		stages        int
	}{
		{"etl-set a=1", InputStdin, OutputStdout, 1},
		{"etl-kread t | etl-set a=1 | etl-kwrite out", InputKafka, OutputKafka, 1},
		{"stdin | etl-kwrite out", InputStdin, OutputKafka, 0},
		{"etl-kread t", InputKafka, OutputStdout, 0},
		{"- | etl-set a=1 | -", InputStdin, OutputStdout, 1},
	}
	for _, tc := range cases {
		cfg, err := FromLine(tc.line)
		if err != nil {
			t.Errorf("FromLine(%q): %v", tc.line, err)
			continue
		}
		if cfg.Input.Kind != tc.input || cfg.Outputs[0].Kind != tc.output || len(cfg.Stages) != tc.stages {
			t.Errorf("FromLine(%q) = input %s, output %s, %d stages", tc.line, cfg.Input.Kind, cfg.Outputs[0].Kind, len(cfg.Stages))
		}
	}
}

func TestExpand(t *testing.T) {
	vars := env(map[string]string{"A": "x", "EMPTY": ""})
	cases := map[string]string{
		"${A}":            "x",
		"a-${A}-b":        "a-x-b",
		"${B:-def}":       "def",
		"${EMPTY:-def}":   "def",
		"${EMPTY}":        "",
		"$$A and $$":      "$A and $",
		"$A stays":        "$A stays",
		"cost: 5$":        "cost: 5$",
		"${A}${A:-z}${A}": "xxx",
	}
	for in, want := range cases {
		got, err := Expand(in, vars)
		if err != nil || got != want {
			t.Errorf("Expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"${", "${1A}", "${B}", "${A B}"} {
		if _, err := Expand(bad, vars); err == nil {
			t.Errorf("Expand(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseDuplicateKeys(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // every error in order, or none for a valid file
	}{
		{
			name: "top-level value",
			yaml: "processors: 4\nprocessors: 1\n",
			want: []string{`p.yaml:2:1: duplicate key "processors", first given at p.yaml:1:1: keep one of the two`},
		},
		{
			name: "top-level list",
			yaml: "stages:\n  - etl-set a=1\nstages:\n  - etl-set b=1\n",
			want: []string{`p.yaml:3:1: duplicate key "stages", first given at p.yaml:1:1`},
		},
		{
			name: "three times",
			yaml: "buffer: 1\nbuffer: 2\nbuffer: 3\n",
			want: []string{`p.yaml:2:1: duplicate key "buffer", first given at p.yaml:1:1`, `p.yaml:3:1: duplicate key "buffer", first given at p.yaml:1:1`},
		},
		{
			name: "nested mapping",
			yaml: "retries:\n  max: 3\n  backoff: 1s\n  max: 4\n",
			want: []string{`p.yaml:4:3: duplicate key "max", first given at p.yaml:2:3`},
		},
		{
			name: "structured stage option in a flow mapping",
			yaml: "stages:\n  - set: {edits: [a=1], edits: [b=2]}\n",
			want: []string{`p.yaml:2:25: duplicate key "edits", first given at p.yaml:2:11`},
		},
		{
			name: "file output option",
			yaml: "outputs:\n  - file:\n      path: /tmp/a\n      path: /tmp/b\n",
			want: []string{`p.yaml:4:7: duplicate key "path", first given at p.yaml:3:7`},
		},
		{
			name: "overlay not applied",
			yaml: "stages: [etl-set a=1]\nenvs:\n  prod: {buffer: 1}\n  prod: {buffer: 2}\n",
			want: []string{`p.yaml:4:3: duplicate key "prod", first given at p.yaml:3:3`},
		},
		{
			name: "inside an overlay",
			yaml: "stages: [etl-set a=1]\nenvs:\n  prod:\n    buffer: 1\n    buffer: 2\n",
			want: []string{`p.yaml:5:5: duplicate key "buffer", first given at p.yaml:4:5`},
		},
		{
			name: "same key in two mappings",
			yaml: "stages:\n  - set: {edits: [a=1]}\n  - set: {edits: [b=2]}\nretries: {max: 1}\nenvs: {prod: {retries: {max: 2}}}\n",
		},
		{
			name: "alias of a mapping used twice",
			yaml: "stages:\n  - set: &opts {edits: [a=1]}\n  - set: *opts\n",
		},
		{
			name: "nested keys listed in file order",
			yaml: "stages:\n  - set: {edits: [a=1]}\n  - math: {exprs: [\"a += 1\"], exprs: [\"b += 1\"]}\nretries:\n  max: 1\n  max: 2\nstages: []\n",
			want: []string{
				`p.yaml:3:31: duplicate key "exprs", first given at p.yaml:3:12`,
				`p.yaml:6:3: duplicate key "max", first given at p.yaml:5:3`,
				`p.yaml:7:1: duplicate key "stages", first given at p.yaml:1:1`,
			},
		},
		{
			name: "output and outputs",
			yaml: "outputs: [stdout]\nstages: [etl-set a=1]\noutput: stdout\n",
			want: []string{`p.yaml:3:1: duplicate key "output", first given at p.yaml:1:1 as "outputs"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.yaml), LoadOptions{LookupEnv: env(nil)})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error = %v, want an ErrorList", err)
			}
			if len(list) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(list), len(tc.want), err)
			}
			for i, want := range tc.want {
				if got := list[i].Error(); !strings.HasPrefix(got, want) {
					t.Errorf("error %d = %q, want it to begin with %q", i+1, got, want)
				}
			}
		})
	}
}

// The errors of the settings come out in the order of the file even when
// the decoder finds them in another order.
func TestParseErrorsInFileOrder(t *testing.T) {
	// The check of pipeline against stages runs after every setting.
	yaml := "pipeline: etl-set a=1\nbuffer: none\nstages: [etl-set b=1]\nreaders: 0\n"
	_, err := Parse("p.yaml", []byte(yaml), LoadOptions{LookupEnv: env(nil)})
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error = %v, want an ErrorList", err)
	}
	want := []string{"p.yaml:1:11: pipeline is given together", "p.yaml:2:9: invalid integer", "p.yaml:4:10: invalid readers 0"}
	if len(list) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, prefix := range want {
		if got := list[i].Error(); !strings.HasPrefix(got, prefix) {
			t.Errorf("error %d = %q, want it to begin with %q", i+1, got, prefix)
		}
	}
}

func TestErrorListSortIsStable(t *testing.T) {
	list := ErrorList{
		Errorf(Pos{File: "p.yaml", Line: 4, Col: 2}, "d"),
		Errorf(Pos{File: "p.yaml", Line: 2, Col: 5}, "b"),
		Errorf(Pos{File: "p.yaml", Line: 2, Col: 5}, "c"),
		Errorf(Pos{File: "p.yaml"}, "a"),
		Errorf(Pos{File: "p.yaml", Line: 2, Col: 1}, "a2"),
	}
	list.Sort()
	var got []string
	for _, e := range list {
		got = append(got, e.Msg)
	}
	if want := []string{"a", "a2", "b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sorted messages = %v, want %v", got, want)
	}
}

func TestParseAdminAddress(t *testing.T) {
	cases := []struct {
		admin string
		want  string // the error, or "" when the address is valid
	}{
		{"off", ""},
		{"127.0.0.1:9644", ""},
		{":9644", ""},
		{"localhost:1", ""},
		{"'[::1]:65535'", ""},
		{"'127.0.0.1:99999'", `p.yaml:2:8: invalid admin address "127.0.0.1:99999": the port must be a number from 1 to 65535`},
		{"'127.0.0.1:0'", `p.yaml:2:8: invalid admin address "127.0.0.1:0": the port must be`},
		{"127.0.0.1:http", `p.yaml:2:8: invalid admin address "127.0.0.1:http": the port must be`},
		{"127.0.0.1", `p.yaml:2:8: invalid admin address "127.0.0.1": use HOST:PORT`},
		{"on", `p.yaml:2:8: invalid admin address "on": use HOST:PORT`},
	}
	for _, tc := range cases {
		t.Run(tc.admin, func(t *testing.T) {
			yaml := "stages: [etl-set a=1]\nadmin: " + tc.admin + "\n"
			_, err := Parse("p.yaml", []byte(yaml), LoadOptions{LookupEnv: env(nil)})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to begin with %q", err, tc.want)
			}
		})
	}
}

func TestParseBufferWarning(t *testing.T) {
	cases := []struct {
		buffer   string
		warnings []string
	}{
		{"1", []string{"p.yaml:2:9: buffer 1 is below 1000"}},
		{"999", []string{"p.yaml:2:9: buffer 999 is below 1000"}},
		{"1000", nil},
		{"16384", nil},
	}
	for _, tc := range cases {
		t.Run(tc.buffer, func(t *testing.T) {
			cfg, err := Parse("p.yaml", []byte("stages: [etl-set a=1]\nbuffer: "+tc.buffer+"\n"), LoadOptions{LookupEnv: env(nil)})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(cfg.Warnings) != len(tc.warnings) {
				t.Fatalf("warnings = %v, want %d", cfg.Warnings, len(tc.warnings))
			}
			for i, want := range tc.warnings {
				if got := cfg.Warnings[i].Error(); !strings.HasPrefix(got, want) {
					t.Errorf("warning %d = %q, want it to begin with %q", i+1, got, want)
				}
			}
		})
	}
}

// Relative paths in a configuration file resolve against the file's
// directory; a pipeline line keeps them for the working directory.
func TestParseRelativePaths(t *testing.T) {
	dir := t.TempDir()
	yaml := "input: etl-kread t\nstages:\n  - etl-lua d.lua\n  - lua: {script: d.lua}\noutputs:\n  - file: {path: out/x-%n.jsonl}\n  - file: {path: /abs/y.jsonl}\n  - etl-kwrite out\n"
	cfg, err := Parse(filepath.Join(dir, "conf", "p.yaml"), []byte(yaml), LoadOptions{LookupEnv: env(nil)})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := filepath.Join(dir, "conf")
	if got := cfg.Outputs[0].File.Path; got != filepath.Join(want, "out/x-%n.jsonl") {
		t.Errorf("relative file output path = %q, want it under %s", got, want)
	}
	if got := cfg.Outputs[1].File.Path; got != "/abs/y.jsonl" {
		t.Errorf("absolute file output path = %q, want /abs/y.jsonl", got)
	}
	stages := []*Stage{cfg.Input.Stage, &cfg.Stages[0], &cfg.Stages[1], cfg.Outputs[2].Stage}
	for _, s := range stages {
		if s.Dir != want {
			t.Errorf("%s at %s has Dir %q, want %q", s.Name, s.Pos, s.Dir, want)
		}
	}

	line, err := FromLine("etl-kread t | etl-lua d.lua | etl-kwrite out")
	if err != nil {
		t.Fatalf("FromLine: %v", err)
	}
	if line.Input.Stage.Dir != "" || line.Stages[0].Dir != "" || line.Outputs[0].Stage.Dir != "" {
		t.Errorf("a pipeline line has a Dir: %+v", line)
	}
}
