package kafka

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/etelgo/etelgo/internal/cli"
)

func TestSeedBrokers(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"localhost:9092"}, []string{"localhost:9092"}},
		{[]string{"a:1,b:2", " c:3 "}, []string{"a:1", "b:2", "c:3"}},
		{[]string{"a:1,,", ""}, []string{"a:1"}},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := SeedBrokers(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SeedBrokers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClientOptionsUsageErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		flags Flags
		want  string // substring of the message
	}{
		{"no brokers", Flags{Brokers: []string{" , "}}, "no seed brokers"},
		{"cert without key", Flags{TLSCert: "c.pem"}, "--tls-cert \"c.pem\" needs --tls-key"},
		{"key without cert", Flags{TLSKey: "k.pem"}, "--tls-key \"k.pem\" needs --tls-cert"},
		{"missing ca", Flags{TLSCA: filepath.Join(dir, "absent.pem")}, "cannot read --tls-ca"},
		{"ca without pem", Flags{TLSCA: notPEM}, "no PEM certificate found"},
		{"missing cert files", Flags{TLSCert: filepath.Join(dir, "c.pem"), TLSKey: filepath.Join(dir, "k.pem")}, "cannot load the client certificate"},
		{"user without mechanism", Flags{SASLUser: "alice"}, "--sasl-user \"alice\" needs --sasl-mechanism"},
		{"mechanism without user", Flags{SASLMechanism: "PLAIN"}, "needs --sasl-user"},
		{"unknown mechanism", Flags{SASLMechanism: "GSSAPI", SASLUser: "alice"}, "invalid --sasl-mechanism \"GSSAPI\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.flags.Brokers == nil {
				tt.flags.Brokers = []string{"127.0.0.1:9092"}
			}
			_, err := tt.flags.ClientOptions()
			if err == nil {
				t.Fatalf("ClientOptions() succeeded, want an error containing %q", tt.want)
			}
			var usage *cli.UsageError
			if !errors.As(err, &usage) {
				t.Errorf("error %v is not a cli.UsageError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestClientOptionsValid(t *testing.T) {
	tests := []struct {
		name  string
		flags Flags
		count int // options: seeds and logger, then TLS, then SASL
	}{
		{"plaintext", Flags{}, 2},
		{"tls", Flags{TLS: true}, 3},
		{"tls implied by server name", Flags{TLSServerName: "kafka.internal"}, 3},
		{"tls implied by skip verify", Flags{TLSInsecureSkipVerify: true}, 3},
		{"sasl lower case", Flags{SASLMechanism: "scram-sha-512", SASLUser: "u", SASLPassword: "p"}, 3},
		{"sasl and tls", Flags{TLS: true, SASLMechanism: "PLAIN", SASLUser: "u"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.flags.Brokers = []string{"127.0.0.1:9092"}
			opts, err := tt.flags.ClientOptions()
			if err != nil {
				t.Fatal(err)
			}
			if len(opts) != tt.count {
				t.Errorf("got %d options, want %d", len(opts), tt.count)
			}
		})
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("ETL_BROKERS", "a:1,b:2")
	t.Setenv("ETL_SASL_PASSWORD", "s3cret")

	var cmd struct {
		Flags `embed:""`
	}
	parser, err := kong.New(&cmd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"--sasl-mechanism", "PLAIN", "--sasl-user", "alice"}); err != nil {
		t.Fatal(err)
	}
	if got := SeedBrokers(cmd.Brokers); !reflect.DeepEqual(got, []string{"a:1", "b:2"}) {
		t.Errorf("brokers = %q, want [a:1 b:2]", got)
	}
	if cmd.SASLPassword != "s3cret" {
		t.Errorf("password = %q, want the value of ETL_SASL_PASSWORD", cmd.SASLPassword)
	}
}

func TestFlagsDefaultBroker(t *testing.T) {
	t.Setenv("ETL_BROKERS", "")
	os.Unsetenv("ETL_BROKERS")

	var cmd struct {
		Flags `embed:""`
	}
	parser, err := kong.New(&cmd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"-b", "x:1,y:2"}); err != nil {
		t.Fatal(err)
	}
	if got := SeedBrokers(cmd.Brokers); !reflect.DeepEqual(got, []string{"x:1", "y:2"}) {
		t.Errorf("brokers = %q, want [x:1 y:2]", got)
	}
	if _, err := parser.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if got := SeedBrokers(cmd.Brokers); !reflect.DeepEqual(got, []string{"localhost:9092"}) {
		t.Errorf("default brokers = %q, want [localhost:9092]", got)
	}
}
