package main

import (
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// memoryRow is the peak RSS of one EtelGo command on the topic holding
// half of the input and on the whole topic: a memory bounded by
// configuration stays the same.
type memoryRow struct {
	name        string
	small, full summary
	failure     string
}

// memory runs the EtelGo Kafka readers on the topic holding half of the
// input and on the whole topic.
func (h *harness) memory() []memoryRow {
	if h.topicInput == nil {
		return nil
	}
	s := &scenario{id: "memory", kafka: true}
	field := h.topicInput.field
	contenders := []contender{
		{name: "etl-kread -e (envelopes)", tools: []string{"bin/etl-kread"},
			command: `"$BIN/etl-kread" -b "$BROKERS" -e "$TOPIC_IN" > "$OUT"`},
		{name: "etl-pipe, no stages", tools: []string{"bin/etl-pipe"}, output: toTopic, untilDone: true,
			command: `exec "$BIN/etl-pipe" run --admin off "etl-kread -b $BROKERS $TOPIC_IN | etl-kwrite -b $BROKERS --compression $COMPRESSION $TOPIC_OUT"`},
		{name: "etl-pipe, two edits", tools: []string{"bin/etl-pipe"}, output: toTopic, untilDone: true,
			command: `exec "$BIN/etl-pipe" run --admin off "etl-kread -b $BROKERS $TOPIC_IN | etl-set status=seen | etl-math '` + field + ` *= 1.2' | etl-kwrite -b $BROKERS --compression $COMPRESSION $TOPIC_OUT"`},
	}

	var rows []memoryRow
	for _, c := range contenders {
		mr := memoryRow{name: c.name}
		r := &row{contender: c, out: filepath.Join(h.cfg.workDir, "out", "memory.out")}
		for _, tool := range c.tools {
			if !lookTool(h.toolPath(tool)) {
				mr.failure = tool[len("bin/"):] + " not found"
			}
		}
		for _, d := range []*dataset{h.smallInput, h.topicInput} {
			if mr.failure != "" {
				break
			}
			var ms []measurement
			for range 3 {
				m, err := h.runOnce(s, d, r, false)
				if err != nil {
					mr.failure = err.Error()
					break
				}
				ms = append(ms, m)
			}
			if d == h.smallInput {
				mr.small = summarize(ms)
			} else {
				mr.full = summarize(ms)
			}
		}
		os.Remove(r.out)
		log.Printf("memory %s: %.1f MiB on %d lines, %.1f MiB on %d lines %s", c.name,
			float64(mr.small.maxRSS)/(1<<20), h.smallInput.lines, float64(mr.full.maxRSS)/(1<<20), h.topicInput.lines, mr.failure)
		rows = append(rows, mr)
	}
	return rows
}

// startupRow is the size and start-up time of one binary.
type startupRow struct {
	name    string
	etl     bool
	bytes   int64
	startup time.Duration // median wall time of a --version run
	failure string
}

// startup measures every EtelGo binary in the bin directory and the
// peers, each running its version flag startupRuns times.
func (h *harness) startup() []startupRow {
	type binary struct {
		name, path, flag string
		etl              bool
	}
	var binaries []binary
	paths, _ := filepath.Glob(h.bin("etl-*"))
	slices.Sort(paths)
	for _, p := range paths {
		binaries = append(binaries, binary{filepath.Base(p), p, "--version", true})
	}
	for _, peer := range []binary{
		{"jq", "jq", "--version", false},
		{"gojq", h.bin("gojq"), "--version", false},
		{"mlr", "mlr", "--version", false},
		{"kcat", "kcat", "-V", false},
		{"benthos", h.bin("benthos"), "--version", false},
	} {
		if path, err := exec.LookPath(peer.path); err == nil {
			peer.path = path
			binaries = append(binaries, peer)
		}
	}

	var rows []startupRow
	for _, b := range binaries {
		sr := startupRow{name: b.name, etl: b.etl}
		if info, err := os.Stat(b.path); err == nil {
			sr.bytes = info.Size()
		}
		var walls []time.Duration
		for range h.cfg.startupRuns {
			cmd := exec.Command(b.path, b.flag)
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			start := time.Now()
			if err := cmd.Run(); err != nil {
				sr.failure = err.Error()
				break
			}
			walls = append(walls, time.Since(start))
		}
		if len(walls) > 0 {
			sr.startup = median(walls)
		}
		log.Printf("start-up %s: %v, %d bytes %s", b.name, sr.startup, sr.bytes, sr.failure)
		rows = append(rows, sr)
	}
	return rows
}
