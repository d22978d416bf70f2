// Package temporalx sets up Temporal clients and workers from the environment, and holds
// the custom search attributes, defined once here and used by `make up`, the tests and
// the Helm chart's registration Job.
package temporalx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
)

// Config says how to reach Temporal. TLS and API key come from files or variables that a
// Kubernetes Secret provides; nothing here is ever logged.
type Config struct {
	Address       string // host:port of the frontend
	Namespace     string
	TLSCertFile   string // client certificate for mTLS
	TLSKeyFile    string
	TLSCAFile     string // CA of the server, when not a public CA
	TLSServerName string
	TLS           bool   // TLS without a client certificate (e.g. Temporal Cloud with an API key)
	APIKey        string // Temporal Cloud API key
	// PayloadKeys encrypts every payload and failure message of every client and worker
	// (required: service.LoadTemporal refuses to start without it).
	PayloadKeys *keyring.Keyring
}

// Codecs is the one seam where payload codecs plug in. Every client and worker of the
// product gets its data converter from here: the payload encryption of Config.PayloadKeys,
// then any codecs given.
type Codecs []converter.PayloadCodec

// DataConverter wraps the default converter (which handles proto messages) with the codecs.
func (cs Codecs) DataConverter() converter.DataConverter {
	if len(cs) == 0 {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), cs...)
}

// Dial connects a client. It checks the connection, so a wrong address fails at start.
// With a registerer, the SDK's metrics (and so those of every worker built on the client)
// are exported to it.
func Dial(
	ctx context.Context,
	cfg Config,
	codecs Codecs,
	log *slog.Logger,
	reg prometheus.Registerer,
) (client.Client, error) {
	if cfg.PayloadKeys != nil {
		codecs = append(Codecs{EncryptionCodec{Keys: cfg.PayloadKeys}}, codecs...)
	}
	dc := codecs.DataConverter()
	traced, err := tracingInterceptors()
	if err != nil {
		return nil, err
	}
	opts := client.Options{
		HostPort:      cfg.Address,
		Namespace:     cfg.Namespace,
		DataConverter: dc,
		// Failure messages and stack traces can carry data: they travel as encoded
		// attributes, through the same codecs as every payload.
		FailureConverter: temporal.NewDefaultFailureConverter(
			temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true},
		),
		Logger:       tlog.NewStructuredLogger(log.With("component", "temporal-sdk")),
		Interceptors: traced,
	}
	if reg != nil {
		opts.MetricsHandler = NewPrometheusMetrics(reg)
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	opts.ConnectionOptions.TLS = tlsCfg
	if cfg.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.APIKey)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s (namespace %s): %w", cfg.Address, cfg.Namespace, err)
	}
	return c, nil
}

func (cfg Config) tlsConfig() (*tls.Config, error) {
	if !cfg.TLS && cfg.TLSCertFile == "" && cfg.TLSCAFile == "" && cfg.APIKey == "" {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TLSServerName}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("load TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("read TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA holds no PEM certificate")
		}
		t.RootCAs = pool
	}
	return t, nil
}

// Ping checks that the Temporal frontend answers (for /readyz).
func Ping(ctx context.Context, c client.Client) error {
	_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
