package broker

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func TestBrokerProduceConsume(t *testing.T) {
	b := startBroker(t)
	cl := newClient(t, b.Addr(), kgo.AllowAutoTopicCreation())

	rec := &kgo.Record{
		Topic:   "orders",
		Key:     []byte("k1"),
		Value:   []byte(`{"id":1}`),
		Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}},
	}
	if err := cl.ProduceSync(testContext(t), rec).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	produce(t, cl, "orders", 0, "second", "third")

	got := consumeAll(t, b.Addr(), "orders", 3)
	if want := []string{`{"id":1}`, "second", "third"}; !slices.Equal(valuesOf(got), want) {
		t.Fatalf("values = %q, want %q", valuesOf(got), want)
	}
	if string(got[0].Key) != "k1" {
		t.Errorf("key = %q, want %q", got[0].Key, "k1")
	}
	if len(got[0].Headers) != 1 || got[0].Headers[0].Key != "trace" || string(got[0].Headers[0].Value) != "abc" {
		t.Errorf("headers = %+v, want trace=abc", got[0].Headers)
	}
	for i, r := range got {
		if r.Offset != int64(i) {
			t.Errorf("record %d offset = %d, want %d", i, r.Offset, i)
		}
	}
}

func TestBrokerPartitionCounts(t *testing.T) {
	b := startBroker(t, "--partitions", "5", "--topic", "orders:6", "--topic", "audit,small:1")
	adm := kadm.NewClient(newClient(t, b.Addr()))

	// A topic named in a metadata request with auto creation is created
	// on first use with --partitions partitions.
	if code := metadataCreate(t, b.Addr(), "fresh"); code != 0 {
		t.Fatalf("metadata for new topic: error code %d", code)
	}

	topics, err := adm.ListTopics(testContext(t))
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	want := map[string]int{"orders": 6, "audit": 5, "small": 1, "fresh": 5}
	for name, n := range want {
		td, ok := topics[name]
		if !ok {
			t.Errorf("topic %q missing; have %v", name, topics.Names())
			continue
		}
		if len(td.Partitions) != n {
			t.Errorf("topic %q has %d partitions, want %d", name, len(td.Partitions), n)
		}
	}
}

func TestBrokerNoAutoCreate(t *testing.T) {
	b := startBroker(t, "--no-auto-create", "--topic", "known")

	if code := metadataCreate(t, b.Addr(), "unknown"); code != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("metadata for unknown topic: error code %d, want %d (UNKNOWN_TOPIC_OR_PARTITION)", code, kerr.UnknownTopicOrPartition.Code)
	}
	if code := metadataCreate(t, b.Addr(), "known"); code != 0 {
		t.Errorf("metadata for --topic topic: error code %d, want 0", code)
	}
}

// metadataCreate sends a metadata request for topic that allows auto
// creation and returns the topic's error code.
func metadataCreate(t *testing.T, addr, topic string) int16 {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = true
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)

	resp, err := req.RequestWith(testContext(t), newClient(t, addr))
	if err != nil {
		t.Fatalf("metadata request: %v", err)
	}
	if len(resp.Topics) != 1 {
		t.Fatalf("metadata response has %d topics, want 1", len(resp.Topics))
	}
	return resp.Topics[0].ErrorCode
}

