// Command compare runs EtelGo and its peers side by side on the same
// inputs and writes the medians, ratios, CPU time and peak RSS as a
// Markdown report. bench/compare.sh builds everything it needs and runs
// it; see docs/benchmarks.md.
//
// Every contender first runs once untimed, and its output is checked
// against the input or against EtelGo's output, so that no speed comes
// from doing less. Then every contender runs -runs times, interleaved, so
// that a noisy moment of the machine spreads over all of them.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// inputFlag collects -input NAME=PATH values in order.
type inputFlag []string

func (f *inputFlag) String() string     { return strings.Join(*f, ",") }
func (f *inputFlag) Set(v string) error { *f = append(*f, v); return nil }

// knownFields gives, per input name, the numeric field present on every
// line that the math and script scenarios edit, and the script's
// threshold on it.
var knownFields = map[string][2]string{
	"orders":                  {"amount", "100"},
	"wikiticker":              {"added", "100"},
	"windows-security-events": {"ThreadID", "5000"},
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("compare: ")

	var inputs inputFlag
	cfg := config{}
	flag.StringVar(&cfg.benchDir, "bench", "bench", "the bench/ directory, holding the Benthos configurations")
	flag.StringVar(&cfg.binDir, "bin", "bench/.bin", "directory of the EtelGo binaries, the built peers and the helpers")
	flag.StringVar(&cfg.workDir, "work", "bench/.data", "directory for outputs and logs")
	flag.IntVar(&cfg.runs, "runs", 5, "timed runs of each contender")
	flag.IntVar(&cfg.startupRuns, "startup-runs", 50, "runs of each binary's --version for the start-up time")
	flag.Var(&inputs, "input", "input file as NAME=PATH; repeat for several inputs")
	flag.StringVar(&cfg.kafkaInput, "kafka-input", "orders", "NAME of the input loaded into the topic of the Kafka scenarios")
	only := flag.String("scenarios", "set,math,script,kread,kwrite,pipe,memory,startup", "scenarios to run, comma separated")
	flag.StringVar(&cfg.compression, "compression", "none", "batch compression of every producer (etl-kwrite, kcat, franz-go loop)")
	flag.StringVar(&cfg.resultsPath, "results", "bench/.data/results.md", "file to write the Markdown report to")
	flag.StringVar(&cfg.docPath, "doc", "", "Markdown file whose section between the bench-compare markers is replaced by the report")
	flag.StringVar(&cfg.note, "note", "", "one line about the run for the report, such as the size of the generated input")
	flag.Parse()

	cfg.only = make(map[string]bool)
	for _, s := range strings.Split(*only, ",") {
		cfg.only[strings.TrimSpace(s)] = true
	}
	for _, in := range inputs {
		name, path, ok := strings.Cut(in, "=")
		if !ok {
			log.Fatalf("invalid -input %q: want NAME=PATH", in)
		}
		d := &dataset{name: name, path: path, field: "amount", limit: "100"}
		if f, ok := knownFields[name]; ok {
			d.field, d.limit = f[0], f[1]
		}
		cfg.inputs = append(cfg.inputs, d)
	}
	if len(cfg.inputs) == 0 {
		log.Fatal("no inputs: give at least one -input NAME=PATH")
	}

	if err := run(&cfg); err != nil {
		log.Fatal(err)
	}
}

type config struct {
	benchDir, binDir, workDir string
	runs, startupRuns         int
	inputs                    []*dataset
	kafkaInput                string
	only                      map[string]bool
	compression               string
	resultsPath, docPath      string
	note                      string
}

func run(cfg *config) error {
	for _, dir := range []*string{&cfg.benchDir, &cfg.binDir, &cfg.workDir} {
		abs, err := filepath.Abs(*dir)
		if err != nil {
			return err
		}
		*dir = abs
	}
	for _, dir := range []string{"out", "logs"} {
		if err := os.MkdirAll(filepath.Join(cfg.workDir, dir), 0o755); err != nil {
			return err
		}
	}
	for _, d := range cfg.inputs {
		if err := d.measure(); err != nil {
			return err
		}
	}

	h := &harness{
		cfg: cfg,
		runner: &runner{
			logDir:  filepath.Join(cfg.workDir, "logs"),
			timeBin: "/usr/bin/time",
			env: []string{
				"BIN=" + cfg.binDir,
				"BENCH=" + cfg.benchDir,
				"COMPRESSION=" + cfg.compression,
				"ETL_BROKERS=",
			},
		},
		inputDigests: make(map[string]digest),
	}
	defer h.close()

	// A stopped run must not leave the broker behind.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-signals
		log.Printf("stopping on %v", sig)
		h.close()
		os.Exit(1)
	}()

	rep := &report{cfg: cfg, machine: describeMachine(cfg.binDir)}
	for i := range scenarios {
		s := &scenarios[i]
		if !cfg.only[s.id] {
			continue
		}
		for _, d := range cfg.inputs {
			if s.kafka && d.name != cfg.kafkaInput {
				continue
			}
			if s.kafka {
				if err := h.startKafka(d); err != nil {
					return err
				}
			}
			rep.results = append(rep.results, h.runScenario(s, d))
		}
	}
	if cfg.only["memory"] {
		rep.memory = h.memory()
	}
	if cfg.only["startup"] {
		rep.startup = h.startup()
	}

	text := rep.markdown()
	if err := os.WriteFile(cfg.resultsPath, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	log.Printf("report written to %s", cfg.resultsPath)
	if cfg.docPath != "" {
		if err := replaceSection(cfg.docPath, text); err != nil {
			return err
		}
		log.Printf("results section of %s replaced", cfg.docPath)
	}
	return nil
}

// measure fills in the size and line count of the input.
func (d *dataset) measure() error {
	info, err := os.Stat(d.path)
	if err != nil {
		return fmt.Errorf("input %s: %w", d.name, err)
	}
	d.bytes = info.Size()
	d.lines, err = countLines(d.path)
	if err != nil {
		return fmt.Errorf("input %s: %w", d.name, err)
	}
	return nil
}

const (
	sectionBegin = "<!-- bench-compare:begin -->"
	sectionEnd   = "<!-- bench-compare:end -->"
)

// replaceSection replaces what lies between the markers in path by text.
func replaceSection(path, text string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %q: %w", path, err)
	}
	doc := string(data)
	begin := strings.Index(doc, sectionBegin)
	end := strings.Index(doc, sectionEnd)
	if begin < 0 || end < begin {
		return fmt.Errorf("%q has no %s ... %s section to replace", path, sectionBegin, sectionEnd)
	}
	doc = doc[:begin+len(sectionBegin)] + "\n\n" + text + "\n" + doc[end:]
	return os.WriteFile(path, []byte(doc), 0o644)
}
