// Package broker implements etl-broker, a single-process Kafka-protocol
// broker for trying EtelGo and for tests, built on franz-go's kfake.
//
// It is not a production broker: one node, no replication, and a data
// directory format that belongs to kfake and may change between versions.
// The end-to-end scripts in tests/ start it on 127.0.0.1 with port 0 and
// learn its address from the --ready-file.
package broker

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/etelgo/etelgo/internal/cli"
)

// App is etl-broker's command-line definition.
var App = cli.App{
	Name:    "etl-broker",
	Summary: "run a single-process Kafka-protocol broker for trying EtelGo and for tests",
	Description: `Runs a Kafka-protocol broker in one process, for trying EtelGo on a laptop
and for tests. It is built on franz-go's kfake: one node, no replication,
nothing tuned for load. Never use it as a production broker.

The broker listens on --listen, which is 127.0.0.1:9092 unless changed, so
only this machine can reach it. Port 0 picks a free port; --ready-file then
tells scripts which one. Topics are created on first use with --partitions
partitions, or at start with --topic. Without --data-dir everything lives in
memory and is gone when the broker stops. With --data-dir, topics, records
and committed consumer group offsets are kept across restarts.

It reads nothing on stdin and writes nothing on stdout. Logs go to stderr.
SIGINT or SIGTERM stops it, writing the data directory first; a second
SIGINT during that ends it at once.

Examples:

  etl-broker
  etl-broker --topic orders:6 --topic audit --data-dir ~/.cache/etl-broker
  etl-broker --listen 127.0.0.1:0 --ready-file /tmp/broker.addr &
  etl-broker --tls-cert cert.pem --tls-key key.pem --sasl-user alice --sasl-password secret

Exit status: 0 after a clean stop, 1 if the broker could not start (for
example, the address is in use), 2 for an invalid flag.`,
	New: func() any { return &Command{} },
}

// Command is etl-broker's command line.
type Command struct {
	Listen        string   `default:"127.0.0.1:9092" placeholder:"HOST:PORT" help:"Address to listen on (default ${default}); port 0 picks a free port. The broker binds this address only."`
	Advertise     string   `placeholder:"HOST[:PORT]" help:"Address that metadata responses give clients to connect to, when it differs from --listen (needed when --listen binds every interface, as 0.0.0.0 does). The port defaults to the listening port."`
	Partitions    int      `default:"3" placeholder:"N" help:"Partition count of topics created on first use or by --topic without a count (default ${default})."`
	Topic         []string `placeholder:"NAME[:PARTITIONS]" help:"Topic to create at start; repeat the flag or separate topics with commas. A topic that the data directory already contains is kept as it is."`
	AutoCreate    bool     `name:"auto-create" default:"true" negatable:"" help:"Create a topic when a client's metadata request names it and allows auto-creation. With --no-auto-create, unknown topics are errors."`
	DataDir       string   `name:"data-dir" type:"path" placeholder:"DIR" help:"Directory that keeps topics, records and committed offsets across restarts; created if missing. Without it, everything is in memory."`
	SyncWrites    bool     `name:"sync-writes" help:"Fsync the data directory after every produced batch, so that a crash of the machine loses nothing acknowledged; slower."`
	SASLUser      string   `name:"sasl-user" placeholder:"USER" help:"Require SASL authentication, as this user."`
	SASLPassword  string   `name:"sasl-password" placeholder:"PASSWORD" env:"ETL_BROKER_SASL_PASSWORD" help:"Password of --sasl-user."`
	SASLMechanism []string `name:"sasl-mechanism" enum:"PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" default:"PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" placeholder:"MECHANISM" help:"SASL mechanisms that --sasl-user may use, comma-separated (${enum})."`
	TLSCert       string   `name:"tls-cert" type:"existingfile" placeholder:"FILE" help:"PEM certificate (chain) to serve TLS with; requires --tls-key. Without it the listener is plaintext."`
	TLSKey        string   `name:"tls-key" type:"existingfile" placeholder:"FILE" help:"PEM private key of --tls-cert."`
	LogLevel      string   `name:"log-level" enum:"debug,info,warn,error" default:"info" help:"Lowest level of log lines written to stderr (${enum}); debug includes kfake's per-request lines."`
	ReadyFile     string   `name:"ready-file" type:"path" placeholder:"PATH" help:"File to write the broker's address to, followed by a newline, once it accepts connections; removed when the broker stops."`
}

// Run starts the broker and serves until SIGINT or SIGTERM.
func (c *Command) Run(env cli.Env) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.serve(ctx, stop, newLogger(env.Stderr, c.LogLevel))
}

