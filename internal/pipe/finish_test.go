package pipe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestKafkaBoundedReadFinishesStages(t *testing.T) {
	c := newCluster(t, "in")
	const n = 60
	produce(t, c, "in", 0, n)
	script := filepath.Join(t.TempDir(), "count.lua")
	err := os.WriteFile(script, []byte(`
local seen = 0
function process(rec)
  seen = seen + 1
  return rec
end
function finish()
  emit({count = seen})
end
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}

	// Each worker has its own Lua state: its finish emits the count of
	// the records it processed, and the counts add up to the input.
	line := "etl-kread in -e -b " + strings.Join(c.ListenAddrs(), ",") + " --values | etl-lua " + script
	out, stderr, code := runPipe(t, line, "")
	if code != 0 {
		t.Fatalf("etl-pipe exited %d: %s", code, stderr)
	}
	records, total, counts := 0, int64(0), 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if count := gjson.Get(l, "count"); count.Exists() {
			total += count.Int()
			counts++
			continue
		}
		records++
	}
	if records != n || total != n || counts == 0 {
		t.Errorf("%d records and %d finish counts adding up to %d; want %d records and counts adding up to %d\n%s", records, counts, total, n, n, out)
	}
}