func TestBrokerGroupCommit(t *testing.T) {
	b := startBroker(t, "--topic", "events:1")
	produce(t, newClient(t, b.Addr()), "events", 0, "a", "b", "c")

	consumer := newClient(t, b.Addr(),
		kgo.ConsumerGroup("readers"),
		kgo.ConsumeTopics("events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	got := pollRecords(t, consumer, 3)
	if want := []string{"a", "b", "c"}; !slices.Equal(valuesOf(got), want) {
		t.Fatalf("values = %q, want %q", valuesOf(got), want)
	}
	if err := consumer.CommitUncommittedOffsets(testContext(t)); err != nil {
		t.Fatalf("commit: %v", err)
	}

	if got := committedOffset(t, b.Addr(), "readers", "events", 0); got != 3 {
		t.Errorf("committed offset = %d, want 3", got)
	}
}

// committedOffset returns the group's committed offset of one partition,
// or -1 when there is none.
func committedOffset(t *testing.T, addr, group, topic string, partition int32) int64 {
	t.Helper()
	offsets, err := kadm.NewClient(newClient(t, addr)).FetchOffsets(testContext(t), group)
	if err != nil {
		t.Fatalf("fetch offsets of group %q: %v", group, err)
	}
	o, ok := offsets.Lookup(topic, partition)
	if !ok {
		return -1
	}
	if o.Err != nil {
		t.Fatalf("fetch offset of group %q topic %q partition %d: %v", group, topic, partition, o.Err)
	}
	return o.At
}

func TestBrokerRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--listen", "127.0.0.1:0", "--data-dir", dir, "--topic", "events:2"}

	// Phase 1: records in two partitions and a committed offset.
	first, err := parseCommand(t, args...).Start(testLogger(t))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	cl := newClient(t, first.Addr(), kgo.AllowAutoTopicCreation())
	produce(t, cl, "events", 0, "a", "b", "c")
	produce(t, cl, "events", 1, "x")
	produce(t, cl, "auto", 0, "created on first use")
	consumer := newClient(t, first.Addr(),
		kgo.ConsumerGroup("readers"),
		kgo.ConsumeTopics("events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	pollRecords(t, consumer, 4)
	if err := consumer.CommitUncommittedOffsets(testContext(t)); err != nil {
		t.Fatalf("commit: %v", err)
	}
	consumer.Close()
	cl.Close()
	first.Close()

	// Phase 2: a new broker on the same directory has all of it.
	second, err := parseCommand(t, args...).Start(testLogger(t))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(second.Close)

	got := valuesOf(consumeAll(t, second.Addr(), "events", 4))
	slices.Sort(got)
	if want := []string{"a", "b", "c", "x"}; !slices.Equal(got, want) {
		t.Errorf("values after restart = %q, want %q", got, want)
	}
	if got := valuesOf(consumeAll(t, second.Addr(), "auto", 1)); !slices.Equal(got, []string{"created on first use"}) {
		t.Errorf("auto-created topic after restart = %q", got)
	}
	if got := committedOffset(t, second.Addr(), "readers", "events", 0); got != 3 {
		t.Errorf("committed offset of partition 0 after restart = %d, want 3", got)
	}
	if got := committedOffset(t, second.Addr(), "readers", "events", 1); got != 1 {
		t.Errorf("committed offset of partition 1 after restart = %d, want 1", got)
	}

	// Phase 3: new records continue the offsets.
	rec := &kgo.Record{Topic: "events", Partition: 0, Value: []byte("d")}
	r, err := newClient(t, second.Addr()).ProduceSync(testContext(t), rec).First()
	if err != nil {
		t.Fatalf("produce after restart: %v", err)
	}
	if r.Offset != 3 {
		t.Errorf("offset of first record after restart = %d, want 3", r.Offset)
	}
}

func TestBrokerDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	startBroker(t, "--data-dir", dir)

	_, err := parseCommand(t, "--listen", "127.0.0.1:0", "--data-dir", dir).Start(testLogger(t))
	if err == nil {
		t.Fatal("second broker on the same data directory started")
	}
	if !strings.Contains(err.Error(), "in use by another etl-broker") {
		t.Errorf("error = %q, want it to say the directory is in use", err)
	}
}

func TestBrokerBindsOnlyRequestedAddress(t *testing.T) {
	tests := []struct{ listen, other string }{
		{"127.0.0.1:0", "127.0.0.2"},
		{"127.0.0.2:0", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			b, err := parseCommand(t, "--listen", tt.listen).Start(testLogger(t))
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			t.Cleanup(b.Close)

			host, port, _ := net.SplitHostPort(b.Addr())
			if want, _, _ := net.SplitHostPort(tt.listen); host != want {
				t.Errorf("advertised host = %q, want %q", host, want)
			}
			if err := newClient(t, b.Addr()).Ping(testContext(t)); err != nil {
				t.Errorf("ping %s: %v", b.Addr(), err)
			}
			conn, err := net.Dial("tcp", net.JoinHostPort(tt.other, port))
			if err == nil {
				conn.Close()
				t.Errorf("broker on %s also accepts connections on %s", b.Addr(), tt.other)
			}
		})
	}
}

func TestBrokerAdvertise(t *testing.T) {
	tests := []struct {
		advertise string
		wantHost  string
		wantPort  string // empty for the bound port
	}{
		{"localhost", "localhost", ""},
		{"localhost:19092", "localhost", "19092"},
		{"::1", "::1", ""},
		{"[::1]:19093", "::1", "19093"},
	}
	for _, tt := range tests {
		t.Run(tt.advertise, func(t *testing.T) {
			b := startBroker(t, "--advertise", tt.advertise)
			host, port, err := net.SplitHostPort(b.Addr())
			if err != nil {
				t.Fatalf("address %q: %v", b.Addr(), err)
			}
			if host != tt.wantHost {
				t.Errorf("host = %q, want %q", host, tt.wantHost)
			}
			if tt.wantPort != "" && port != tt.wantPort {
				t.Errorf("port = %q, want %q", port, tt.wantPort)
			}
			if tt.wantPort == "" && port == "0" {
				t.Errorf("port = 0, want the bound port")
			}

			// Metadata must name the advertised address, since clients
			// connect to what metadata names.
			resp, err := kmsg.NewPtrMetadataRequest().RequestWith(testContext(t), newClient(t, b.bound))
			if err != nil {
				t.Fatalf("metadata: %v", err)
			}
			if len(resp.Brokers) != 1 {
				t.Fatalf("metadata lists %d brokers, want 1", len(resp.Brokers))
			}
			got := net.JoinHostPort(resp.Brokers[0].Host, strconv.Itoa(int(resp.Brokers[0].Port)))
			if got != b.Addr() {
				t.Errorf("metadata broker = %q, want %q", got, b.Addr())
			}
		})
	}
}

func TestBrokerSASL(t *testing.T) {
	tests := []struct {
		name       string
		mechanisms string // --sasl-mechanism, empty for the default
		client     func(user, pass string) kgo.Opt
		wantOK     bool
	}{
		{"plain", "", plainAuth, true},
		{"scram-sha-256", "", scram256Auth, true},
		{"scram-sha-512", "", scram512Auth, true},
		{"plain only, client plain", "PLAIN", plainAuth, true},
		{"plain only, client scram", "PLAIN", scram256Auth, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--sasl-user", "alice", "--sasl-password", "s3cret"}
			if tt.mechanisms != "" {
				args = append(args, "--sasl-mechanism", tt.mechanisms)
			}
			b := startBroker(t, args...)

			err := newClient(t, b.Addr(), tt.client("alice", "s3cret"), kgo.RequestRetries(0)).Ping(testContext(t))
			if tt.wantOK && err != nil {
				t.Errorf("ping with the right password: %v", err)
			}
			if !tt.wantOK && err == nil {
				t.Errorf("ping with a mechanism the broker does not allow succeeded")
			}

			err = newClient(t, b.Addr(), tt.client("alice", "wrong"), kgo.RequestRetries(0)).Ping(testContext(t))
			if err == nil {
				t.Errorf("ping with a wrong password succeeded")
			}
			err = newClient(t, b.Addr(), kgo.RequestRetries(0)).Ping(testContext(t))
			if err == nil {
				t.Errorf("ping without SASL succeeded")
			}
		})
	}
}

