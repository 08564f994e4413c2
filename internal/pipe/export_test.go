package pipe

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const exportConfig = `name: orders
brokers: [127.0.0.1:9]
input: etl-kread orders --group enrich
stages:
  - etl-set status=seen
  - math: {exprs: ["amount *= 1.2"]}
outputs:
  - etl-kwrite orders-enriched --compression zstd
  - file: {path: /tmp/orders-%n.jsonl, rotate_size: 1MiB, rotate_interval: 10m}
on_error: dlq:dead
admin: "off"
`

// config export prints JSON without --json, writes every duration as a
// Go duration string, and prints a file that lint accepts.
func TestExportThenLint(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pipeline.yaml")
	writeFile(t, cfg, exportConfig)

	out, stderr, code := runCmd(t, "", "config", "export", "-c", cfg)
	if code != 0 {
		t.Fatalf("config export exited %d:\n%s", code, stderr)
	}
	if withFlag, _, _ := runCmd(t, "", "config", "export", "-c", cfg, "--json"); withFlag != out {
		t.Errorf("config export --json prints something else than config export")
	}
	if m := regexp.MustCompile(`"[a-z_-]*(timeout|interval|backoff|linger)[a-z_-]*": *[0-9]+`).FindString(out); m != "" {
		t.Errorf("export writes a duration as a number: %s", m)
	}
	if !strings.Contains(out, `"delivery-timeout": "`) {
		t.Errorf("export lacks etl-kwrite's delivery-timeout as a string:\n%s", out)
	}

	exported := filepath.Join(dir, "exported.json")
	writeFile(t, exported, out)
	if _, stderr, code := runCmd(t, "", "lint", "-c", exported); code != 0 {
		t.Fatalf("lint of the export exited %d:\n%s\nexport:\n%s", code, stderr, out)
	}
	again, stderr, code := runCmd(t, "", "config", "export", "-c", exported)
	if code != 0 || again != out {
		t.Errorf("exporting the export changes it (exit %d, %s):\n%s\nfirst:\n%s", code, stderr, again, out)
	}
}

func TestShutdownTimedOutNamesTheSetting(t *testing.T) {
	msg := shutdownTimedOut(30 * time.Second).Error()
	if !strings.Contains(msg, "shutdown_timeout 30s") || strings.Contains(msg, "35s") {
		t.Errorf("message %q does not name the 30s setting alone", msg)
	}
}
