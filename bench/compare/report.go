package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// machine describes where the report was measured.
type machine struct {
	cpu, memory, kernel, goVersion string
	loadAtStart                    string
	cores                          int
	peers                          []string
	date                           time.Time
}

func describeMachine(binDir string) machine {
	m := machine{cores: runtime.NumCPU(), goVersion: runtime.Version(), date: time.Now().UTC()}
	m.cpu = procField("/proc/cpuinfo", "model name")
	m.loadAtStart = loadAverage()
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n float64
		fmt.Sscanf(kb, "%f", &n)
		m.memory = fmt.Sprintf("%.1f GiB", n/(1<<20))
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(data))
	}
	for _, v := range [][]string{
		{"jq", "--version"},
		{binDir + "/gojq", "--version"},
		{"mlr", "--version"},
		{"kcat", "-V"},
		{binDir + "/benthos", "--version"},
	} {
		out, err := exec.Command(v[0], v[1]).CombinedOutput()
		if err != nil {
			continue
		}
		m.peers = append(m.peers, peerVersion(v[0], string(out)))
	}
	return m
}

// peerVersion picks the version line out of a tool's version output.
func peerVersion(tool, out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	switch {
	case strings.HasSuffix(tool, "kcat"):
		if m := kcatVersion.FindStringSubmatch(out); m != nil {
			return fmt.Sprintf("kcat %s (librdkafka %s)", m[1], m[2])
		}
	case strings.HasSuffix(tool, "benthos"):
		return "Benthos " + strings.TrimSpace(strings.TrimPrefix(lines[0], "Version:"))
	}
	return lines[0]
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

var kcatVersion = regexp.MustCompile(`Version (\S+) .*librdkafka (\S+)`)

// procField returns the value of the first "key : value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		k, v, ok := strings.Cut(scanner.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

type report struct {
	cfg     *config
	machine machine
	results []*result
	memory  []memoryRow
	startup []startupRow
}

func (rep *report) markdown() string {
	var b strings.Builder
	m := rep.machine
	fmt.Fprintf(&b, "Measured %s UTC by `make bench-compare`.", m.date.Format("2006-01-02 15:04"))
	if rep.cfg.note != "" {
		fmt.Fprintf(&b, " %s", rep.cfg.note)
	}
	fmt.Fprintf(&b, " Times are medians of %d runs after one untimed, checked run; ratios are EtelGo's speed divided by the row's speed, from those medians.\n\n", rep.cfg.runs)

	b.WriteString("| machine | |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| CPU | %s |\n| cores | %d |\n| memory | %s |\n| OS | %s |\n| Go | %s |\n", m.cpu, m.cores, m.memory, m.kernel, m.goVersion)
	fmt.Fprintf(&b, "| peers | %s |\n", strings.Join(m.peers, "; "))
	fmt.Fprintf(&b, "| load average (1, 5, 15 min) | %s at the start, %s at the end |\n\n", m.loadAtStart, loadAverage())

	b.WriteString("| input | size | lines |\n| --- | ---: | ---: |\n")
	for _, d := range rep.cfg.inputs {
		fmt.Fprintf(&b, "| %s | %.1f MB | %d |\n", d.name, float64(d.bytes)/1e6, d.lines)
	}
	b.WriteString("\n")

	rep.writeTargets(&b)
	for _, res := range rep.results {
		rep.writeResult(&b, res)
	}
	rep.writeMemory(&b)
	rep.writeStartup(&b)
	return b.String()
}

func (rep *report) find(scenarioID, dataName, rowName string) (*row, *row) {
	for _, res := range rep.results {
		if res.scenario.id != scenarioID || res.data.name != dataName {
			continue
		}
		var ref, found *row
		for _, r := range res.rows {
			if r.reference {
				ref = r
			}
			if r.name == rowName {
				found = r
			}
		}
		return ref, found
	}
	return nil, nil
}

// ratio returns how many times faster ref ran than r, from the medians.
func ratio(ref, r *row) (float64, bool) {
	if ref == nil || r == nil || ref.sum.runs == 0 || r.sum.runs == 0 || ref.sum.wall <= 0 {
		return 0, false
	}
	return r.sum.wall.Seconds() / ref.sum.wall.Seconds(), true
}

// cpuRatio returns how many times less CPU time ref used than r.
func cpuRatio(ref, r *row) (float64, bool) {
	if ref == nil || r == nil || ref.sum.runs == 0 || r.sum.runs == 0 || ref.sum.cpu <= 0 {
		return 0, false
	}
	return r.sum.cpu.Seconds() / ref.sum.cpu.Seconds(), true
}

func formatRatio(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.2f×", x)
}

func (rep *report) writeTargets(b *strings.Builder) {
	type target struct {
		scenario, row, what string
		min                 float64
	}
	targets := []target{
		{"set", "jq", "etl-set ≥ 25× jq", 25},
		{"set", "Benthos mapping", "etl-set ≥ 25× Benthos mapping", 25},
		{"set", "gojq", "etl-set ≥ 20× gojq", 20},
		{"set", "gjson.GetBytes scan", "etl-set ≥ 2/3 of a gjson.GetBytes scan", 2.0 / 3},
		{"set", "gjson.GetBytes scan, writing every line", "etl-set against a gjson.GetBytes scan that writes every line (no target)", 0},
		{"kread", "kcat -C -e", "etl-kread --values faster than kcat -C", 1},
		{"kread", "bare franz-go loop", "etl-kread --values within 20% of a bare franz-go loop", 1 / 1.2},
		{"kwrite", "kcat -P", "etl-kwrite faster than kcat -P", 1},
		{"kwrite", "bare franz-go loop", "etl-kwrite within 20% of a bare franz-go loop", 1 / 1.2},
		{"pipe", "kcat -C | jq | kcat -P", "etl-pipe ≥ 10× kcat | jq | kcat", 10},
		{"pipe", "bare copy: etl-pipe, no stages", "etl-pipe at most 25% slower than its bare copy", 1 / 1.25},
	}

	b.WriteString("### Targets\n\nMet or not is judged on the wall-time ratio; the CPU-time ratio is there because the machine may be shared.\n\n")
	b.WriteString("| target | input | EtelGo speed ÷ peer speed | peer CPU ÷ EtelGo CPU | met |\n| --- | --- | ---: | ---: | --- |\n")
	for _, t := range targets {
		for _, d := range rep.cfg.inputs {
			ref, r := rep.find(t.scenario, d.name, t.row)
			if r == nil {
				continue
			}
			x, ok := ratio(ref, r)
			cpu := "—"
			if c, ok := cpuRatio(ref, r); ok {
				cpu = formatRatio(c)
			}
			what := cell(t.what)
			switch {
			case !ok:
				fmt.Fprintf(b, "| %s | %s | not measured | — | — |\n", what, d.name)
			case !ref.ok() || !r.ok():
				fmt.Fprintf(b, "| %s | %s | %s | %s | output check failed |\n", what, d.name, formatRatio(x), cpu)
			default:
				met := "—"
				if t.min > 0 {
					met = yesNo(x >= t.min)
				}
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", what, d.name, formatRatio(x), cpu, met)
			}
		}
	}

	for _, s := range rep.startup {
		if !s.etl || s.failure != "" {
			continue
		}
		fmt.Fprintf(b, "| %s starts in under 20 ms | — | %.1f ms | — | %s |\n", s.name, float64(s.startup.Microseconds())/1000, yesNo(s.startup < 20*time.Millisecond))
		fmt.Fprintf(b, "| %s is well under 50 MB | — | %.1f MB | — | %s |\n", s.name, float64(s.bytes)/1e6, yesNo(s.bytes < 50e6))
	}
	for _, mr := range rep.memory {
		if mr.failure != "" || mr.small.runs == 0 || mr.full.runs == 0 {
			continue
		}
		fmt.Fprintf(b, "| %s peak RSS bounded: whole topic at most 1.5× half of it | %s | %.1f → %.1f MiB | — | %s |\n", mr.name, rep.cfg.kafkaInput,
			mib(mr.small.maxRSS), mib(mr.full.maxRSS), yesNo(float64(mr.full.maxRSS) <= 1.5*float64(mr.small.maxRSS)))
	}
	b.WriteString("\n")
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func (rep *report) writeResult(b *strings.Builder, res *result) {
	d := res.data
	title := strings.NewReplacer("FIELD", d.field, "LIMIT", d.limit).Replace(res.scenario.title)
	fmt.Fprintf(b, "### %s — %s\n\n", title, d.name)
	fmt.Fprintf(b, "%.1f MB, %d lines.\n\n", float64(d.bytes)/1e6, d.lines)
	b.WriteString("| tool | median | MB/s | EtelGo speed ÷ tool speed | CPU user+sys | tool CPU ÷ EtelGo CPU | peak RSS | output check |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")

	var ref *row
	for _, r := range res.rows {
		if r.reference {
			ref = r
		}
	}
	for _, r := range res.rows {
		name := cell(r.name)
		if r.etl {
			name = "**" + name + "**"
		}
		if r.sum.runs == 0 {
			reason := r.skipped
			if reason == "" {
				reason = r.failure
			}
			fmt.Fprintf(b, "| %s | — | — | — | — | — | — | not run: %s |\n", name, cell(reason))
			continue
		}
		ratioText, cpuText := "—", "—"
		if x, ok := ratio(ref, r); ok {
			ratioText = formatRatio(x)
		}
		if x, ok := cpuRatio(ref, r); ok {
			cpuText = formatRatio(x)
		}
		check := r.check
		if r.failure != "" {
			check = "**check failed**: " + r.failure
		}
		fmt.Fprintf(b, "| %s | %.3f s | %s | %s | %.3f s | %s | %.1f MiB | %s |\n", name, r.sum.wall.Seconds(),
			throughput(d.bytes, r.sum.wall), ratioText, r.sum.cpu.Seconds(), cpuText, mib(r.sum.maxRSS), cell(check))
	}
	b.WriteString("\n")

	if res.scenario.fidelity {
		var lines []string
		for _, r := range res.rows {
			if r.common >= 0 {
				lines = append(lines, fmt.Sprintf("%s %d of %d (%.1f%%)", r.name, r.common, d.lines, 100*float64(r.common)/float64(d.lines)))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(b, "Fidelity, lines byte-identical to %s's output: %s.\n\n", ref.name, strings.Join(lines, "; "))
		}
	}

	b.WriteString("<details><summary>commands</summary>\n\n```sh\n")
	for _, r := range res.rows {
		fmt.Fprintf(b, "# %s\n%s\n", r.name, r.command)
	}
	b.WriteString("```\n\n</details>\n\n")
}

// throughput formats MB/s with two significant digits at least.
func throughput(bytes int64, wall time.Duration) string {
	x := float64(bytes) / 1e6 / wall.Seconds()
	if x < 10 {
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// formatSize formats a file size in kB below a megabyte, else in MB.
func formatSize(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// cell makes text safe for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func (rep *report) writeMemory(b *strings.Builder) {
	if len(rep.memory) == 0 {
		return
	}
	fmt.Fprintf(b, "### Memory on a topic larger than the buffers\n\nPeak RSS (median of 3 runs) on a topic holding the first half of %s and on the whole topic.\n\n", rep.cfg.kafkaInput)
	b.WriteString("| command | half of the topic | the whole topic |\n| --- | ---: | ---: |\n")
	for _, mr := range rep.memory {
		if mr.failure != "" {
			fmt.Fprintf(b, "| %s | not run: %s | |\n", mr.name, cell(mr.failure))
			continue
		}
		fmt.Fprintf(b, "| %s | %.1f MiB | %.1f MiB |\n", mr.name, mib(mr.small.maxRSS), mib(mr.full.maxRSS))
	}
	b.WriteString("\n")
}

func (rep *report) writeStartup(b *strings.Builder) {
	if len(rep.startup) == 0 {
		return
	}
	fmt.Fprintf(b, "### Binary size and start-up time\n\nStart-up is the median wall time of %d runs of the version flag (`--version`, `-V` for kcat), started from Go's os/exec. The size is the executable file's: jq, mlr and kcat are Debian's builds, and jq and kcat load shared libraries (libjq, librdkafka) that the size leaves out.\n\n", rep.cfg.startupRuns)
	b.WriteString("| binary | size | start-up |\n| --- | ---: | ---: |\n")
	for _, s := range rep.startup {
		name := s.name
		if s.etl {
			name = "**" + name + "**"
		}
		if s.failure != "" {
			fmt.Fprintf(b, "| %s | %s | failed: %s |\n", name, formatSize(s.bytes), cell(s.failure))
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %.1f ms |\n", name, formatSize(s.bytes), float64(s.startup.Microseconds())/1000)
	}
	b.WriteString("\n")
}
