package pipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/admin"
	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// RunCmd is etl-pipe run.
type RunCmd struct {
	configFlags
	Pipeline        string        `arg:"" optional:"" placeholder:"LINE" help:"Pipeline as a shell line, such as 'etl-kread orders | etl-set a=1 | etl-kwrite out'; quote it as one argument. Give either LINE or --config."`
	Admin           string        `placeholder:"HOST:PORT" help:"Admin HTTP address for metrics, health checks, profiles and the control API, or off. Overrides the configuration's admin (default 127.0.0.1:9644)."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" placeholder:"DURATION" help:"Maximum wait, after SIGINT or SIGTERM, for records in flight to be delivered and committed, such as 30s. Overrides the configuration's shutdown_timeout (default 30s)."`
	LogFormat       string        `name:"log-format" enum:"auto,text,json" default:"auto" help:"Log format on stderr: text, json, or auto for text on a terminal and JSON otherwise (${enum})."`
	LogLevel        string        `name:"log-level" enum:"debug,info,warn,error" default:"info" help:"Lowest level of log lines written to stderr (${enum})."`
}

// shutdownGrace is added to the shutdown timeout before etl-pipe gives up
// waiting for the pipeline and exits anyway.
const shutdownGrace = 5 * time.Second

// Run runs the pipeline until its input ends, it fails, or a signal stops
// it.
func (r *RunCmd) Run(env cli.Env) error {
	log := newLogger(env.Stderr, r.LogFormat, r.LogLevel)
	slog.SetDefault(log)
	if env.Stdout == io.Writer(os.Stdout) {
		signal.Ignore(syscall.SIGPIPE)
	}

	if r.Admin != "" {
		if err := config.CheckAdmin(r.Admin); err != nil {
			return &cli.UsageError{Err: fmt.Errorf("--admin: %w", err)}
		}
	}
	load := func() (*plan.Plan, error) {
		p, err := r.load(env)
		if err == nil {
			logWarnings(log, p.Config)
		}
		return p, err
	}
	p, err := load()
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	timeout := p.Config.ShutdownTimeout.D()

	reg, metrics := newRegistry()
	sup := newSupervisor(p, metrics, log, load)

	srv, err := r.startAdmin(p.Config, reg, sup, log)
	if err != nil {
		return err
	}
	if srv != nil {
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			srv.Close(ctx)
		}()
	}

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)

	sup.mu.Lock()
	sup.start()
	sup.mu.Unlock()

	waited := make(chan error, 1)
	go func() { waited <- sup.Wait() }()
	for {
		select {
		case err := <-waited:
			return err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				go func() {
					// The supervisor logs an invalid configuration and a
					// reload abandoned for a shutdown itself.
					if err := sup.Reload(); err != nil && !errors.Is(err, admin.ErrInvalid) && !errors.Is(err, errShuttingDown) {
						log.Warn("reload on SIGHUP failed", "err", err)
					}
				}()
				continue
			}
			log.Info("stopping on signal", "signal", sig.String(), "timeout", timeout.String())
			go sup.Shutdown()
			return r.awaitShutdown(waited, signals, timeout, log)
		}
	}
}

// newRegistry returns the process's metrics registry with the Go runtime
// and process collectors and the pipeline's metrics.
func newRegistry() (*prometheus.Registry, *engine.Metrics) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, engine.NewMetrics(reg)
}

// awaitShutdown waits for the pipeline to stop after a signal, for at
// most the shutdown timeout and shutdownGrace. A second SIGINT or SIGTERM
// ends the wait at once.
func (r *RunCmd) awaitShutdown(waited <-chan error, signals <-chan os.Signal, timeout time.Duration, log *slog.Logger) error {
	timer := time.NewTimer(timeout + shutdownGrace)
	defer timer.Stop()
	for {
		select {
		case err := <-waited:
			return err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				continue
			}
			log.Warn("second signal: exiting without waiting for records in flight", "signal", sig.String())
			return &cli.ExitError{Code: cli.ExitFailure, Err: errors.New("stopped by a second signal before the records in flight were committed")}
		case <-timer.C:
			return &cli.ExitError{Code: cli.ExitFailure, Err: shutdownTimedOut(timeout)}
		}
	}
}

// shutdownTimedOut is the error of a shutdown that did not end within
// the shutdown timeout and the grace after it.
func shutdownTimedOut(timeout time.Duration) error {
	return fmt.Errorf("shutdown did not end within shutdown_timeout %s and %s of grace: records in flight were not all committed and will be read again; raise shutdown_timeout (--shutdown-timeout) if draining needs longer", timeout, shutdownGrace)
}

// load reads the pipeline from the line or the file and builds its plan.
func (r *RunCmd) load(env cli.Env) (*plan.Plan, error) {
	var cfg *config.Config
	var err error
	switch {
	case r.Pipeline != "" && r.File != "":
		return nil, errors.New("give either a pipeline line or --config, not both")
	case r.Pipeline != "":
		if r.Env != "" {
			return nil, errors.New("--env selects an overlay of a configuration file: give --config with it")
		}
		cfg, err = config.FromLine(r.Pipeline)
	case r.File != "":
		cfg, err = config.Load(r.File, config.LoadOptions{Env: r.Env})
	default:
		return nil, errors.New("no pipeline: give a line such as 'etl-kread orders | etl-set a=1 | etl-kwrite out', or --config FILE")
	}
	return buildConfig(cfg, err, func(cfg *config.Config) {
		if r.ShutdownTimeout > 0 {
			cfg.ShutdownTimeout = config.Duration(r.ShutdownTimeout)
		}
	}, env)
}

// linesError prefixes every line after the first of a multi-line error
// with the binary's name, as cli.Report does for the first.
func linesError(err error) error {
	msg := strings.TrimSpace(err.Error())
	if !strings.Contains(msg, "\n") {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, "\n", "\n"+Name+": "))
}

// logWarnings logs the settings of cfg that run but are likely a
// mistake, as lint prints them.
func logWarnings(log *slog.Logger, cfg *config.Config) {
	for _, w := range cfg.Warnings {
		log.Warn("configuration warning", "at", w.Pos.String(), "msg", w.Msg)
	}
}

// startAdmin starts the admin server, unless it is off. A default address
// that is taken is logged and skipped, so that a second etl-pipe on the
// same machine still runs. An address given explicitly must work.
func (r *RunCmd) startAdmin(cfg *config.Config, reg *prometheus.Registry, sup *supervisor, log *slog.Logger) (*admin.Server, error) {
	addr, explicit := cfg.Admin, true
	switch {
	case r.Admin != "":
		addr = r.Admin
	case cfg.Positions["admin"] == (config.Pos{}):
		explicit = false
	}
	if addr == "off" {
		return nil, nil
	}
	srv, err := admin.Listen(addr, reg, sup, log)
	if err != nil && !explicit {
		log.Warn("admin server not started: the default address is taken; give --admin HOST:PORT", "addr", addr, "err", err)
		return nil, nil
	}
	return srv, err
}

// newLogger returns the process's logger: text on a terminal, JSON lines
// otherwise.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts)).With("app", Name)
	}
	return slog.New(slog.NewJSONHandler(w, opts)).With("app", Name)
}
