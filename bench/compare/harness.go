package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// harness runs the scenarios and keeps the broker of the Kafka ones.
type harness struct {
	cfg    *config
	runner *runner

	broker      *exec.Cmd
	brokers     string   // address of the running broker
	topicInput  *dataset // the input loaded into topicIn
	smallInput  *dataset // its first half, loaded into topicSmall
	topicSerial int

	inputDigests map[string]digest // by input path and check mode
}

// row is one contender's outcome in one scenario table.
type row struct {
	contender
	skipped string // reason it did not run
	failure string // reason its run or its output check failed
	broken  bool   // a run failed, so there are no more timed runs
	check   string // result of a passed output check
	runs    []measurement
	sum     summary
	out     string // output of the untimed run
	common  int64  // lines byte-identical to the reference row's; -1 when not counted
}

func (r *row) ok() bool { return r.skipped == "" && r.failure == "" }

// result is one scenario run on one input.
type result struct {
	scenario *scenario
	data     *dataset
	rows     []*row
}

const (
	topicIn    = "bench-in"
	topicSmall = "bench-in-small"
)

func (h *harness) bin(name string) string { return filepath.Join(h.cfg.binDir, name) }

// toolPath maps a contender's tool to an executable: "bin/x" is in $BIN.
func (h *harness) toolPath(tool string) string {
	if rest, ok := strings.CutPrefix(tool, "bin/"); ok {
		return h.bin(rest)
	}
	return tool
}

