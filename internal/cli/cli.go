// Package cli holds what every EtelGo binary shares on its command line:
// the kong set-up, the version, the exit codes, and the flag groups for
// streams and for Kafka clients.
//
// Each binary describes itself as an App: a kong-tagged struct with a Run
// method. The same App values generate the man pages and the shell
// completions, so the help text is written once.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/etelgo/etelgo/internal/stage"
)

// Exit codes shared by every binary. They are listed in each man page.
const (
	// ExitOK means the run finished and every record was handled.
	ExitOK = 0
	// ExitFailure means a record, connection or I/O error stopped the run,
	// or, for etl-kwrite, that some record was not acknowledged.
	ExitFailure = 1
	// ExitUsage means the command line was invalid: a bad flag, argument,
	// path or expression. Nothing was read.
	ExitUsage = 2
)

// Version is set at build time with
// -ldflags "-X github.com/etelgo/etelgo/internal/cli.Version=v1.2.3".
// When it is not set, the module version from the build info is used.
var Version = ""

// VersionString returns the version printed by --version.
func VersionString() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// App describes one binary.
type App struct {
	// Name is the binary's name, such as "etl-set".
	Name string
	// Summary is one line for the man page's NAME section.
	Summary string
	// Description is the help text shown under the usage line: what the
	// binary reads and writes, with examples.
	Description string
	// New returns a fresh kong-tagged command struct with a Run method.
	New func() any
	// PrepareArgs, when set, rewrites the arguments before kong parses
	// them, for an argument that kong would misread, such as a pipeline
	// line that begins with "-".
	PrepareArgs func(args []string) []string
}

// Env is the process environment a command runs in. Run methods receive
// it through kong's bindings, so tests run commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// UsageError marks an error in the command line found after parsing,
// such as an invalid path or expression. Main exits with ExitUsage.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitError carries a specific exit code out of a Run method, for
// failures that are already reported.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// versionFlag is embedded in every command.
type versionFlag struct {
	Version kong.VersionFlag `short:"V" help:"Print the version and exit."`
}

// Parser builds the kong parser for app, writing help to stdout and errors
// to stderr. The generators of man pages and completions use it too.
func Parser(app App, cmd any, stdout, stderr io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(cmd,
		kong.Name(app.Name),
		kong.Description(app.Description),
		kong.Embed(&versionFlag{}),
		kong.Vars{"version": app.Name + " " + VersionString()},
		kong.Writers(stdout, stderr),
		kong.Exit(exit),
		// Flag values may begin with a hyphen, as in kcat's "-o -10".
		kong.WithHyphenPrefixedParameters(true),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}),
	)
}

// exitPanic unwinds a kong exit (after --help or --version) out of Parse.
type exitPanic struct{ code int }

// Main parses args for app, runs the command and returns the exit code.
// Messages go to env.Stderr as one line prefixed with the binary's name.
func Main(app App, args []string, env Env) (code int) {
	cmd := app.New()
	parser, err := Parser(app, cmd, env.Stdout, env.Stderr, func(c int) { panic(exitPanic{c}) })
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: internal error in the command definition: %v\n", app.Name, err)
		return ExitFailure
	}

	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(exitPanic)
			if !ok {
				panic(p)
			}
			code = e.code
		}
	}()

	setDefaultLogger(app.Name, env.Stderr)
	if app.PrepareArgs != nil {
		args = app.PrepareArgs(args)
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", app.Name, err)
		fmt.Fprintf(env.Stderr, "%s: run '%s --help' for usage\n", app.Name, app.Name)
		return ExitUsage
	}

	err = ctx.Run(env)
	return Report(app.Name, err, env.Stderr)
}

// Report prints err as one line on stderr and returns its exit code.
func Report(name string, err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var exitErr *ExitError
	if errors.As(err, &exitErr) {
		if exitErr.Err != nil && exitErr.Err.Error() != "" {
			fmt.Fprintf(stderr, "%s: %v\n", name, exitErr.Err)
		}
		return exitErr.Code
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, strings.TrimSpace(err.Error()))
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	var usageErr *UsageError
	if errors.As(err, &usageErr) {
		return ExitUsage
	}
	return ExitFailure
}

// Run calls Main with the process's arguments and standard streams and
// exits with its code. Each cmd/etl-*/main.go calls only this.
func Run(app App) {
	os.Exit(Main(app, os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}

// setDefaultLogger sends slog's default logger, which libraries such as
// franz-go log through, to stderr as one text line per message, without
// the time and with the binary's name. ETL_LOG_LEVEL (debug, info, warn
// or error) sets the lowest level shown; the default is info.
func setDefaultLogger(name string, stderr io.Writer) {
	level := slog.LevelInfo
	if text := os.Getenv("ETL_LOG_LEVEL"); text != "" {
		if err := level.UnmarshalText([]byte(text)); err != nil {
			fmt.Fprintf(stderr, "%s: invalid ETL_LOG_LEVEL %q: use debug, info, warn or error\n", name, text)
			level = slog.LevelInfo
		}
	}
	slog.SetDefault(stage.NewLogger(stderr, level).With("app", name))
}
