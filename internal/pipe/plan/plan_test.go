package plan

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/kread"
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