func plainAuth(user, pass string) kgo.Opt {
	return kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism())
}

func scram256Auth(user, pass string) kgo.Opt {
	return kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism())
}

func scram512Auth(user, pass string) kgo.Opt {
	return kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism())
}

func TestBrokerTLS(t *testing.T) {
	certFile, keyFile, pool := writeTestCert(t)
	b := startBroker(t, "--tls-cert", certFile, "--tls-key", keyFile, "--topic", "secure:1")

	tlsClient := kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	produce(t, newClient(t, b.Addr(), tlsClient), "secure", 0, "hello")
	if got := valuesOf(consumeAll(t, b.Addr(), "secure", 1, tlsClient)); !slices.Equal(got, []string{"hello"}) {
		t.Errorf("values over TLS = %q, want [hello]", got)
	}

	// A plaintext client must get no response.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := newClient(t, b.Addr(), kgo.RequestRetries(0)).Ping(ctx); err == nil {
		t.Errorf("plaintext ping of a TLS broker succeeded")
	}
}

func TestBrokerTLSWithSASL(t *testing.T) {
	certFile, keyFile, pool := writeTestCert(t)
	b := startBroker(t, "--tls-cert", certFile, "--tls-key", keyFile, "--sasl-user", "bob", "--sasl-password", "pw")

	tlsClient := kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	if err := newClient(t, b.Addr(), tlsClient, scram512Auth("bob", "pw")).Ping(testContext(t)); err != nil {
		t.Errorf("ping over TLS with SCRAM-SHA-512: %v", err)
	}
}

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files and returns their paths and a pool that trusts it.
func writeTestCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "etl-broker test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}

	dir := t.TempDir()
	certFile = filepath.Join(dir, "cert.pem")
	keyFile = filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)

	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writePEM(t *testing.T, path, blockType string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func TestBrokerTopicExistsInDataDir(t *testing.T) {
	dir := t.TempDir()
	first, err := parseCommand(t, "--listen", "127.0.0.1:0", "--data-dir", dir, "--topic", "kept:2").Start(testLogger(t))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	first.Close()

	logs, logger := logBuffer(slog.LevelInfo)
	second, err := parseCommand(t, "--listen", "127.0.0.1:0", "--data-dir", dir, "--topic", "kept:4", "--topic", "added:1").Start(logger)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(second.Close)

	if n := len(second.cluster.PartitionInfos("kept")); n != 2 {
		t.Errorf("kept topic has %d partitions, want the 2 it was created with", n)
	}
	if n := len(second.cluster.PartitionInfos("added")); n != 1 {
		t.Errorf("topic added on restart has %d partitions, want 1", n)
	}
	if !strings.Contains(logs.String(), "topic exists with another partition count") {
		t.Errorf("no warning about the partition count; logs:\n%s", logs)
	}
}

func TestBrokerListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()

	_, err = parseCommand(t, "--listen", ln.Addr().String()).Start(testLogger(t))
	if err == nil {
		t.Fatal("broker started on an address in use")
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("error = %v, want a wrapped *net.OpError", err)
	}
	if !strings.Contains(err.Error(), "--listen") {
		t.Errorf("error = %q, want it to name --listen", err)
	}
}
