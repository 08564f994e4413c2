package pipe

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/pipe/config"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// linePlan returns a function that builds the plan of a Kafka to Kafka
// pipeline line in group, as a reload reads its configuration.
func linePlan(c *kfake.Cluster, group string) func() (*plan.Plan, error) {
	seeds := strings.Join(c.ListenAddrs(), ",")
	return func() (*plan.Plan, error) {
		cfg, err := config.FromLine(fmt.Sprintf("etl-kread in -b %s -g %s | etl-set a=1 | etl-kwrite out -b %s", seeds, group, seeds))
		if err != nil {
			return nil, err
		}
		return plan.Build(cfg, plan.Options{})
	}
}

func TestShutdownDuringReload(t *testing.T) {
	c := newCluster(t, "in", "out")
	produce(t, c, "in", 0, 100)
	build := linePlan(c, "g-reload")
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
		for !sup.isShuttingDown() && time.Now().Before(deadline) {
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

func (s *supervisor) isShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shuttingDown
}

func TestStartDuringReload(t *testing.T) {
	c := newCluster(t, "in", "out")
	produce(t, c, "in", 0, 100)
	build := linePlan(c, "g-race")
	p, err := build()
	if err != nil {
		t.Fatal(err)
	}
	log := newLogger(&bytes.Buffer{}, "json", "error")
	sup := newSupervisor(p, engine.NewMetrics(prometheus.NewRegistry()), log, build)
	sup.mu.Lock()
	sup.start()
	sup.mu.Unlock()

	// Starts race with reloads: whatever the interleaving, one pipeline
	// runs at a time, so every run that started also stopped once the
	// process shuts down.
	var runs sync.WaitGroup
	stop := time.Now().Add(2 * time.Second)
	for range 3 {
		runs.Add(1)
		go func() {
			defer runs.Done()
			for time.Now().Before(stop) {
				sup.Start()
			}
		}()
	}
	for time.Now().Before(stop) {
		if err := sup.Reload(); err != nil {
			t.Fatalf("reload: %v", err)
		}
	}
	runs.Wait()
	sup.Shutdown()
	if err := sup.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	members := groupMembers(t, c, "g-race")
	if members != 0 {
		t.Errorf("the group still has %d members after the shutdown", members)
	}
}

// groupMembers returns the number of members of a consumer group.
func groupMembers(t *testing.T, c *kfake.Cluster, group string) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	groups, err := kadm.NewClient(cl).DescribeGroups(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	return len(groups[group].Members)
}
