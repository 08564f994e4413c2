// Command profile runs one EtelGo binary in-process under the CPU
// profiler, for finding where a benchmark's time goes:
//
//	go run ./bench/profile -o set.prof etl-set status=seen < in.jsonl > /dev/null
//	go tool pprof -top set.prof
//
// The binary is looked up by name in the suite's list of apps, so every
// binary in that list can be profiled with its usual arguments. stdin and
// stdout are the process's own, buffered as the binary itself buffers
// them.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/suite"
)

func main() {
	output := flag.String("o", "cpu.prof", "file to write the CPU profile to")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: profile [-o FILE] etl-NAME [ARGS...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(cli.ExitUsage)
	}
	os.Exit(run(*output, flag.Arg(0), flag.Args()[1:]))
}

func run(output, name string, args []string) int {
	var app *cli.App
	for i := range suite.Apps {
		if suite.Apps[i].Name == name {
			app = &suite.Apps[i]
		}
	}
	if app == nil {
		fmt.Fprintf(os.Stderr, "profile: %q is not in internal/suite's list of apps\n", name)
		return cli.ExitUsage
	}

	f, err := os.Create(output)
	if err != nil {
		fmt.Fprintf(os.Stderr, "profile: %v\n", err)
		return cli.ExitFailure
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "profile: start CPU profile: %v\n", err)
		return cli.ExitFailure
	}
	code := cli.Main(*app, args, cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	pprof.StopCPUProfile()
	return code
}
