package set

import (
	"bytes"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
)

// run runs etl-set in-process with stdin and returns its exit code,
// stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

func TestCommandPlainStream(t *testing.T) {
	in := "{\"a\":1}\n\n{\"a\":12345678901234567891,\"b\":1.0}\n"
	code, out, errOut := run(t, in, "status=seen", "n:=1")
	if code != cli.ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := "{\"a\":1,\"status\":\"seen\",\"n\":1}\n\n{\"a\":12345678901234567891,\"b\":1.0,\"status\":\"seen\",\"n\":1}\n"
	if out != want {
		t.Errorf("stdout:\n got %q\nwant %q", out, want)
	}
}

func TestCommandErrorPolicies(t *testing.T) {
	in := "{\"a\":1}\n[2]\n{\"a\":3}\n"
	cases := []struct {
		policy string
		code   int
		out    string
		stderr string
	}{
		{"fail", cli.ExitFailure, "{\"a\":1,\"s\":\"x\"}\n", `etl-set: line 2: edit "s=x": the line is an array, not a JSON object`},
		{"skip", cli.ExitOK, "{\"a\":1,\"s\":\"x\"}\n{\"a\":3,\"s\":\"x\"}\n", "1 skipped"},
		{"pass", cli.ExitOK, "{\"a\":1,\"s\":\"x\"}\n[2]\n{\"a\":3,\"s\":\"x\"}\n", "1 passed unchanged"},
	}
	for _, tc := range cases {
		t.Run(tc.policy, func(t *testing.T) {
			code, out, errOut := run(t, in, "--on-error", tc.policy, "s=x")
			if code != tc.code {
				t.Errorf("exit: got %d, want %d (stderr %s)", code, tc.code, errOut)
			}
			if out != tc.out {
				t.Errorf("stdout:\n got %q\nwant %q", out, tc.out)
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr: got %q, want it to contain %q", errOut, tc.stderr)
			}
		})
	}
}

func TestCommandEnvelopeStream(t *testing.T) {
	in := `{"etl_envelope":1,"topic":"t","partition":0,"offset":5,"timestamp":1442018818771,"key":"k","headers":[{"key":"h","value":"1"},{"key":"h","value":"2"}],"value":{"id":"x-1","n":1.50}}` + "\n" +
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":6,"timestamp":null,"key":null,"headers":[],"value":null}` + "\n" +
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":7,"timestamp":null,"key":null,"headers":[],"value_text":"not json"}` + "\n"
	code, out, errOut := run(t, in, "@key==id", "@headers.h=one", "seen:=true", "k==@headers.h")
	if code != cli.ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := `{"etl_envelope":1,"topic":"t","partition":0,"offset":5,"timestamp":1442018818771,"key":"x-1","headers":[{"key":"h","value":"one"}],"value":{"id":"x-1","n":1.50,"seen":true,"k":"one"}}` + "\n" +
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":6,"timestamp":null,"key":null,"headers":[{"key":"h","value":"one"}],"value":null}` + "\n" +
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":7,"timestamp":null,"key":null,"headers":[{"key":"h","value":"one"}],"value_text":"not json"}` + "\n"
	if out != want {
		t.Errorf("stdout:\n got %s\nwant %s", out, want)
	}

	// An envelope error names topic, partition and offset.
	in = `{"etl_envelope":1,"topic":"t","partition":0,"offset":9,"timestamp":null,"key":null,"headers":[],"value":{"a":"x"}}` + "\n"
	code, _, errOut = run(t, in, "a.b=1")
	if code != cli.ExitFailure || !strings.Contains(errOut, `etl-set: topic "t" partition 0 offset 9 (line 1): edit "a.b=1": cannot set a.b: a is a string, not an object`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestCommandUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"a:=nope"}, `etl-set: invalid edit "a:=nope" at column 5: invalid JSON literal nope`},
		{[]string{"ok=1", "bad"}, `etl-set: invalid edit "bad" at column 4: missing operator`},
		{[]string{"--format", "plain", "@key=x"}, "carry no metadata"},
	}
	for _, tc := range cases {
		code, out, errOut := run(t, "{}\n", tc.args...)
		if code != cli.ExitUsage {
			t.Errorf("%q: exit %d, want %d", tc.args, code, cli.ExitUsage)
		}
		if out != "" {
			t.Errorf("%q: stdout %q, want nothing read or written", tc.args, out)
		}
		if !strings.HasPrefix(errOut, tc.want) && !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: stderr %q, want %q", tc.args, errOut, tc.want)
		}
	}
}

func TestCommandValidateFlag(t *testing.T) {
	in := "{\"a\":1,\"b\":[1 2]}\n"
	code, out, _ := run(t, in, "a:=2")
	if code != cli.ExitOK || out != "{\"a\":2,\"b\":[1 2]}\n" {
		t.Errorf("without --validate: exit %d, stdout %q", code, out)
	}
	code, _, errOut := run(t, in, "--validate", "a:=2")
	if code != cli.ExitFailure || !strings.Contains(errOut, "line 1: edit \"a:=2\": the line is not valid JSON") {
		t.Errorf("with --validate: exit %d, stderr %q", code, errOut)
	}
}
