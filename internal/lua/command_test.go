package lua

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
)

// runCommand runs etl-lua in-process and returns its exit code, stdout
// and stderr.
func runCommand(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

func TestCommandUsage(t *testing.T) {
	dir := t.TempDir()
	noProcess := filepath.Join(dir, "noproc.lua")
	writeFile(t, noProcess, "x = 1\n")
	good := filepath.Join(dir, "good.lua")
	writeFile(t, good, "function process(rec) return rec end\n")

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, cli.ExitUsage, "missing script: give a SCRIPT.lua file or -e CODE"},
		{[]string{"-e", "x", good}, cli.ExitUsage, "both a script file"},
		{[]string{"-e", "rec.a = = 1"}, cli.ExitUsage, `etl-lua: -e:1:9: syntax error near "="`},
		{[]string{filepath.Join(dir, "missing.lua")}, cli.ExitUsage, "read script:"},
		{[]string{noProcess}, cli.ExitUsage, "defines no function process(rec)"},
		{[]string{"-e", "x", "--timeout=-1s"}, cli.ExitUsage, "invalid --timeout -1s"},
		{[]string{"-e", "x", "--lua-path", filepath.Join(dir, "nodir")}, cli.ExitUsage, "nodir"},
		{[]string{"-e", "x", "--on-error", "maybe"}, cli.ExitUsage, "--on-error"},
		{[]string{"-e", "error('at load')", "--format", "plain"}, cli.ExitFailure, "etl-lua: line 1: -e:1: at load"},
	} {
		code, stdout, stderr := runCommand(t, "{}\n", c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("etl-lua %q: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if stdout != "" {
			t.Errorf("etl-lua %q wrote %q to stdout", c.args, stdout)
		}
	}
}

func TestCommandPlainStream(t *testing.T) {
	in := "{\"price\":2.5,\"qty\":4}\n{\"price\":1,\"qty\":1.0}\n\n"
	code, stdout, stderr := runCommand(t, in, "-e", `if rec.price then rec.total = rec.price * rec.qty end`)
	want := "{\"price\":2.5,\"qty\":4,\"total\":10}\n{\"price\":1,\"qty\":1.0,\"total\":1}\n\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
}

func TestCommandErrorPolicies(t *testing.T) {
	in := "{\"n\":1}\n{\"n\":\"x\"}\n{\"n\":3}\n"
	code := `rec.n = rec.n * 10`

	exit, stdout, stderr := runCommand(t, in, "-e", code)
	if exit != cli.ExitFailure || stdout != "{\"n\":10}\n" || !strings.Contains(stderr, "etl-lua: line 2: -e:1:") {
		t.Errorf("fail: exit %d, stdout %q, stderr %q", exit, stdout, stderr)
	}

	exit, stdout, stderr = runCommand(t, in, "-e", code, "--on-error", "skip")
	if exit != 0 || stdout != "{\"n\":10}\n{\"n\":30}\n" || !strings.Contains(stderr, "1 skipped") {
		t.Errorf("skip: exit %d, stdout %q, stderr %q", exit, stdout, stderr)
	}

	exit, stdout, stderr = runCommand(t, in, "-e", code, "--on-error", "pass")
	if exit != 0 || stdout != "{\"n\":10}\n{\"n\":\"x\"}\n{\"n\":30}\n" || !strings.Contains(stderr, "1 passed unchanged") {
		t.Errorf("pass: exit %d, stdout %q, stderr %q", exit, stdout, stderr)
	}
}

func TestCommandEnvelope(t *testing.T) {
	in := `{"etl_envelope":1,"topic":"t","partition":0,"offset":42,"timestamp":1442018818771,"key":"k","headers":[{"key":"h","value":"v"}],"value":{"a":1,"id":"u1"}}` + "\n"
	exit, stdout, stderr := runCommand(t, in, "-e", `meta(rec).key = rec.id; meta(rec).headers.seen = "yes"; rec.b = meta(rec).offset`)
	if exit != 0 {
		t.Fatalf("exit %d, stderr %q", exit, stderr)
	}
	for _, want := range []string{`"key":"u1"`, `{"key":"h","value":"v"}`, `{"key":"seen","value":"yes"}`, `"value":{"a":1,"id":"u1","b":42}`, `"topic":"t"`, `"offset":42`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output %q lacks %s", stdout, want)
		}
	}
}

func TestCommandNoopFidelity(t *testing.T) {
	data, err := os.ReadFile("testdata/windows-security-events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "noop.lua")
	writeFile(t, script, `
function process(rec)
  for k, v in pairs(rec) do
    local _ = v
  end
  local _ = rec.Keywords + 0
  return rec
end`)
	for _, args := range [][]string{{"-e", "return rec"}, {"-e", "local k = rec.Keywords; local m = rec.Message"}, {script}} {
		exit, stdout, stderr := runCommand(t, string(data), args...)
		if exit != 0 || stdout != string(data) {
			t.Errorf("etl-lua %q: exit %d, stderr %q, output differs from input (%d vs %d bytes)", args, exit, stderr, len(stdout), len(data))
		}
	}
}

func TestCommandShebang(t *testing.T) {
	script := filepath.Join(t.TempDir(), "exec.lua")
	writeFile(t, script, "#!/usr/bin/env -S etl-lua\nfunction process(rec)\n  error(\"line three\")\nend\n")
	exit, _, stderr := runCommand(t, "{}\n", script)
	if exit != cli.ExitFailure || !strings.Contains(stderr, "exec.lua:3: line three") {
		t.Errorf("exit %d, stderr %q; want the error on line 3", exit, stderr)
	}
}

func TestCommandVars(t *testing.T) {
	exit, stdout, stderr := runCommand(t, "{}\n", "--var", "a=1", "--var", "b=x;y=2", "--var", "c==", "-e", `rec.a = vars.a rec.b = vars.b rec.c = vars.c rec.y = vars.y`)
	if want := `{"a":"1","b":"x;y=2","c":"="}` + "\n"; exit != 0 || stdout != want {
		t.Errorf("exit %d, stderr %q, stdout %q; want %q", exit, stderr, stdout, want)
	}
}
