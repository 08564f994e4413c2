package pipe

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// runShell runs line as a shell pipeline would: each stage's binary, in
// process, reading what the previous one wrote. It returns the last
// stdout and whether every stage exited 0.
func runShell(t *testing.T, line, input string) (string, bool) {
	t.Helper()
	cmds, err := config.SplitPipeline(line)
	if err != nil {
		t.Fatalf("split %q: %v", line, err)
	}
	data := []byte(input)
	ok := true
	for _, cmd := range cmds {
		app, found := plan.Stages[cmd.Args[0]]
		if !found {
			t.Fatalf("stage %q is not in the registry", cmd.Args[0])
		}
		var out, stderr bytes.Buffer
		code := cli.Main(app, cmd.Args[1:], cli.Env{Stdin: bytes.NewReader(data), Stdout: &out, Stderr: &stderr})
		if code != 0 {
			ok = false
		}
		data = out.Bytes()
	}
	return string(data), ok
}

// runPipe runs line with etl-pipe, in process.
func runPipe(t *testing.T, line, input string) (string, string, int) {
	t.Helper()
	var out, stderr bytes.Buffer
	code := cli.Main(App, []string{"run", "--admin", "off", line}, cli.Env{Stdin: strings.NewReader(input), Stdout: &out, Stderr: &stderr})
	return out.String(), stderr.String(), code
}

const plainInput = `{"id":1,"amount":10,"status":"new","big":12345678901234567891,"f":1.0}
{"id":2,"amount":2.50,"status":"paid","nested":{"a":[1,2,3]},"u":"\u00e9"}

{"id":3,"amount":-7,"status":"paid"}
{ "id" : 4 , "amount" : 1e3 }
`

const envelopeInput = `{"etl_envelope":1,"topic":"orders","partition":0,"offset":0,"timestamp":1442018818771,"key":"k1","headers":[{"key":"h","value":"v"}],"value":{"id":1,"amount":10}}
{"etl_envelope":1,"topic":"orders","partition":1,"offset":7,"timestamp":1442018818772,"key":null,"value":{"id":2,"amount":3}}
{"etl_envelope":1,"topic":"orders","partition":1,"offset":8,"timestamp":1442018818773,"key_b64":"AAE=","value":null}
{"etl_envelope":1,"topic":"orders","partition":2,"offset":9,"value_text":"not json"}
`

const duplicateKeysInput = `{"etl_envelope":1,"topic":"t","partition":0,"offset":0,"value":{"a":1,"a":{"b":5}}}
{"etl_envelope":1,"topic":"t","partition":0,"offset":1,"value":{"a":{"c":1},"a":{"b":5}}}
{"etl_envelope":1,"topic":"t","partition":0,"offset":2,"value":{"a":{"b":3},"x":"\u0041"}}
`

const badInput = `{"id":1,"amount":10}
not json at all
{"id":2,"amount":"x"}
{"id":3,"amount":4}
`

func TestShellEquivalence(t *testing.T) {
	cases := []struct {
		name, line, input string
	}{
		{"set one edit", "etl-set status=seen", plainInput},
		{"set and math", "etl-set status=seen 'copy==id' | etl-math 'amount *= 1.2'", plainInput},
		{"filter drops", "etl-filter 'amount > 0' | etl-set kept:=true", plainInput},
		{"lua fan-out", `etl-lua -e 'return {rec, rec}' | etl-set n:=1`, plainInput},
		{"envelope metadata", "etl-set '@headers.seen=yes' tag=x | etl-math 'amount += 1' --on-error skip", envelopeInput},
		{"skip bad records", "etl-set --on-error skip a=1 | etl-math --on-error skip 'amount *= 2'", badInput},
		{"pass bad records", "etl-set --on-error pass a=1 | etl-math --on-error pass 'amount *= 2'", badInput},
		{"explicit stdio", "stdin | etl-set a=b | stdout", plainInput},
		{"three stages", "etl-set a=1 | etl-set b=2 | etl-set c=3 'd==a'", plainInput},
		// etl-set hands its index of the root members to the stages after
		// it. Reads through the index must find what a walk finds, also
		// with a duplicate key whose first member lacks the rest of the path.
		{"reads after an indexed edit", "etl-set s=1 | etl-math 'y = a.b * 2' --on-error pass | etl-filter 'a.b == 5 or s == \"1\"'", duplicateKeysInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			shellLine := strings.TrimSuffix(strings.TrimPrefix(tc.line, "stdin | "), " | stdout")
			want, shellOK := runShell(t, shellLine, tc.input)
			got, stderr, code := runPipe(t, tc.line, tc.input)
			if got != want {
				t.Errorf("etl-pipe output differs from the shell pipeline\nshell:\n%s\netl-pipe:\n%s\nstderr: %s", want, got, stderr)
			}
			if shellOK != (code == 0) {
				t.Errorf("shell pipeline succeeded: %v, etl-pipe exit code %d; stderr: %s", shellOK, code, stderr)
			}
		})
	}
}

func TestShellEquivalenceFailure(t *testing.T) {
	// Under --on-error fail, both stop at the bad line after writing the
	// records before it.
	line := "etl-set a=1 | etl-math 'amount *= 2'"
	want, shellOK := runShell(t, line, badInput)
	got, stderr, code := runPipe(t, line, badInput)
	if shellOK {
		t.Fatalf("the shell pipeline succeeded on a bad line")
	}
	if code != cli.ExitFailure {
		t.Errorf("exit code = %d, want %d; stderr: %s", code, cli.ExitFailure, stderr)
	}
	if got != want {
		t.Errorf("output before the failure differs\nshell:\n%s\netl-pipe:\n%s", want, got)
	}
	if !strings.Contains(stderr, "line 2") {
		t.Errorf("stderr does not name line 2: %s", stderr)
	}
}

func TestRunUsageErrors(t *testing.T) {
	cases := []struct {
		line, want string
	}{
		{"etl-set a=1 | jq .", `unknown stage "jq"`},
		{"etl-set a=1 ; rm x", `column 13: ";" is a shell operator`},
		{"etl-sett a=1", `did you mean etl-set?`},
		{"etl-set | etl-kread t", "can only be the first stage"},
		{"etl-math 'a = = 1'", "etl-math"},
		{"etl-set a=1 |", "the line ends with |"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			_, stderr, code := runPipe(t, tc.line, "")
			if code != cli.ExitUsage {
				t.Errorf("exit code = %d, want %d; stderr: %s", code, cli.ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.want)
			}
		})
	}
}

func ExampleApp() {
	var out bytes.Buffer
	cli.Main(App, []string{"run", "--admin", "off", "etl-set seen:=true"}, cli.Env{Stdin: strings.NewReader(`{"id":1}` + "\n"), Stdout: &out, Stderr: &bytes.Buffer{}})
	fmt.Print(out.String())
	// Output: {"id":1,"seen":true}
}

func TestDashLineAfterDoubleDash(t *testing.T) {
	var out, stderr bytes.Buffer
	args := []string{"run", "--admin", "off", "--", "- | etl-set status=seen | -"}
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(`{"id":1}` + "\n"), Stdout: &out, Stderr: &stderr})
	if code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr.String())
	}
	if want := `{"id":1,"status":"seen"}` + "\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
}

func TestDashLineWithoutDoubleDash(t *testing.T) {
	var out, stderr bytes.Buffer
	args := []string{"run", "--admin", "off", "- | etl-set status=seen | -"}
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(`{"id":1}` + "\n"), Stdout: &out, Stderr: &stderr})
	if code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr.String())
	}
	if want := `{"id":1,"status":"seen"}` + "\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
}
