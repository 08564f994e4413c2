package pipe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/etelgo/etelgo/internal/pipe/admin"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// errShuttingDown is the error of a start or reload after a shutdown
// signal, which only logs that it gave up.
var errShuttingDown = fmt.Errorf("the process is shutting down: %w", admin.ErrState)

// Supervisor states.
const (
	stateStarting = "starting"
	stateRunning  = "running"
	statePaused   = "paused"
	stateStopping = "stopping"
	stateStopped  = "stopped"
	stateFailed   = "failed"
	stateFinished = "finished"
)

// supervisor runs one pipeline at a time and carries out the control
// actions: pause, resume, stop, start and reload. It implements
// admin.Controller.
type supervisor struct {
	log     *slog.Logger
	metrics *engine.Metrics
	// load reads and checks the configuration again, for a reload.
	load func() (*plan.Plan, error)

	// ops makes the control actions that start or stop a pipeline
	// (stop, start, reload, shutdown) run one at a time. Each of them
	// releases mu while a pipeline drains; without ops, a start in that
	// gap would run a second pipeline that nothing tracks.
	ops sync.Mutex

	mu      sync.Mutex
	plan    *plan.Plan
	eng     *engine.Engine
	cancel  context.CancelFunc
	done    chan struct{} // closed when the current run returns
	state   string
	err     error // the error of the last run
	started time.Time
	// exit is closed when the process should end: the input ended, the
	// pipeline failed, or shutdown was asked for.
	exit     chan struct{}
	exitOnce sync.Once
	// restartable is false for a stdin input, which cannot be read twice.
	restartable bool
	// shuttingDown is set by Shutdown: from then on no pipeline starts,
	// not even the one of a reload that was under way.
	shuttingDown bool
}

func newSupervisor(p *plan.Plan, metrics *engine.Metrics, log *slog.Logger, load func() (*plan.Plan, error)) *supervisor {
	return &supervisor{
		log: log, metrics: metrics, load: load, plan: p,
		state: stateStopped, exit: make(chan struct{}),
		restartable: p.Spec.Stdin == nil,
	}
}

// start runs the current plan. The caller holds s.mu.
func (s *supervisor) start() { s.startRun(false) }

// startRun runs the current plan, paused from the start when paused is
// set, so that not one record is fetched before a resume. The caller
// holds s.mu.
func (s *supervisor) startRun(paused bool) {
	ctx, cancel := context.WithCancel(context.Background())
	eng := engine.New(s.plan.Spec, s.metrics, s.log)
	if paused {
		eng.Pause()
	}
	done := make(chan struct{})
	s.eng, s.cancel, s.done, s.state, s.err, s.started = eng, cancel, done, stateRunning, nil, time.Now()

	go func() {
		err := eng.Run(ctx)
		s.mu.Lock()
		defer s.mu.Unlock()
		close(done)
		switch {
		case err != nil:
			s.state, s.err = stateFailed, err
			s.log.Error("pipeline failed", "err", err)
			s.end()
		case s.state == stateStopping:
			s.state = stateStopped
		case ctx.Err() == nil:
			// The input ended, as stdin does.
			s.state = stateFinished
			s.end()
		default:
			s.state = stateStopped
		}
	}()
}

// end makes Wait return. The caller holds s.mu.
func (s *supervisor) end() {
	s.exitOnce.Do(func() { close(s.exit) })
}

