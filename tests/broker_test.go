package tests

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// brokerReadyTimeout bounds how long broker start waits for the ready
// file. The broker starts in milliseconds; the bound is only there to turn
// a hang into a failure.
const brokerReadyTimeout = 20 * time.Second

// brokerStopTimeout bounds how long a stop waits for a clean exit before
// it kills the broker.
const brokerStopTimeout = 20 * time.Second

// brokerKey finds a script's *scriptBroker in its Values.
type brokerKey struct{}

// scriptBroker is the etl-broker process of one script.
type scriptBroker struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	waitErr error         // cmd.Wait's result, set before exited is closed
	args    []string      // the flags given to broker start
	port    string        // the bound port, reused by broker restart
	logPath string

	// logShown is set once a failure message has included the log, so
	// that cleanup does not print it again.
	logShown bool
}

// cmdBroker implements
//
//	broker start [etl-broker flags]
//	broker stop
//	broker restart
//	broker kill
func cmdBroker(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("broker does not support '!': its subcommands either work or fail the script")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: broker start [flags] | stop | restart | kill")
	}
	b := ts.Value(brokerKey{}).(*scriptBroker)

	switch args[0] {
	case "start":
		if b.running() {
			ts.Fatalf("broker start: a broker is already running at %s; a script runs one broker", ts.Getenv("ETL_BROKERS"))
		}
		for _, a := range args[1:] {
			if flagName(a) == "--listen" || flagName(a) == "--ready-file" {
				ts.Fatalf("broker start sets %s itself; remove it from the script", flagName(a))
			}
		}
		b.args = args[1:]
		b.port = "0"
		b.start(ts)
	case "stop":
		b.mustRun(ts, "stop")
		b.stop(ts, syscall.SIGTERM)
	case "restart":
		b.mustRun(ts, "restart")
		b.stop(ts, syscall.SIGTERM)
		b.start(ts)
	case "kill":
		b.mustRun(ts, "kill")
		b.stop(ts, syscall.SIGKILL)
	default:
		ts.Fatalf("broker: unknown subcommand %q: use start, stop, restart or kill", args[0])
	}
}

// flagName returns the flag part of "--flag=value" or "--flag".
func flagName(arg string) string {
	name, _, _ := strings.Cut(arg, "=")
	return name
}

func (b *scriptBroker) running() bool {
	if b.cmd == nil {
		return false
	}
	select {
	case <-b.exited:
		return false
	default:
		return true
	}
}

func (b *scriptBroker) mustRun(ts *testscript.TestScript, sub string) {
	if !b.running() {
		ts.Fatalf("broker %s: no broker is running; use broker start first", sub)
	}
}

// start runs etl-broker on 127.0.0.1 and b.port, waits for its ready
// file, and sets ETL_BROKERS to the address it wrote.
func (b *scriptBroker) start(ts *testscript.TestScript) {
	work := ts.Getenv("WORK")
	ready := filepath.Join(work, ".broker-ready")
	b.logPath = filepath.Join(work, "broker.log")
	if err := os.Remove(ready); err != nil && !errors.Is(err, os.ErrNotExist) {
		ts.Fatalf("broker start: remove old ready file: %v", err)
	}

	// The log is appended to, so that after a restart it still shows the
	// first run.
	logFile, err := os.OpenFile(b.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	defer logFile.Close()

	args := append([]string{"--listen", net.JoinHostPort("127.0.0.1", b.port), "--ready-file", ready}, b.args...)
	cmd := exec.Command(filepath.Join(binDir, "etl-broker"), args...)
	cmd.Dir = work
	cmd.Env = brokerEnv(ts)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		ts.Fatalf("broker start: %v", err)
	}
	b.cmd = cmd
	b.exited = make(chan struct{})
	go func() {
		b.waitErr = cmd.Wait()
		close(b.exited)
	}()

	addr, err := b.waitReady(ready)
	if err != nil {
		ts.Fatalf("broker start %s: %v\n%s", strings.Join(b.args, " "), err, b.logTail())
	}
	_, b.port, _ = net.SplitHostPort(addr)
	ts.Setenv("ETL_BROKERS", addr)
	ts.Logf("broker listening on %s", addr)
}

// brokerEnv is the environment of the broker process: a minimal one, plus
// the broker's own variables when the script sets them.
func brokerEnv(ts *testscript.TestScript) []string {
	env := []string{
		"PATH=" + ts.Getenv("PATH"),
		"HOME=" + ts.Getenv("HOME"),
		"TMPDIR=" + ts.Getenv("TMPDIR"),
	}
	if pw := ts.Getenv("ETL_BROKER_SASL_PASSWORD"); pw != "" {
		env = append(env, "ETL_BROKER_SASL_PASSWORD="+pw)
	}
	return env
}

// waitReady waits until the broker writes its address to path, and fails
// if the broker exits first.
func (b *scriptBroker) waitReady(path string) (string, error) {
	deadline := time.After(brokerReadyTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		data, err := os.ReadFile(path)
		if err == nil && bytes.HasSuffix(data, []byte("\n")) {
			return strings.TrimSpace(string(data)), nil
		}
		select {
		case <-b.exited:
			return "", fmt.Errorf("etl-broker exited before it was ready: %v", b.waitErr)
		case <-deadline:
			return "", fmt.Errorf("etl-broker wrote no address to %s within %s", path, brokerReadyTimeout)
		case <-tick.C:
		}
	}
}

// stop sends sig to the broker and waits for it to exit. After SIGTERM
// the broker must exit with status 0.
func (b *scriptBroker) stop(ts *testscript.TestScript, sig syscall.Signal) {
	if err := b.cmd.Process.Signal(sig); err != nil {
		ts.Fatalf("broker: send %v: %v", sig, err)
	}
	select {
	case <-b.exited:
	case <-time.After(brokerStopTimeout):
		b.cmd.Process.Kill()
		<-b.exited
		ts.Fatalf("broker did not stop within %s of %v, so it was killed\n%s", brokerStopTimeout, sig, b.logTail())
	}
	if sig == syscall.SIGTERM && b.waitErr != nil {
		ts.Fatalf("broker exited badly after SIGTERM: %v\n%s", b.waitErr, b.logTail())
	}
}

// cleanup stops a broker left running when the script ends, and logs the
// end of its log, which go test shows when the script failed or with -v.
func (b *scriptBroker) cleanup(t testscript.T) {
	if b.cmd == nil {
		return
	}
	if b.running() {
		b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.exited:
		case <-time.After(brokerStopTimeout):
			b.cmd.Process.Kill()
			<-b.exited
			t.Log("broker did not stop within " + brokerStopTimeout.String() + " of SIGTERM, so it was killed")
		}
	}
	if !b.logShown {
		t.Log(b.logTail())
	}
}

// logTail returns the last lines of the broker log, for failure messages.
func (b *scriptBroker) logTail() string {
	const maxLines = 20
	b.logShown = true
	data, err := os.ReadFile(b.logPath)
	if err != nil {
		return fmt.Sprintf("(broker log %s unreadable: %v)", b.logPath, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return "broker log, last lines:\n" + strings.Join(lines, "\n")
}
