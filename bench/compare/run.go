package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// measurement is one timed run of a command.
type measurement struct {
	wall   time.Duration // measured by this program around /usr/bin/time
	cpu    time.Duration // user + system time of the command and its children, from the process's rusage
	maxRSS int64         // bytes, of the largest single process, from /usr/bin/time's %M
}

// runner runs shell commands under /usr/bin/time with the benchmark's
// environment.
type runner struct {
	env     []string // added to os.Environ
	logDir  string
	timeBin string
}

// run executes command with bash -o pipefail, so that a failing stage of a
// pipeline fails the run. stdout and stderr of the command go to a log
// file, whose tail is quoted in the error.
func (r *runner) run(name, command string, extraEnv ...string) (measurement, error) {
	timeFile := filepath.Join(r.logDir, "time.out")
	logPath := filepath.Join(r.logDir, sanitize(name)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return measurement{}, fmt.Errorf("create log file: %w", err)
	}
	defer logFile.Close()

	cmd := exec.Command(r.timeBin, "-f", "%e %U %S %M", "-o", timeFile, "bash", "-o", "pipefail", "-c", command)
	cmd.Env = append(append(os.Environ(), r.env...), extraEnv...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile

	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start)

	if runErr != nil {
		return measurement{}, fmt.Errorf("%s: %w (log %s: %s)", name, runErr, logPath, tail(logPath))
	}
	m, err := parseTime(timeFile)
	if err != nil {
		return measurement{}, err
	}
	m.wall = wall
	// /usr/bin/time rounds CPU times to 10 ms, too coarse for the fast
	// rows; the rusage of the time process includes the command's, in
	// microseconds.
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return m, nil
}

// runUntil starts command like run, for a command that does not stop by
// itself. It calls done every 20 ms. Once done returns true, the wall time
// is taken and the command gets SIGTERM, after which it must exit cleanly.
// The command must exec its one process, so that the process that
// /usr/bin/time waits for is the one that gets the signal.
func (r *runner) runUntil(name, command string, done func() (bool, error), extraEnv ...string) (measurement, error) {
	timeFile := filepath.Join(r.logDir, "time.out")
	logPath := filepath.Join(r.logDir, sanitize(name)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return measurement{}, fmt.Errorf("create log file: %w", err)
	}
	defer logFile.Close()

	cmd := exec.Command(r.timeBin, "-f", "%e %U %S %M", "-o", timeFile, "bash", "-c", command)
	cmd.Env = append(append(os.Environ(), r.env...), extraEnv...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, fmt.Errorf("%s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var wall time.Duration
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	timeout := time.After(10 * time.Minute)
	for wall == 0 {
		select {
		case err := <-exited:
			return measurement{}, fmt.Errorf("%s: stopped before it was done: %v (log %s: %s)", name, err, logPath, tail(logPath))
		case <-timeout:
			cmd.Process.Kill()
			<-exited
			return measurement{}, fmt.Errorf("%s: not done within 10 minutes (log %s)", name, logPath)
		case <-ticker.C:
			ok, err := done()
			if err != nil {
				cmd.Process.Kill()
				<-exited
				return measurement{}, fmt.Errorf("%s: %w", name, err)
			}
			if ok {
				wall = time.Since(start)
			}
		}
	}

	child, err := childProcess(cmd.Process.Pid)
	if err != nil {
		cmd.Process.Kill()
		<-exited
		return measurement{}, fmt.Errorf("%s: %w", name, err)
	}
	child.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		return measurement{}, fmt.Errorf("%s: exit after SIGTERM: %w (log %s: %s)", name, err, logPath, tail(logPath))
	}

	m, err := parseTime(timeFile)
	if err != nil {
		return measurement{}, err
	}
	m.wall = wall
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return m, nil
}

// childProcess returns the only child of process pid, from Linux's
// /proc/PID/task/PID/children.
func childProcess(pid int) (*os.Process, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil, fmt.Errorf("find the command's process: %w", err)
	}
	fields := strings.Fields(string(data))
	if len(fields) != 1 {
		return nil, fmt.Errorf("find the command's process: /usr/bin/time has %d children, want 1", len(fields))
	}
	child, err := strconv.Atoi(fields[0])
	if err != nil {
		return nil, fmt.Errorf("find the command's process: %w", err)
	}
	return os.FindProcess(child)
}

// parseTime reads the last line that /usr/bin/time -f '%e %U %S %M' wrote.
func parseTime(path string) (measurement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return measurement{}, fmt.Errorf("read /usr/bin/time output: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(fields) != 4 {
		return measurement{}, fmt.Errorf("unexpected /usr/bin/time output %q", data)
	}
	var numbers [4]float64
	for i, f := range fields {
		if numbers[i], err = strconv.ParseFloat(f, 64); err != nil {
			return measurement{}, fmt.Errorf("unexpected /usr/bin/time output %q: %w", data, err)
		}
	}
	return measurement{maxRSS: int64(numbers[3]) * 1024}, nil
}

// tail returns the last few lines of a log file, on one line.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	data = bytes.TrimSpace(data)
	if len(data) > 600 {
		data = data[len(data)-600:]
	}
	return strings.ReplaceAll(string(data), "\n", " | ")
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, name)
}

// summary holds the medians of a contender's timed runs.
type summary struct {
	runs   int
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64
}

func summarize(ms []measurement) summary {
	if len(ms) == 0 {
		return summary{}
	}
	walls := make([]time.Duration, len(ms))
	cpus := make([]time.Duration, len(ms))
	rss := make([]int64, len(ms))
	for i, m := range ms {
		walls[i], cpus[i], rss[i] = m.wall, m.cpu, m.maxRSS
	}
	return summary{runs: len(ms), wall: median(walls), cpu: median(cpus), maxRSS: median(rss)}
}

// median returns the middle value, or the mean of the two middle values.
func median[T time.Duration | int64](values []T) T {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// lookTool reports whether an executable is available, as a path or on
// PATH.
func lookTool(name string) bool {
	if strings.Contains(name, "/") {
		info, err := os.Stat(name)
		return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
	}
	_, err := exec.LookPath(name)
	return err == nil || errors.Is(err, exec.ErrDot)
}
