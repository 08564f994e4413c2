// Package kafka holds what every EtelGo Kafka client shares: the
// connection flags (seed brokers, TLS, SASL) turned into franz-go client
// options, the conversion between franz-go records and EtelGo records, and
// a franz-go logger that writes through log/slog.
package kafka

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
)

// Flags are the connection flags of every binary that talks to Kafka.
// Commands embed them with `embed:""`.
type Flags struct {
	Brokers []string `short:"b" env:"ETL_BROKERS" default:"localhost:9092" sep:"," placeholder:"HOST:PORT" group:"Kafka connection" help:"Seed brokers to connect to, comma separated (default localhost:9092)."`

	TLS                   bool   `name:"tls" group:"Kafka connection" help:"Connect with TLS, verifying the brokers against the system's certificate authorities (implied by any other --tls flag)."`
	TLSCA                 string `name:"tls-ca" type:"path" placeholder:"FILE" group:"Kafka connection" help:"PEM file of the certificate authorities that sign the brokers' certificates, used instead of the system's."`
	TLSCert               string `name:"tls-cert" type:"path" placeholder:"FILE" group:"Kafka connection" help:"PEM file of the client certificate, for brokers that require one (needs --tls-key)."`
	TLSKey                string `name:"tls-key" type:"path" placeholder:"FILE" group:"Kafka connection" help:"PEM file of the client certificate's private key (needs --tls-cert)."`
	TLSServerName         string `name:"tls-server-name" placeholder:"NAME" group:"Kafka connection" help:"Host name to verify in the brokers' certificates, when it differs from the address dialled."`
	TLSInsecureSkipVerify bool   `name:"tls-insecure-skip-verify" group:"Kafka connection" help:"Accept any broker certificate without verifying it. For tests only: it allows anyone on the path to read and change the traffic."`

	SASLMechanism string `name:"sasl-mechanism" placeholder:"MECHANISM" group:"Kafka connection" help:"SASL mechanism to authenticate with: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (needs --sasl-user)."`
	SASLUser      string `name:"sasl-user" placeholder:"USER" group:"Kafka connection" help:"SASL user name."`
	SASLPassword  string `name:"sasl-password" env:"ETL_SASL_PASSWORD" placeholder:"PASSWORD" group:"Kafka connection" help:"SASL password. Prefer the environment variable: a flag is visible to every user of the machine in the process list."`
}

// ClientOptions returns the franz-go options for the seed brokers, TLS and
// SASL flags. A bad combination of flags, or a certificate file that
// cannot be read, is a cli.UsageError.
func (f *Flags) ClientOptions() ([]kgo.Opt, error) {
	seeds := SeedBrokers(f.Brokers)
	if len(seeds) == 0 {
		return nil, cli.Usagef("no seed brokers: give them with --brokers HOST:PORT or the ETL_BROKERS environment variable")
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.WithLogger(NewLogger(nil)),
	}

	tlsConfig, err := f.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsConfig))
	}

	mechanism, err := f.saslMechanism()
	if err != nil {
		return nil, err
	}
	if mechanism != nil {
		opts = append(opts, kgo.SASL(mechanism))
	}
	return opts, nil
}

// SeedBrokers splits and trims a --brokers value: every entry may itself
// hold several addresses separated by commas, as ETL_BROKERS does, and
// blank entries are dropped.
func SeedBrokers(values []string) []string {
	var seeds []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				seeds = append(seeds, s)
			}
		}
	}
	return seeds
}
