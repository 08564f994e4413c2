package pipe

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

func TestShutdownDuringReload(t *testing.T) {
	c := newCluster(t, "in", "out")
	produce(t, c, "in", 0, 100)
	seeds := strings.Join(c.ListenAddrs(), ",")
	build := func() (*plan.Plan, error) {
		cfg, err := config.FromLine(fmt.Sprintf("etl-kread in -b %s -g g-reload | etl-set a=1 | etl-kwrite out -b %s", seeds, seeds))
		if err != nil {
			return nil, err
		}
		return plan.Build(cfg, plan.Options{})
	}
	p, err := build()
	if err != nil {
		t.Fatal(err)
	}

	// The signal comes while the reload is under way: the reload must
	// not start the new pipeline after the shutdown stopped the old one.
	var sup *supervisor
	load := func() (*plan.Plan, error) {
		go sup.Shutdown()
		deadline := time.Now().Add(10 * time.Second)
		for sup.State() != stateStopped && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		return build()
	}
	log := newLogger(&bytes.Buffer{}, "json", "error")
	sup = newSupervisor(p, engine.NewMetrics(prometheus.NewRegistry()), log, load)
	sup.mu.Lock()
	sup.start()
	sup.mu.Unlock()

	if err := sup.Reload(); err == nil {
		t.Errorf("a reload that a shutdown overtook reports success")
	}
	waited := make(chan error, 1)
	go func() { waited <- sup.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("Wait: %v", err)
		}
	case <-time.After(15 * time.Second):
		sup.Shutdown()
		t.Fatalf("the process does not end: state %s", sup.State())
	}
	if state := sup.State(); state != stateStopped {
		t.Errorf("state %s after the shutdown, want %s", state, stateStopped)
	}
}
