package kafka

import (
	"strings"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/etelgo/etelgo/internal/cli"
)

// SASLMechanisms lists the values of --sasl-mechanism.
var SASLMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// saslMechanism builds the SASL mechanism from the --sasl flags, or
// returns nil when SASL is off. The mechanism name is case-insensitive.
func (f *Flags) saslMechanism() (sasl.Mechanism, error) {
	name := strings.ToUpper(strings.TrimSpace(f.SASLMechanism))
	if name == "" {
		if f.SASLUser != "" {
			return nil, cli.Usagef("--sasl-user %q needs --sasl-mechanism: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", f.SASLUser)
		}
		return nil, nil
	}
	if f.SASLUser == "" {
		return nil, cli.Usagef("--sasl-mechanism %s needs --sasl-user, and the password in ETL_SASL_PASSWORD or --sasl-password", name)
	}

	switch name {
	case "PLAIN":
		return plain.Auth{User: f.SASLUser, Pass: f.SASLPassword}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: f.SASLUser, Pass: f.SASLPassword}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: f.SASLUser, Pass: f.SASLPassword}.AsSha512Mechanism(), nil
	}
	return nil, cli.Usagef("invalid --sasl-mechanism %q: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", f.SASLMechanism)
}
