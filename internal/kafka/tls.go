package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"os"

	"github.com/etelgo/etelgo/internal/cli"
)

// tlsConfig builds the TLS configuration from the --tls flags, or returns
// nil when TLS is off. Any --tls-* flag turns TLS on.
func (f *Flags) tlsConfig() (*tls.Config, error) {
	if !f.TLS && f.TLSCA == "" && f.TLSCert == "" && f.TLSKey == "" && f.TLSServerName == "" && !f.TLSInsecureSkipVerify {
		return nil, nil
	}
	config := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         f.TLSServerName,
		InsecureSkipVerify: f.TLSInsecureSkipVerify, //nolint:gosec // only when the user asks for it with --tls-insecure-skip-verify
	}

	if f.TLSCA != "" {
		pem, err := os.ReadFile(f.TLSCA)
		if err != nil {
			return nil, cli.Usagef("cannot read --tls-ca %q: %w", f.TLSCA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cli.Usagef("invalid --tls-ca %q: no PEM certificate found; give a file with one or more \"BEGIN CERTIFICATE\" blocks", f.TLSCA)
		}
		config.RootCAs = pool
	}

	switch {
	case f.TLSCert != "" && f.TLSKey != "":
		cert, err := tls.LoadX509KeyPair(f.TLSCert, f.TLSKey)
		if err != nil {
			return nil, cli.Usagef("cannot load the client certificate --tls-cert %q with --tls-key %q: %w", f.TLSCert, f.TLSKey, err)
		}
		config.Certificates = []tls.Certificate{cert}
	case f.TLSCert != "":
		return nil, cli.Usagef("--tls-cert %q needs --tls-key: give the file of the certificate's private key too", f.TLSCert)
	case f.TLSKey != "":
		return nil, cli.Usagef("--tls-key %q needs --tls-cert: give the file of the client certificate too", f.TLSKey)
	}
	return config, nil
}