// serve runs the broker until ctx is done. It calls release once ctx is
// done, before the data directory is written, so that the caller can let a
// second signal end the process the default way.
func (c *Command) serve(ctx context.Context, release func(), logger *slog.Logger) error {
	b, err := c.Start(logger)
	if err != nil {
		return err
	}

	if c.ReadyFile != "" {
		if err := writeReadyFile(c.ReadyFile, b.Addr()); err != nil {
			b.Close()
			return err
		}
		defer os.Remove(c.ReadyFile)
	}

	<-ctx.Done()
	release()
	logger.Info("stopping broker")
	b.Close()
	return nil
}

// writeReadyFile writes addr to path through a rename, so that a reader
// never reads a partial address.
func writeReadyFile(path, addr string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write ready file %q: %w", path, err)
	}
	_, err = tmp.WriteString(addr + "\n")
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write ready file %q: %w", path, err)
	}
	return nil
}

// settings checks the flags that kong's tags cannot check.
func (c *Command) settings() (settings, error) {
	s := settings{
		dataDir:    c.DataDir,
		syncWrites: c.SyncWrites,
	}

	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return s, cli.Usagef("invalid --listen %q: use HOST:PORT, such as 127.0.0.1:9092", c.Listen)
	}
	if err := checkPort(port); err != nil {
		return s, cli.Usagef("invalid --listen %q: %w", c.Listen, err)
	}
	s.listen = c.Listen

	if c.Advertise != "" {
		s.advertise, err = parseAdvertise(c.Advertise)
		if err != nil {
			return s, cli.Usagef("invalid --advertise %q: %w", c.Advertise, err)
		}
	} else if isUnspecifiedHost(host) {
		return s, cli.Usagef("--listen %q binds every interface, which clients cannot connect to: add --advertise with the address clients use", c.Listen)
	}

	if c.Partitions < 1 || c.Partitions > 1<<31-1 {
		return s, cli.Usagef("invalid --partitions %d: use a positive integer", c.Partitions)
	}

	seen := make(map[string]bool)
	for _, arg := range c.Topic {
		spec, err := ParseTopicSpec(arg)
		if err != nil {
			return s, cli.Usagef("invalid --topic %q: %w", arg, err)
		}
		if seen[spec.Name] {
			return s, cli.Usagef("invalid --topic %q: topic %q is given twice", arg, spec.Name)
		}
		seen[spec.Name] = true
		s.topics = append(s.topics, spec)
	}

	if s.tls, err = c.tlsConfig(); err != nil {
		return s, err
	}

	switch {
	case c.SASLUser == "" && c.SASLPassword != "":
		return s, cli.Usagef("--sasl-password is set but --sasl-user is missing: give both or neither")
	case c.SASLUser != "" && c.SASLPassword == "":
		return s, cli.Usagef("--sasl-user %q has no password: add --sasl-password or set ETL_BROKER_SASL_PASSWORD", c.SASLUser)
	case c.SASLUser != "" && len(c.SASLMechanism) == 0:
		return s, cli.Usagef("--sasl-mechanism is empty: name at least one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
	}
	s.saslUser = c.SASLUser
	s.saslPass = c.SASLPassword
	if s.saslUser != "" {
		s.saslMechs = c.SASLMechanism
	}
	return s, nil
}

// tlsConfig loads --tls-cert and --tls-key, or returns nil when neither
// is set.
func (c *Command) tlsConfig() (*tls.Config, error) {
	switch {
	case c.TLSCert == "" && c.TLSKey == "":
		return nil, nil
	case c.TLSKey == "":
		return nil, cli.Usagef("--tls-cert %q has no key: add --tls-key", c.TLSCert)
	case c.TLSCert == "":
		return nil, cli.Usagef("--tls-key %q has no certificate: add --tls-cert", c.TLSKey)
	}

	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, cli.Usagef("load --tls-cert %q and --tls-key %q: %w", c.TLSCert, c.TLSKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// parseAdvertise checks HOST or HOST:PORT and returns it as HOST:PORT, or
// as a bare host (without brackets) when it has no port.
func parseAdvertise(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// Without a port, an IPv6 address may come with or without
		// brackets. Anything else with a colon is malformed.
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), ""
		if strings.Contains(host, ":") && net.ParseIP(host) == nil {
			return "", fmt.Errorf("use HOST or HOST:PORT: %w", err)
		}
	}
	if host == "" || isUnspecifiedHost(host) {
		return "", fmt.Errorf("a client cannot connect to host %q: name a host or address that clients reach", host)
	}
	if port == "" {
		return host, nil
	}
	if err := checkPort(port); err != nil {
		return "", err
	}
	if port == "0" {
		return "", fmt.Errorf("port 0 cannot be advertised: give the port clients connect to, or only the host")
	}
	return net.JoinHostPort(host, port), nil
}
