package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// connect connects with flags and lists the topics.
func connect(t *testing.T, flags Flags) error {
	t.Helper()
	opts, err := flags.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, kgo.RequestRetries(0))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A metadata request needs a connection that passed TLS and SASL.
	_, err = kadm.NewClient(cl).ListTopics(ctx)
	t.Logf("list topics: %v", err)
	return err
}

func TestSASLAgainstBroker(t *testing.T) {
	c, err := kfake.NewCluster(
		kfake.Ports(0),
		kfake.AllowAutoTopicCreation(),
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", "plain-pass"),
		kfake.Superuser("SCRAM-SHA-256", "scram256-user", "scram256-pass"),
		kfake.Superuser("SCRAM-SHA-512", "scram512-user", "scram512-pass"),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	tests := []struct {
		mechanism, user, pass string
		ok                    bool
	}{
		{"PLAIN", "plain-user", "plain-pass", true},
		{"SCRAM-SHA-256", "scram256-user", "scram256-pass", true},
		{"SCRAM-SHA-512", "scram512-user", "scram512-pass", true},
		{"PLAIN", "plain-user", "wrong", false},
		{"SCRAM-SHA-256", "scram256-user", "wrong", false},
		{"SCRAM-SHA-512", "scram256-user", "scram256-pass", false}, // right password, wrong mechanism
	}
	for _, tt := range tests {
		t.Run(tt.mechanism+"/"+tt.user+"/"+tt.pass, func(t *testing.T) {
			err := connect(t, Flags{
				Brokers:       c.ListenAddrs(),
				SASLMechanism: tt.mechanism,
				SASLUser:      tt.user,
				SASLPassword:  tt.pass,
			})
			if tt.ok && err != nil {
				t.Errorf("connecting failed: %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("connected with bad credentials")
			}
		})
	}
}

func TestTLSAgainstBroker(t *testing.T) {
	dir := t.TempDir()
	ca := newCertificate(t, nil, "test CA")
	server := newCertificate(t, ca, "kafka.test")
	client := newCertificate(t, ca, "etl client")
	caFile := writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.cert.Raw)
	clientCert := writePEM(t, dir, "client.pem", "CERTIFICATE", client.cert.Raw)
	clientKey := writeKey(t, dir, "client-key.pem", client.key)

	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	c, err := kfake.NewCluster(
		kfake.Ports(0),
		kfake.AllowAutoTopicCreation(),
		kfake.TLS(&tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{server.cert.Raw}, PrivateKey: server.key}},
			ClientCAs:    pool,
			ClientAuth:   tls.VerifyClientCertIfGiven,
			MinVersion:   tls.VersionTLS12,
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()

	tests := []struct {
		name  string
		flags Flags
		ok    bool
	}{
		{"ca and server name", Flags{TLSCA: caFile, TLSServerName: "kafka.test"}, true},
		{"client certificate", Flags{TLSCA: caFile, TLSServerName: "kafka.test", TLSCert: clientCert, TLSKey: clientKey}, true},
		{"skip verify", Flags{TLSInsecureSkipVerify: true}, true},
		{"system roots reject test ca", Flags{TLS: true, TLSServerName: "kafka.test"}, false},
		{"wrong server name", Flags{TLSCA: caFile, TLSServerName: "other.test"}, false},
		{"plaintext to tls listener", Flags{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.flags.Brokers = brokers
			err := connect(t, tt.flags)
			if tt.ok && err != nil {
				t.Errorf("connecting failed: %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("connected, want a TLS failure")
			}
		})
	}
}

type certificate struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newCertificate creates a certificate for name, signed by parent, or a
// self-signed certificate authority when parent is nil.
func newCertificate(t *testing.T, parent *certificate, name string) *certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{name},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	signer, signerKey := template, key
	if parent == nil {
		template.IsCA = true
		template.BasicConstraintsValid = true
	} else {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &certificate{cert: cert, key: key}
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeKey(t *testing.T, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "EC PRIVATE KEY", der)
}
