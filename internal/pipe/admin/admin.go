// Package admin serves etl-pipe's admin HTTP address: Prometheus metrics,
// health and readiness checks, Go profiles, and a JSON control API.
//
//	GET  /metrics           Prometheus exposition
//	GET  /healthz           200 while the process works, 503 after the pipeline failed
//	GET  /readyz            200 while the pipeline runs, 503 when stopped, paused or starting
//	GET  /debug/pprof/      Go profiles
//	GET  /api/v1/status     the pipeline's state and per-stage counts
//	POST /api/v1/pause      stop fetching; records in flight go on
//	POST /api/v1/resume     fetch again
//	POST /api/v1/stop       stop the pipeline: drain, deliver, commit; the process stays up
//	POST /api/v1/start      start a stopped pipeline
//	POST /api/v1/reload     read the configuration again and restart with it, if it is valid
//
// The control endpoints respond with {"ok":true,"state":...} or, with status
// 409 (not possible in this state) or 422 (invalid configuration),
// {"ok":false,"error":"..."}.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Controller is the interface through which the admin API controls the running pipeline.
type Controller interface {
	Status() any
	State() string
	Healthy() bool
	Ready() bool
	Pause() error
	Resume() error
	Stop() error
	Start() error
	Reload() error
}

// ErrState is returned by a Controller when an action is not possible in
// the current state, such as resuming a pipeline that is not paused.
var ErrState = errors.New("not possible in the current state")

// ErrInvalid is returned by Reload when the new configuration is invalid;
// the running pipeline is left as it was.
var ErrInvalid = errors.New("invalid configuration")

// Server is a running admin HTTP server.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen starts serving on addr.
func Listen(addr string, gatherer prometheus.Gatherer, ctl Controller, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on admin address %q (choose another with --admin, or --admin off): %w", addr, err)
	}
	s := &Server{ln: ln, srv: &http.Server{Handler: Handler(gatherer, ctl), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin server stopped", "err", err)
		}
	}()
	log.Info("admin server listening", "addr", ln.Addr().String())
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Handler returns the admin routes.
func Handler(gatherer prometheus.Gatherer, ctl Controller) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		check(w, ctl.Healthy(), ctl.State())
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		check(w, ctl.Ready(), ctl.State())
	})

	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)

	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ctl.Status())
	})
	actions := map[string]func() error{
		"pause":  ctl.Pause,
		"resume": ctl.Resume,
		"stop":   ctl.Stop,
		"start":  ctl.Start,
		"reload": ctl.Reload,
	}
	for name, action := range actions {
		mux.HandleFunc("POST /api/v1/"+name, func(w http.ResponseWriter, _ *http.Request) {
			control(w, ctl, action)
		})
	}
	return mux
}

// check responds to a health or readiness probe.
func check(w http.ResponseWriter, ok bool, state string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprintln(w, state)
}

// control runs one control action and responds with its outcome.
func control(w http.ResponseWriter, ctl Controller, action func() error) {
	err := action()
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "state": ctl.State()})
	case errors.Is(err, ErrInvalid):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"ok": false, "state": ctl.State(), "error": err.Error()})
	case errors.Is(err, ErrState):
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "state": ctl.State(), "error": err.Error()})
	default:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "state": ctl.State(), "error": err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
