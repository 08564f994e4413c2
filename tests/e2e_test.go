// Package tests runs EtelGo's end-to-end scripts: txtar files in testdata/
// that run the real binaries in shell pipelines against etl-broker.
//
// TestMain builds every binary under cmd/ once, into a temporary
// directory that the scripts find first on PATH. A binary that fails to
// build fails the whole run. See README.md beside this file for the
// commands that scripts may use.
package tests

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected files inside the txtar scripts from the actual output of a failing cmp")

// binDir holds the binaries built from cmd/.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "etelgo-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "tests: create directory for binaries: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	if err := buildBinaries(dir); err != nil {
		fmt.Fprintf(os.Stderr, "tests: %v\n", err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// buildBinaries builds every main package under cmd/ into dir with one
// go build, so a broken binary stops the run with the compiler's message.
func buildBinaries(dir string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is needed to build the binaries under test: %w", err)
	}

	cmd := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = ".." // the module root, since go test runs in tests/
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/... failed (its output is above): fix the build before running the end-to-end scripts: %w", err)
	}

	if _, err := os.Stat(filepath.Join(dir, "etl-broker")); err != nil {
		return fmt.Errorf("etl-broker was not built, and every script needs it: %w", err)
	}
	return nil
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                "testdata",
		Setup:              setupScript,
		Cmds:               scriptCommands(),
		UpdateScripts:      *update,
		RequireUniqueNames: true,
	})
}

// setupScript puts the built binaries first on PATH, names the bundled
// example data as $ETL_EXAMPLES, and gives the script its broker slot,
// stopped when the script ends.
func setupScript(env *testscript.Env) error {
	env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
	env.Setenv("ETL_BIN", binDir)
	examples, err := filepath.Abs(filepath.Join("..", "examples"))
	if err != nil {
		return fmt.Errorf("locate examples/: %w", err)
	}
	env.Setenv("ETL_EXAMPLES", examples)

	b := &scriptBroker{}
	env.Values[brokerKey{}] = b
	env.Defer(func() { b.cleanup(env.T()) })
	return nil
}

// scriptCommands returns the commands that scripts may use beside
// testscript's own.
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"broker":   cmdBroker,
		"waitfile": cmdWaitfile,
		"require":  cmdRequire,
		"tlscert":  cmdTLSCert,
	}
}
