package pipe

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/etelgo/etelgo/internal/pipe/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/metrics.golden")

// describe returns one line per metric: name, labels and help.
func describe(t *testing.T) string {
	t.Helper()
	m := engine.NewMetrics(prometheus.NewRegistry())
	nameRe := regexp.MustCompile(`fqName: "([^"]+)", help: "([^"]*)".*variableLabels: \{([^}]*)\}`)
	var lines []string
	for _, c := range m.Collectors() {
		ch := make(chan *prometheus.Desc, 4)
		go func() {
			c.Describe(ch)
			close(ch)
		}()
		for d := range ch {
			match := nameRe.FindStringSubmatch(d.String())
			if match == nil {
				t.Fatalf("cannot read descriptor %s", d)
			}
			lines = append(lines, match[1]+"{"+match[3]+"} "+match[2])
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestMetricsGolden(t *testing.T) {
	got := describe(t)
	path := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("metrics differ from %s (run go test -update after checking the change):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestMetricsListedInDoc(t *testing.T) {
	doc, err := os.ReadFile("pipe.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(describe(t)), "\n") {
		name := line[:strings.IndexByte(line, '{')]
		if !strings.Contains(string(doc), "//\t"+name) {
			t.Errorf("metric %s is not listed in the package doc in pipe.go", name)
		}
	}
}

// TestMetricsBeforeFirstEvent checks that the counters with a fixed set
// of labels are exported at zero before anything happened.
func TestMetricsBeforeFirstEvent(t *testing.T) {
	reg := prometheus.NewRegistry()
	engine.NewMetrics(reg)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			series[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = true
		}
	}
	for _, want := range []string{
		"etl_pipe_commits_total{result=ok}", "etl_pipe_commits_total{result=error}",
		"etl_pipe_record_errors_total{action=skip}", "etl_pipe_record_errors_total{action=dlq}",
		"etl_pipe_reloads_total{result=ok}", "etl_pipe_reloads_total{result=invalid}",
	} {
		if !series[want] {
			t.Errorf("a fresh registry lacks %s", want)
		}
	}
}
