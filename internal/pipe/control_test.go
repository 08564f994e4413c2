package pipe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe/admin"
	"github.com/etelgo/etelgo/internal/pipe/plan"
)

// childEnv makes this test binary run etl-pipe with the arguments in the
// variable, separated by newlines, so that a test can signal it.
const childEnv = "ETL_PIPE_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(cli.Main(App, strings.Split(args, "\n"), cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

func newCluster(t *testing.T, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics...), kfake.GroupMinSessionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func produce(t *testing.T, c *kfake.Cluster, topic string, from, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var rs []*kgo.Record
	for i := from; i < from+n; i++ {
		rs = append(rs, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i % 5)), Value: []byte(fmt.Sprintf(`{"id":%d}`, i))})
	}
	if err := cl.ProduceSync(context.Background(), rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// fileIDs counts the ids in the closed output files of dir.
func fileIDs(t *testing.T, dir string) map[int64]int {
	t.Helper()
	ids := map[int64]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "out-*.jsonl"))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			ids[gjson.Get(sc.Text(), "value.id").Int()]++
		}
		f.Close()
	}
	return ids
}

func committedTotal(t *testing.T, c *kfake.Cluster, group string) int64 {
	t.Helper()
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	offs.Each(func(o kadm.OffsetResponse) { total += o.At })
	return total
}

