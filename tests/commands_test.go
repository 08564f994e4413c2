package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// defaultWaitfileTimeout bounds waitfile when the script gives no
// -timeout. It only turns a hang into a failure.
const defaultWaitfileTimeout = 20 * time.Second

// cmdWaitfile implements
//
//	waitfile [-timeout DURATION] PATH...
//
// which waits until every PATH exists and is not empty, for files that a
// background command writes.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("waitfile does not support '!'")
	}
	timeout := defaultWaitfileTimeout
	if len(args) >= 2 && args[0] == "-timeout" {
		d, err := time.ParseDuration(args[1])
		if err != nil || d <= 0 {
			ts.Fatalf("waitfile: invalid -timeout %q: use a Go duration such as 5s", args[1])
		}
		timeout = d
		args = args[2:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: waitfile [-timeout DURATION] PATH...")
	}

	deadline := time.Now().Add(timeout)
	for _, name := range args {
		path := ts.MkAbs(name)
		for {
			if info, err := os.Stat(path); err == nil && info.Size() > 0 {
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("waitfile: %s is missing or empty after %s", name, timeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// installHints maps each program that scripts require to the command that
// installs it.
var installHints = map[string]string{
	"kcat":                    "apt-get install -y kcat",
	"python3":                 "apt-get install -y python3",
	"python3:confluent_kafka": "apt-get install -y python3-confluent-kafka",
	"jq":                      "apt-get install -y jq",
}

// cmdRequire implements
//
//	require PROGRAM... | python3:MODULE...
//
// which fails the script, with the way to install what is missing, unless
// each PROGRAM is on PATH and each Python MODULE imports. Scripts start
// with it instead of skipping, so that a machine without kcat fails loudly.
func cmdRequire(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("require does not support '!'")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: require PROGRAM... | python3:MODULE...")
	}

	for _, name := range args {
		var err error
		if module, ok := strings.CutPrefix(name, "python3:"); ok {
			var python string
			if python, err = lookPath(ts, "python3"); err == nil {
				if out, runErr := exec.Command(python, "-c", "import "+module).CombinedOutput(); runErr != nil {
					err = fmt.Errorf("%s cannot import %s: %s", python, module, lastLine(out))
				}
			}
		} else {
			_, err = lookPath(ts, name)
		}
		if err == nil {
			continue
		}

		hint := installHints[name]
		if hint == "" {
			hint = "install it"
		}
		ts.Fatalf("require: %s is missing (%v): this script needs it; %s", name, err, hint)
	}
}

// lastLine returns the last line of a command's output.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// lookPath finds an executable on the script's PATH, which starts with
// the built binaries.
func lookPath(ts *testscript.TestScript, name string) (string, error) {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
			return path, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH", name)
}

// cmdTLSCert implements
//
//	tlscert CERTFILE KEYFILE
//
// which writes a self-signed certificate for 127.0.0.1 and localhost, and
// its private key, as PEM files. The certificate is its own CA, so clients
// trust it with CERTFILE as their CA file.
func cmdTLSCert(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("tlscert does not support '!'")
	}
	if len(args) != 2 {
		ts.Fatalf("usage: tlscert CERTFILE KEYFILE")
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts.Check(err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "etl-broker test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ts.Check(err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	ts.Check(err)

	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), certPEM, 0o644))
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), keyPEM, 0o600))
}