// startKafka starts etl-broker on a free loopback port, unless it runs,
// and loads d into topicIn and its first half into topicSmall.
func (h *harness) startKafka(d *dataset) error {
	if h.broker != nil {
		return nil
	}
	if !lookTool(h.bin("etl-broker")) {
		log.Printf("etl-broker not built: the Kafka scenarios will show it missing")
		return nil
	}

	readyFile := filepath.Join(h.cfg.workDir, "broker.addr")
	os.Remove(readyFile)
	logFile, err := os.Create(filepath.Join(h.cfg.workDir, "logs", "etl-broker.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(h.bin("etl-broker"), "--listen", "127.0.0.1:0", "--ready-file", readyFile, "--partitions", "3", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start etl-broker: %w", err)
	}
	logFile.Close()
	h.broker = cmd

	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(readyFile)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			h.brokers = strings.TrimSpace(string(data))
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("etl-broker wrote no ready file within 10s: see %s", filepath.Join(h.cfg.workDir, "logs", "etl-broker.log"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.runner.env = append(h.runner.env, "BROKERS="+h.brokers, "TOPIC_IN="+topicIn)
	log.Printf("etl-broker listening on %s (pid %d)", h.brokers, cmd.Process.Pid)

	small, err := writeHead(d, filepath.Join(h.cfg.workDir, d.name+"-half.jsonl"))
	if err != nil {
		return err
	}
	for _, load := range []struct {
		topic string
		data  *dataset
	}{{topicIn, d}, {topicSmall, small}} {
		if err := h.kafkatool("create", load.topic); err != nil {
			return err
		}
		log.Printf("loading %s (%d lines) into topic %s", load.data.name, load.data.lines, load.topic)
		if _, err := h.runner.run("load-"+load.topic, `"$BIN/kafkatool" -b "$BROKERS" -compression "$COMPRESSION" produce "$T" < "$IN"`,
			"T="+load.topic, "IN="+load.data.path); err != nil {
			return err
		}
		if n, err := h.topicCount(load.topic); err != nil || n != load.data.lines {
			return fmt.Errorf("load topic %s: it has %d records after %d lines were produced (count error: %v)", load.topic, n, load.data.lines, err)
		}
	}
	h.topicInput, h.smallInput = d, small
	return nil
}

// writeHead writes the first half of d's lines to path.
func writeHead(d *dataset, path string) (*dataset, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	want := d.lines / 2
	var n int64
	errEnough := errors.New("enough")
	err = eachLine(d.path, func(line []byte) error {
		if n == want {
			return errEnough
		}
		n++
		w.Write(line)
		return w.WriteByte('\n')
	})
	if err != nil && !errors.Is(err, errEnough) {
		f.Close()
		return nil, err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	small := &dataset{name: d.name + " (first half)", path: path, field: d.field, limit: d.limit}
	return small, small.measure()
}

func (h *harness) close() {
	if h.broker == nil {
		return
	}
	h.broker.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- h.broker.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		h.broker.Process.Kill()
		<-done
	}
	log.Printf("etl-broker stopped")
}

// kafkatool runs a management command of bench/kafkatool.
func (h *harness) kafkatool(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin("kafkatool"), append([]string{"-b", h.brokers}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kafkatool %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (h *harness) topicCount(topic string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, h.bin("kafkatool"), "-b", h.brokers, "count", topic).Output()
	if err != nil {
		return 0, fmt.Errorf("count records of %s: %w", topic, err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}

// inputDigest returns the digest of an input for a check mode, computed
// once.
func (h *harness) inputDigest(d *dataset, mode checkMode) (digest, error) {
	key := d.path + "\x00" + mode.String()
	if dg, ok := h.inputDigests[key]; ok {
		return dg, nil
	}
	dg, err := digestFile(d.path, mode)
	if err == nil {
		h.inputDigests[key] = dg
	}
	return dg, err
}

func (h *harness) runScenario(s *scenario, d *dataset) *result {
	log.Printf("scenario %s on %s", s.id, d.name)
	res := &result{scenario: s, data: d}
	for i, c := range s.build(d) {
		r := &row{contender: c, common: -1}
		r.out = filepath.Join(h.cfg.workDir, "out", fmt.Sprintf("%s-%s-%d.out", s.id, d.name, i))
		for _, tool := range c.tools {
			if !lookTool(h.toolPath(tool)) {
				r.skipped = strings.TrimPrefix(tool, "bin/") + " not found"
			}
		}
		if s.kafka && h.brokers == "" {
			r.skipped = "etl-broker not built"
		}
		res.rows = append(res.rows, r)
	}

	// The untimed run, whose output is checked. The reference row comes
	// first, so that the others can be compared with its output. When it
	// did not run, the next EtelGo row that edits replaces it as the baseline.
	var ref, baseline *row
	for _, r := range res.rows {
		if r.reference {
			ref = r
		}
	}
	for _, r := range res.rows {
		if r.skipped != "" {
			continue
		}
		if _, err := h.runOnce(s, d, r, true); err != nil {
			r.failure, r.broken = err.Error(), true
			log.Printf("  %s: %s", r.name, r.failure)
			continue
		}
		if baseline == nil && r == ref {
			baseline = r
		}
		if baseline == nil && r.etl && !r.expect.sameInput {
			baseline = r
			r.expect.mode = checkCount
		}
		h.verify(d, r, baseline)
		log.Printf("  %s: %s%s", r.name, r.check, r.failure)
	}

	for i := 0; i < h.cfg.runs; i++ {
		for _, r := range res.rows {
			if r.skipped != "" || r.broken {
				continue
			}
			m, err := h.runOnce(s, d, r, false)
			if err != nil {
				r.failure, r.broken = err.Error(), true
				continue
			}
			r.runs = append(r.runs, m)
		}
	}
	for _, r := range res.rows {
		r.sum = summarize(r.runs)
		if r.sum.runs > 0 {
			log.Printf("  %-45s median %8.3fs  cpu %8.3fs  rss %6.1f MiB", r.name, r.sum.wall.Seconds(), r.sum.cpu.Seconds(), float64(r.sum.maxRSS)/(1<<20))
		}
	}

	if s.fidelity && ref != nil && ref.ok() {
		h.countCommon(res, ref)
	}
	for _, r := range res.rows {
		os.Remove(r.out)
	}
	return res
}

// runOnce runs a contender and checks that it wrote one line per input
// line. With keep, a topic's records are read back into r.out.
func (h *harness) runOnce(s *scenario, d *dataset, r *row, keep bool) (measurement, error) {
	h.topicSerial++
	topicOut := fmt.Sprintf("bench-out-%d", h.topicSerial)
	env := []string{"IN=" + d.path, "OUT=" + r.out, "TOPIC_OUT=" + topicOut, "FIELD=" + d.field, "LIMIT=" + d.limit}
	if s.kafka && h.topicInput != nil && d.path == h.smallInput.path {
		env = append(env, "TOPIC_IN="+topicSmall)
	}

	if r.output == toTopic {
		if err := h.kafkatool("create", topicOut); err != nil {
			return measurement{}, err
		}
		defer h.kafkatool("delete", topicOut)
	}

	name := fmt.Sprintf("%s-%s-%s", s.id, d.name, r.name)
	var m measurement
	var err error
	if r.untilDone {
		m, err = h.runner.runUntil(name, r.command, func() (bool, error) {
			n, err := h.topicCount(topicOut)
			return n >= d.lines, err
		}, env...)
	} else {
		m, err = h.runner.run(name, r.command, env...)
	}
	if err != nil {
		return m, err
	}

	var lines int64
	switch r.output {
	case toFile:
		lines, err = countLines(r.out)
	case toScan:
		lines, err = scanLines(r.out)
	case toTopic:
		lines, err = h.topicCount(topicOut)
		if err == nil && keep {
			_, err = h.runner.run("read-back", `"$BIN/kafkatool" -b "$BROKERS" consume "$TOPIC_OUT" > "$OUT"`, env...)
		}
	}
	if err != nil {
		return m, err
	}
	if lines != d.lines {
		return m, fmt.Errorf("wrote %d records or lines for %d input lines", lines, d.lines)
	}
	return m, nil
}

// scanLines reads the "lines N" that gjsonscan writes.
func scanLines(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 || fields[0] != "lines" {
		return 0, fmt.Errorf("unexpected gjsonscan output %q", data)
	}
	return strconv.ParseInt(fields[1], 10, 64)
}

// verify checks the output of r's untimed run against the input or the
// baseline row's output.
func (h *harness) verify(d *dataset, r, ref *row) {
	if r.output == toScan {
		r.check = "ok: read every line"
		return
	}
	mode := r.expect.mode
	if mode == checkCount {
		r.check = fmt.Sprintf("ok: %d lines", d.lines)
		return
	}

	var want digest
	var wantPath, against string
	var err error
	if r.expect.sameInput || ref == nil || ref == r {
		want, err = h.inputDigest(d, mode)
		wantPath, against = d.path, "the input"
	} else {
		want, err = digestFile(ref.out, mode)
		wantPath, against = ref.out, ref.name
	}
	if err != nil {
		r.failure = err.Error()
		return
	}

	got, err := digestFile(r.out, mode)
	if err != nil {
		r.failure = err.Error()
		return
	}
	if got == want {
		r.check = fmt.Sprintf("ok: %s as %s", mode, against)
		return
	}

	r.failure = fmt.Sprintf("output differs from %s (%s): %s", against, mode, describeDifference(wantPath, r.out, mode))
}

// countCommon fills in, for every row with a file output, how many of its
// lines are byte-identical to the reference row's.
func (h *harness) countCommon(res *result, ref *row) {
	counts, err := lineCounts(ref.out, checkExact)
	if err != nil {
		log.Printf("  fidelity: %v", err)
		return
	}
	for _, r := range res.rows {
		if r == ref || !r.ok() || r.output != toFile || r.expect.sameInput {
			continue
		}
		// The timed runs overwrote r.out with the same output, so it is
		// still the output that was checked.
		if r.common, err = commonLines(r.out, counts); err != nil {
			log.Printf("  fidelity of %s: %v", r.name, err)
			r.common = -1
			continue
		}
		if r.common < res.data.lines {
			example, _ := firstExtraLine(r.out, counts, checkExact)
			log.Printf("  fidelity of %s: %d of %d lines identical, for example: %s", r.name, r.common, res.data.lines, example)
		}
	}
}
