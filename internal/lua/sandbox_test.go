package lua

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/record"
)

func TestSandbox(t *testing.T) {
	for _, c := range []struct {
		code    string
		sandbox string // result in the sandbox
		allowIO string // result with AllowIO
	}{
		{`return type(io)`, "table", "table"},
		{`return type(debug)`, "table", "table"},
		{`return type(dofile)`, "function", "function"},
		{`return type(loadfile)`, "function", "function"},
		{`return type(os.nosuch)`, "nil", "nil"},
		{`return type(os.time) .. type(os.clock) .. type(os.date) .. type(os.difftime)`, "functionfunctionfunctionfunction", "functionfunctionfunctionfunction"},
		{`return type(module)`, "nil", "nil"},
		{`return type(loadstring)`, "function", "function"},
		{`return tostring(loadstring("return 1 + 1")())`, "2", "2"},
		{`return type(require("json"))`, "table", "table"},
		{`return getmetatable(rec)`, "record value", "record value"},
	} {
		for _, allow := range []bool{false, true} {
			opts := inline(c.code)
			opts.AllowIO = allow
			res := runScript(t, opts, `{}`)
			want := c.sandbox
			if allow {
				want = c.allowIO
			}
			if res.err != nil || len(res.values) != 1 || res.values[0] != want {
				t.Errorf("%s (AllowIO %v) = %q, %v; want %q", c.code, allow, res.values, res.err, want)
			}
		}
	}
}

func TestSandboxErrors(t *testing.T) {
	for _, c := range []struct{ code, want string }{
		{`io.open("/etc/passwd")`, "io.open is disabled in the sandbox; run with --allow-io to enable it"},
		{`io.write("x")`, "io.write is disabled in the sandbox; run with --allow-io to enable it"},
		{`os.execute("true")`, "os.execute is disabled in the sandbox; run with --allow-io to enable it"},
		{`return type(os.getenv)`, "os.getenv is disabled in the sandbox"},
		{`os.exit(1)`, "os.exit is disabled in the sandbox"},
		{`os.remove("x")`, "os.remove is disabled in the sandbox"},
		{`debug.getinfo(1)`, "debug.getinfo is disabled in the sandbox"},
		{`dofile("x.lua")`, "dofile is disabled in the sandbox; run with --allow-io to enable it"},
		{`loadfile("x.lua")`, "loadfile is disabled in the sandbox; run with --allow-io to enable it"},
		{`setmetatable(io, {})`, "cannot change a protected metatable"},
		{`require("mod")`, `require("mod"): modules are off; pass --lua-path DIR to load mod.lua from DIR`},
		{`setmetatable(rec, {})`, "cannot change a protected metatable"},
		{`local mt = getmetatable(rec); mt.__index = nil`, "attempt to index"},
	} {
		res := runScript(t, inline(c.code), `{}`)
		if !strings.Contains(errText(res.err), c.want) {
			t.Errorf("%s: error %q, want one containing %q", c.code, errText(res.err), c.want)
		}
	}
}

func TestRequire(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(dir, "util.lua"), `local M = {} loads = (loads or 0) + 1 function M.double(x) return x * 2 end return M`)
	writeFile(t, filepath.Join(dir, "pkg", "init.lua"), `return {name = "pkg"}`)
	writeFile(t, filepath.Join(dir, "pkg", "sub.lua"), `return {name = "pkg.sub"}`)
	writeFile(t, filepath.Join(outside, "secret.lua"), `return {name = "secret"}`)
	if err := os.Symlink(filepath.Join(outside, "secret.lua"), filepath.Join(dir, "escape.lua")); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ code, want, wantErr string }{
		{`return tostring(require("util").double(rec.n))`, "42", ""},
		{`require("util") require("util") return tostring(loads)`, "1", ""},
		{`return require("pkg").name .. " " .. require("pkg.sub").name`, "pkg pkg.sub", ""},
		{`require("nothere")`, "", `require("nothere"): not found`},
		{`require("../secret")`, "", "invalid module name"},
		{`require("/etc/passwd")`, "", "invalid module name"},
		{`require("escape")`, "", "leads outside"},
	} {
		opts := inline(c.code)
		opts.LuaPath = []string{dir}
		res := runScript(t, opts, `{"n":21}`)
		if c.wantErr != "" {
			if !strings.Contains(errText(res.err), c.wantErr) {
				t.Errorf("%s: error %q, want one containing %q", c.code, errText(res.err), c.wantErr)
			}
			continue
		}
		if res.err != nil || len(res.values) != 1 || res.values[0] != c.want {
			t.Errorf("%s = %q, %v; want %q", c.code, res.values, res.err, c.want)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTimeout(t *testing.T) {
	opts := inline(`if rec.loop then while true do end end`)
	opts.Timeout = 50 * time.Millisecond
	res := runScript(t, opts, `{}`, `{"loop":true}`)
	if got := errText(res.err); !strings.Contains(got, "-e:1: the script ran longer than its budget of 50ms per call") {
		t.Errorf("error = %q, want the time budget named", got)
	}
	var se *ScriptError
	if !errors.As(res.err, &se) || !se.Timeout {
		t.Errorf("error %#v is not a ScriptError with Timeout set", res.err)
	}
	if len(res.values) != 1 {
		t.Errorf("records before the loop: %q, want 1", res.values)
	}
}

func TestTimeoutThenNextRecord(t *testing.T) {
	script, err := Compile(Options{Source: `if rec.loop then while true do end end`, Inline: true, Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	proc, err := script.NewProcessor()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()

	var kept int
	emit := func(*record.Record) error { kept++; return nil }
	for i, v := range []string{`{"loop":true}`, `{}`, `{"loop":true}`, `{}`} {
		err := proc.Process(recordOf(v), emit)
		if looping := i%2 == 0; looping != (err != nil) {
			t.Errorf("record %d (%s): error %v", i, v, err)
		}
	}
	if kept != 2 {
		t.Errorf("kept %d records after timeouts, want 2", kept)
	}
}

func TestTimeoutInInit(t *testing.T) {
	res := runScript(t, Options{Name: "s.lua", Source: `function init() while true do end end function process(r) return r end`, Timeout: 20 * time.Millisecond}, `{}`)
	if !strings.Contains(errText(res.err), "init: s.lua:1: the script ran longer than its budget") {
		t.Errorf("error = %q", errText(res.err))
	}
}
