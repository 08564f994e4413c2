package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a running etl-broker: one kfake broker node behind one
// listener, which is its own controller and group coordinator.
type Broker struct {
	cluster *kfake.Cluster
	addr    string // advertised
	bound   string
	unlock  func()
	logger  *slog.Logger
}

// settings are the command's flags, checked and parsed.
type settings struct {
	listen     string
	advertise  string // HOST:PORT, or HOST alone to take the bound port
	topics     []TopicSpec
	tls        *tls.Config
	saslMechs  []string
	saslUser   string
	saslPass   string
	dataDir    string
	syncWrites bool
}

// Start checks the flags, binds the listener and starts the broker. When
// it returns, the broker accepts connections on Addr. An invalid flag is a
// cli.UsageError.
func (c *Command) Start(logger *slog.Logger) (*Broker, error) {
	s, err := c.settings()
	if err != nil {
		return nil, err
	}

	unlock := func() {}
	if s.dataDir != "" {
		if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory %q: %w", s.dataDir, err)
		}
		if unlock, err = lockDataDir(s.dataDir); err != nil {
			return nil, err
		}
	}

	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("listen on %q (choose another address with --listen): %w", s.listen, err)
	}
	bound := ln.Addr().String()
	ln, addr := advertiseListener(ln, s.advertise)

	cluster, err := kfake.NewCluster(c.clusterOptions(s, ln, logger)...)
	if err != nil {
		ln.Close()
		unlock()
		if s.dataDir != "" {
			return nil, fmt.Errorf("start broker on data directory %q: %w", s.dataDir, err)
		}
		return nil, fmt.Errorf("start broker: %w", err)
	}

	b := &Broker{cluster: cluster, addr: addr, bound: bound, unlock: unlock, logger: logger}
	if err := b.createTopics(s.topics); err != nil {
		b.Close()
		return nil, err
	}

	logger.Info("broker started; for development and tests only, not for production",
		"addr", addr,
		"bound", bound,
		"partitions", c.Partitions,
		"auto_create", c.AutoCreate,
		"data_dir", s.dataDir,
		"tls", s.tls != nil,
		"sasl_mechanisms", s.saslMechs,
	)
	return b, nil
}

// Addr returns the HOST:PORT that the broker advertises in metadata,
// which is the address clients use as their seed broker.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker. With a data directory it first writes the
// topics, records and committed group offsets to it, so the next start
// on that directory continues where this one stopped.
func (b *Broker) Close() {
	b.cluster.Close()
	b.unlock()
	b.logger.Info("broker stopped", "addr", b.addr)
}

// clusterOptions translates the settings into kfake options.
func (c *Command) clusterOptions(s settings, ln net.Listener, logger *slog.Logger) []kfake.Opt {
	// kfake binds every listener to 127.0.0.1 itself. Handing it the
	// listener bound from --listen instead keeps the address exactly as
	// requested. kfake calls the function once per broker, and
	// etl-broker runs one.
	handed := false
	listen := func(string, string) (net.Listener, error) {
		if handed {
			return nil, errors.New("etl-broker runs a single broker and has no second listener")
		}
		handed = true
		return ln, nil
	}

	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(listen),
		kfake.ClusterID("etl-broker"),
		kfake.DefaultNumPartitions(c.Partitions),
		kfake.WithLogger(kfakeLogger{logger}),
	}
	if c.AutoCreate {
		// NOTE: kfake writes a topic created on first use to the data
		// directory only at a clean stop, so a crash loses it and its
		// records. Topics from --topic or CreateTopics are written at once.
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if s.dataDir != "" {
		opts = append(opts, kfake.DataDir(s.dataDir))
	}
	if s.syncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	if s.tls != nil {
		opts = append(opts, kfake.TLS(s.tls))
	}
	if s.saslUser != "" {
		opts = append(opts, kfake.EnableSASL())
		for _, mech := range s.saslMechs {
			opts = append(opts, kfake.Superuser(mech, s.saslUser, s.saslPass))
		}
	}
	return opts
}

// createTopics creates the --topic topics. kfake skips its own seed
// topics when it loads a data directory, so they are created here, after
// loading, and a topic that a data directory already holds is kept.
func (b *Broker) createTopics(topics []TopicSpec) error {
	for _, t := range topics {
		err := b.cluster.CreateTopic(t.Name, t.Partitions, nil)
		if errors.Is(err, kerr.TopicAlreadyExists) {
			have := len(b.cluster.PartitionInfos(t.Name))
			if t.Partitions > 0 && int(t.Partitions) != have {
				b.logger.Warn("topic exists with another partition count; keeping it",
					"topic", t.Name, "partitions", have, "requested", t.Partitions)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("create topic %q: %w", t.Name, err)
		}
	}
	return nil
}

// advertiseListener returns ln, wrapped to report the advertised address
// when one is set, and that address. kfake puts a listener's Addr in
// metadata responses, and clients connect to what metadata names.
func advertiseListener(ln net.Listener, advertise string) (net.Listener, string) {
	bound := ln.Addr().String()
	if advertise == "" {
		return ln, bound
	}

	addr := advertise
	if _, _, err := net.SplitHostPort(advertise); err != nil {
		_, port, _ := net.SplitHostPort(bound)
		addr = net.JoinHostPort(advertise, port)
	}
	return advertisedListener{Listener: ln, addr: tcpAddrString(addr)}, addr
}

type advertisedListener struct {
	net.Listener
	addr net.Addr
}

func (l advertisedListener) Addr() net.Addr { return l.addr }

// tcpAddrString is a TCP address kept as the HOST:PORT text it was given,
// so that a host name is advertised as a name.
type tcpAddrString string

func (a tcpAddrString) Network() string { return "tcp" }
func (a tcpAddrString) String() string  { return string(a) }

// isUnspecifiedHost reports whether host binds every interface, which no
// client can connect to as an advertised address.
func isUnspecifiedHost(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// checkPort reports whether port is a TCP port number, 0 included.
func checkPort(port string) error {
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid port %q: use a number from 0 to 65535", port)
	}
	return nil
}