// stopRun requests the running pipeline to stop and waits until it has.
func (s *supervisor) stopRun() error {
	s.mu.Lock()
	if s.eng == nil || s.state == stateStopped || s.state == stateFinished || s.state == stateFailed {
		s.mu.Unlock()
		return nil
	}
	s.state = stateStopping
	cancel, done := s.cancel, s.done
	s.mu.Unlock()

	cancel()
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Shutdown stops the pipeline, for a signal, and makes Wait return.
func (s *supervisor) Shutdown() {
	// The mark comes first, so that a reload that drains the old
	// pipeline meanwhile starts nothing and ends soon.
	s.mu.Lock()
	s.shuttingDown = true
	s.mu.Unlock()

	s.ops.Lock()
	defer s.ops.Unlock()
	err := s.stopRun()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.state != stateFailed {
		s.state = stateStopped
	}
	s.end()
}

// Wait blocks until the process should end and returns the error of the
// last run.
func (s *supervisor) Wait() error {
	<-s.exit
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// State returns the supervisor's state.
func (s *supervisor) State() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stateLocked()
}

// stateLocked is State for a caller that holds s.mu.
func (s *supervisor) stateLocked() string {
	if s.state == stateRunning && s.eng != nil && s.eng.Status().Paused {
		return statePaused
	}
	return s.state
}

// Healthy reports whether the process works: anything but a failed run.
func (s *supervisor) Healthy() bool { return s.State() != stateFailed }

// Ready reports whether the pipeline runs and fetches.
func (s *supervisor) Ready() bool { return s.State() == stateRunning }

// Status returns the state and the counts of the current run.
func (s *supervisor) Status() any {
	s.mu.Lock()
	eng, cfg := s.eng, s.plan.Config
	out := map[string]any{"name": cfg.Name, "state": s.state, "delivery": cfg.Delivery}
	if cfg.Env != "" {
		out["env"] = cfg.Env
	}
	if !s.started.IsZero() {
		out["started_at"] = s.started.UTC().Format(time.RFC3339)
	}
	if s.err != nil {
		out["error"] = s.err.Error()
	}
	s.mu.Unlock()

	if eng != nil {
		st := eng.Status()
		if st.Paused && out["state"] == stateRunning {
			out["state"] = statePaused
		}
		out["pipeline"] = st
	}
	return out
}

// Pause stops fetching.
func (s *supervisor) Pause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateRunning {
		return fmt.Errorf("pause: the pipeline is %s: %w", s.state, admin.ErrState)
	}
	s.eng.Pause()
	return nil
}

// Resume fetches again.
func (s *supervisor) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateRunning {
		return fmt.Errorf("resume: the pipeline is %s: %w", s.state, admin.ErrState)
	}
	s.eng.Resume()
	return nil
}

// Stop stops the pipeline and keeps the process up.
func (s *supervisor) Stop() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	if state != stateRunning {
		return fmt.Errorf("stop: the pipeline is %s: %w", state, admin.ErrState)
	}
	if err := s.stopRun(); err != nil {
		return err
	}
	s.log.Info("pipeline stopped through the control API")
	return nil
}

// Start starts a stopped pipeline.
func (s *supervisor) Start() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateStopped || s.eng == nil {
		return fmt.Errorf("start: the pipeline is %s: %w", s.stateLocked(), admin.ErrState)
	}
	if s.shuttingDown {
		return fmt.Errorf("start: %w", errShuttingDown)
	}
	if !s.restartable {
		return fmt.Errorf("start: a pipeline that reads stdin cannot start again: %w", admin.ErrState)
	}
	s.start()
	s.log.Info("pipeline started through the control API")
	return nil
}

// Reload reads the configuration again. A valid one replaces the running
// pipeline: the old one is stopped (drained and committed) and the new
// one started, paused if the old one was paused. A stopped pipeline stays
// stopped with the new configuration. An invalid one is logged and
// changes nothing.
func (s *supervisor) Reload() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	restartable, state := s.restartable, s.state
	paused := state == stateRunning && s.eng != nil && s.eng.Status().Paused
	s.mu.Unlock()
	if !restartable {
		return fmt.Errorf("reload: a pipeline that reads stdin cannot restart: %w", admin.ErrState)
	}
	if state == stateFinished || state == stateFailed || state == stateStopping {
		return fmt.Errorf("reload: the pipeline is %s: %w", state, admin.ErrState)
	}

	p, err := s.load()
	if err != nil {
		s.metrics.Reloads.WithLabelValues("invalid").Inc()
		s.log.Error("reload rejected; the running pipeline is unchanged", "err", err)
		return fmt.Errorf("%w: %v", admin.ErrInvalid, err)
	}
	if p.Spec.Stdin != nil {
		s.metrics.Reloads.WithLabelValues("invalid").Inc()
		return fmt.Errorf("%w: the new configuration reads stdin, which a reload cannot switch to", admin.ErrInvalid)
	}

	wasRunning := state == stateRunning
	if err := s.stopRun(); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("the old pipeline stopped with an error", "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown {
		// A signal came while the old pipeline drained: the process
		// ends, and the new configuration never runs.
		s.log.Info("reload abandoned: the process is shutting down")
		return fmt.Errorf("reload: %w", errShuttingDown)
	}
	s.plan = p
	s.metrics.Reloads.WithLabelValues("ok").Inc()
	if wasRunning || s.eng == nil {
		s.startRun(paused)
	}
	s.log.Info("configuration reloaded", "name", p.Config.Name, "paused", paused)
	return nil
}
