package broker

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/cli"
)

func TestCommandUsageErrors(t *testing.T) {
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want string // substring of stderr
	}{
		{"listen without port", []string{"--listen", "127.0.0.1"}, `invalid --listen "127.0.0.1"`},
		{"listen bad port", []string{"--listen", "127.0.0.1:99999"}, `invalid port "99999"`},
		{"listen every interface", []string{"--listen", "0.0.0.0:9092"}, "add --advertise"},
		{"listen empty host", []string{"--listen", ":9092"}, "add --advertise"},
		{"advertise unspecified", []string{"--listen", "0.0.0.0:0", "--advertise", "0.0.0.0"}, `invalid --advertise "0.0.0.0"`},
		{"advertise port 0", []string{"--advertise", "localhost:0"}, "port 0 cannot be advertised"},
		{"advertise malformed", []string{"--advertise", "a:b:c"}, "use HOST or HOST:PORT"},
		{"partitions zero", []string{"--partitions", "0"}, "invalid --partitions 0"},
		{"partitions too many", []string{"--partitions", "2147483648"}, "invalid --partitions"},
		{"topic bad name", []string{"--topic", "a/b"}, `invalid --topic "a/b"`},
		{"topic bad count", []string{"--topic", "a:zero"}, `invalid partition count "zero"`},
		{"topic twice", []string{"--topic", "a:1,a:2"}, `topic "a" is given twice`},
		{"tls cert without key", []string{"--tls-cert", certFile}, "add --tls-key"},
		{"tls key without cert", []string{"--tls-key", certFile}, "add --tls-cert"},
		{"tls bad pair", []string{"--tls-cert", certFile, "--tls-key", certFile}, "load --tls-cert"},
		{"tls missing file", []string{"--tls-cert", filepath.Join(dir, "nope.pem")}, "nope.pem"},
		{"sasl user without password", []string{"--sasl-user", "alice"}, "add --sasl-password"},
		{"sasl password without user", []string{"--sasl-password", "pw"}, "--sasl-user is missing"},
		{"sasl unknown mechanism", []string{"--sasl-user", "a", "--sasl-password", "p", "--sasl-mechanism", "GSSAPI"}, "GSSAPI"},
		{"log level", []string{"--log-level", "loud"}, "loud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ETL_BROKER_SASL_PASSWORD", "")
			var stdout, stderr bytes.Buffer
			code := cli.Main(App, tt.args, cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
			if code != cli.ExitUsage {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, cli.ExitUsage, &stderr)
			}
			if !strings.HasPrefix(stderr.String(), "etl-broker: ") {
				t.Errorf("stderr = %q, want it to start with the binary name", &stderr)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", &stderr, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", &stdout)
			}
		})
	}
}

func TestCommandSASLPasswordFromEnv(t *testing.T) {
	t.Setenv("ETL_BROKER_SASL_PASSWORD", "from-env")
	cmd := parseCommand(t, "--sasl-user", "alice")
	s, err := cmd.settings()
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	if s.saslPass != "from-env" {
		t.Errorf("password = %q, want the value of ETL_BROKER_SASL_PASSWORD", s.saslPass)
	}
}

func TestCommandAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()

	var stderr bytes.Buffer
	code := cli.Main(App, []string{"--listen", ln.Addr().String()}, cli.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr})
	if code != cli.ExitFailure {
		t.Errorf("exit code = %d, want %d", code, cli.ExitFailure)
	}
	if !strings.Contains(stderr.String(), "etl-broker: listen on "+`"`+ln.Addr().String()+`"`) {
		t.Errorf("stderr = %q, want a message naming the address", &stderr)
	}
}

// TestCommandReadyFileAndSIGTERM runs the command as the binary does and
// stops it with a real SIGTERM sent to the test process, which the
// command's signal handler catches.
func TestCommandReadyFileAndSIGTERM(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(App, []string{"--listen", "127.0.0.1:0", "--ready-file", ready, "--data-dir", filepath.Join(dir, "data")},
			cli.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr})
	}()

	addr := waitForFile(t, ready, done)
	if !strings.HasSuffix(addr, "\n") {
		t.Errorf("ready file %q does not end in a newline", addr)
	}
	addr = strings.TrimSpace(addr)
	if host, port, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("ready file address = %q, want 127.0.0.1 and the bound port", addr)
	}
	if err := newClient(t, addr).Ping(testContext(t)); err != nil {
		t.Fatalf("ping %s: %v", addr, err)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatalf("send SIGTERM: %v", err)
	}
	if code := <-done; code != cli.ExitOK {
		t.Errorf("exit code = %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Errorf("ready file still exists after stop: %v", err)
	}
	for _, want := range []string{`msg="broker started`, "addr=" + addr, `msg="broker stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// waitForFile polls until path exists and is not empty, and returns its
// content. It fails the test if the command exits first.
func waitForFile(t *testing.T, path string, exited <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 {
			return string(data)
		}
		select {
		case code := <-exited:
			t.Fatalf("command exited with code %d before writing %s", code, path)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("%s not written within 30s", path)
	return ""
}