func writeConfig(t *testing.T, path string, c *kfake.Cluster, dir, group string) {
	t.Helper()
	text := fmt.Sprintf(`name: test
brokers: [%s]
input: etl-kread in --group %s
stages:
  - etl-set seen:=true
outputs:
  - file: {path: %s/out-%%n.jsonl, rotate_interval: 200ms, rotate_size: 64KiB}
processors: 2
buffer: 500
commit_interval: 100ms
shutdown_timeout: 20s
`, strings.Join(c.ListenAddrs(), ","), group, dir)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func call(t *testing.T, srv *httptest.Server, method, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(body, &out)
	if out == nil {
		out = map[string]any{"text": string(body)}
	}
	return resp.StatusCode, out
}

func TestControlAPI(t *testing.T) {
	c := newCluster(t, "in")
	produce(t, c, "in", 0, 1000)
	dir := t.TempDir()
	srv, sup, waitFor := startControlled(t, c, dir, "g-ctl")
	cfgPath := filepath.Join(dir, "pipeline.yaml")
	waitFor("all records read", func() bool { return len(fileIDs(t, dir)) == 1000 })

	if code, _ := call(t, srv, "GET", "/healthz"); code != 200 {
		t.Errorf("healthz = %d", code)
	}
	if code, st := call(t, srv, "GET", "/api/v1/status"); code != 200 || st["state"] != "running" || gjson.Get(mustJSON(st), "pipeline.stages.0.in").Int() != 1000 {
		t.Errorf("status = %d %v", code, st)
	}

	// Pause: not ready, and new records wait.
	if code, st := call(t, srv, "POST", "/api/v1/pause"); code != 200 || st["state"] != "paused" {
		t.Fatalf("pause = %d %v", code, st)
	}
	if code, _ := call(t, srv, "GET", "/readyz"); code != 503 {
		t.Errorf("readyz while paused = %d, want 503", code)
	}
	// The poll in progress at the pause returns the new records; they
	// are held, not handed to the workers.
	produce(t, c, "in", 1000, 100)
	waitFor("new records fetched and held", func() bool {
		_, st := call(t, srv, "GET", "/api/v1/status")
		return gjson.Get(mustJSON(st), "pipeline.held_records").Int() > 0
	})
	if _, st := call(t, srv, "GET", "/api/v1/status"); gjson.Get(mustJSON(st), "pipeline.source_records").Int() != 1000 {
		t.Errorf("records read while paused: status %v, want 1000 read", st)
	}
	if n := len(fileIDs(t, dir)); n != 1000 {
		t.Errorf("%d records written while paused, want 1000", n)
	}
	if code, _ := call(t, srv, "POST", "/api/v1/resume"); code != 200 {
		t.Fatalf("resume = %d", code)
	}
	waitFor("records after resume", func() bool { return len(fileIDs(t, dir)) == 1100 })
	if code, _ := call(t, srv, "POST", "/api/v1/resume"); code != 200 {
		t.Errorf("second resume = %d, want 200 (nothing to do)", code)
	}

	// An invalid configuration leaves the pipeline running.
	os.WriteFile(cfgPath, []byte("stages: [etl-set --nope]\n"), 0o644)
	if code, st := call(t, srv, "POST", "/api/v1/reload"); code != 422 || !strings.Contains(fmt.Sprint(st["error"]), "--nope") {
		t.Errorf("reload of an invalid file = %d %v, want 422 naming the flag", code, st)
	}
	if sup.State() != "running" {
		t.Errorf("state after a rejected reload = %s", sup.State())
	}

	// A valid one restarts the pipeline.
	writeConfig(t, cfgPath, c, dir, "g-ctl")
	if code, st := call(t, srv, "POST", "/api/v1/reload"); code != 200 || st["state"] != "running" {
		t.Errorf("reload = %d %v", code, st)
	}
	produce(t, c, "in", 1100, 100)
	waitFor("records after reload", func() bool { return len(fileIDs(t, dir)) == 1200 })

	// Stop and start.
	if code, st := call(t, srv, "POST", "/api/v1/stop"); code != 200 || st["state"] != "stopped" {
		t.Fatalf("stop = %d %v", code, st)
	}
	if code, _ := call(t, srv, "POST", "/api/v1/pause"); code != 409 {
		t.Errorf("pause while stopped = %d, want 409", code)
	}
	produce(t, c, "in", 1200, 100)
	if code, _ := call(t, srv, "POST", "/api/v1/start"); code != 200 {
		t.Fatalf("start failed")
	}
	waitFor("records after start", func() bool { return len(fileIDs(t, dir)) == 1300 })

	code, exposition := call(t, srv, "GET", "/metrics")
	text := fmt.Sprint(exposition["text"])
	for _, name := range []string{"etl_pipe_source_records_total", `etl_pipe_stage_records_in_total{index="1",stage="etl-set"}`, "etl_pipe_commits_total", "go_goroutines"} {
		if code != 200 || !strings.Contains(text, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if code, _ := call(t, srv, "GET", "/debug/pprof/"); code != 200 {
		t.Errorf("pprof = %d", code)
	}
	for id, n := range fileIDs(t, dir) {
		if n != 1 {
			t.Errorf("id %d written %d times after clean stops", id, n)
		}
	}

	// Every partition that delivered records has a lag, refreshed while
	// the pipeline runs.
	waitFor("lag of every partition", func() bool {
		_, exposition := call(t, srv, "GET", "/metrics")
		return strings.Count(fmt.Sprint(exposition["text"]), "etl_pipe_consumer_lag_records{") == 3
	})

	// A pipeline stopped while paused starts again unpaused, and the
	// paused gauge reads 0.
	for _, action := range []string{"pause", "stop", "start"} {
		if code, st := call(t, srv, "POST", "/api/v1/"+action); code != 200 {
			t.Fatalf("%s = %d %v", action, code, st)
		}
	}
	_, exposition = call(t, srv, "GET", "/metrics")
	if text := fmt.Sprint(exposition["text"]); !strings.Contains(text, "etl_pipe_paused 0") {
		t.Errorf("etl_pipe_paused after pause, stop and start is not 0:\n%s", text)
	}
}

// startControlled runs the pipeline of writeConfig in dir under a
// supervisor served by a test admin server, as etl-pipe run -c does. It
// returns the server, the supervisor and a function that waits for a
// condition, failing the test with the status after 20 seconds.
func startControlled(t *testing.T, c *kfake.Cluster, dir, group string) (*httptest.Server, *supervisor, func(string, func() bool)) {
	t.Helper()
	cfgPath := filepath.Join(dir, "pipeline.yaml")
	writeConfig(t, cfgPath, c, dir, group)

	run := &RunCmd{configFlags: configFlags{File: cfgPath}}
	env := cli.Env{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	load := func() (*plan.Plan, error) { return run.load(env) }
	p, err := load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	reg, metrics := newRegistry()
	sup := newSupervisor(p, metrics, newLogger(io.Discard, "json", "info"), load)
	srv := httptest.NewServer(admin.Handler(reg, sup))
	t.Cleanup(srv.Close)
	sup.mu.Lock()
	sup.start()
	sup.mu.Unlock()
	t.Cleanup(sup.Shutdown)

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				_, st := call(t, srv, "GET", "/api/v1/status")
				t.Fatalf("%s: not within 20s; status %v", what, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return srv, sup, waitFor
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func startChild(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

func TestSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	c := newCluster(t, "in")
	const n = 30000
	produce(t, c, "in", 0, n)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "pipeline.yaml")
	writeConfig(t, cfgPath, c, dir, "g-term")

	// SIGTERM while records stream: the process delivers, commits and
	// exits 0, and what it committed is exactly what the files hold.
	child, stderr := startChild(t, "run", "-c", cfgPath, "--admin", "off")
	deadline := time.Now().Add(20 * time.Second)
	for len(fileIDs(t, dir)) < n/10 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %s", stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("etl-pipe after SIGTERM: %v\n%s", err, stderr)
	}
	written := len(fileIDs(t, dir))
	if got := committedTotal(t, c, "g-term"); got != int64(written) {
		t.Errorf("committed %d offsets, files hold %d records", got, written)
	}
	if written == n {
		t.Logf("the first run read everything before SIGTERM")
	}

	// A second run reads the rest.
	child, stderr = startChild(t, "run", "-c", cfgPath, "--admin", "off")
	for len(fileIDs(t, dir)) < n {
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("second run: %d of %d records: %s", len(fileIDs(t, dir)), n, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("second run after SIGTERM: %v\n%s", err, stderr)
	}
	for id, count := range fileIDs(t, dir) {
		if count != 1 {
			t.Errorf("id %d written %d times across clean stops", id, count)
		}
	}
	if !strings.Contains(stderr.String(), `"msg":"stopping on signal"`) {
		t.Errorf("stderr does not log the signal as JSON: %s", stderr)
	}
	if !strings.Contains(stderr.String(), `"timeout":"20s"`) {
		t.Errorf("the signal's log line does not give the timeout as 20s: %s", stderr)
	}
}

// A reload of a paused pipeline starts the new one paused: the backlog
// waits for a resume. A reload of a stopped pipeline keeps it stopped.
func TestReloadKeepsPauseAndStop(t *testing.T) {
	c := newCluster(t, "in")
	produce(t, c, "in", 0, 100)
	dir := t.TempDir()
	srv, _, waitFor := startControlled(t, c, dir, "g-reload")
	waitFor("first records written", func() bool { return len(fileIDs(t, dir)) == 100 })

	if code, st := call(t, srv, "POST", "/api/v1/pause"); code != 200 || st["state"] != "paused" {
		t.Fatalf("pause = %d %v", code, st)
	}
	produce(t, c, "in", 100, 100)
	if code, st := call(t, srv, "POST", "/api/v1/reload"); code != 200 || st["state"] != "paused" {
		t.Errorf("reload while paused = %d %v, want 200 and state paused", code, st)
	}
	if code, _ := call(t, srv, "GET", "/readyz"); code != 503 {
		t.Errorf("readyz after a reload while paused = %d, want 503", code)
	}
	_, st := call(t, srv, "GET", "/api/v1/status")
	if !gjson.Get(mustJSON(st), "pipeline.paused").Bool() {
		t.Errorf("the reloaded pipeline is not paused: status %v", st)
	}
	if n := gjson.Get(mustJSON(st), "pipeline.source_records").Int(); n != 0 {
		t.Errorf("the reloaded pipeline read %d records while paused, want 0", n)
	}

	if code, st := call(t, srv, "POST", "/api/v1/resume"); code != 200 || st["state"] != "running" {
		t.Fatalf("resume = %d %v", code, st)
	}
	waitFor("backlog after resume", func() bool { return len(fileIDs(t, dir)) == 200 })

	if code, st := call(t, srv, "POST", "/api/v1/stop"); code != 200 || st["state"] != "stopped" {
		t.Fatalf("stop = %d %v", code, st)
	}
	if code, st := call(t, srv, "POST", "/api/v1/reload"); code != 200 || st["state"] != "stopped" {
		t.Errorf("reload while stopped = %d %v, want 200 and state stopped", code, st)
	}
}
