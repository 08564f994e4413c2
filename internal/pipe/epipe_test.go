package pipe

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
)

// closingPipe takes the first accept writes, then fails as a pipe whose
// reader exited does, like stdout under etl-pipe ... | head -1.
type closingPipe struct {
	accept int
	bytes.Buffer
}

func (p *closingPipe) Write(b []byte) (int, error) {
	if p.accept == 0 {
		return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	}
	p.accept--
	return p.Buffer.Write(b)
}

// completeLines counts the lines that were written whole.
func completeLines(b []byte) int64 { return int64(bytes.Count(b, []byte("\n"))) }

// A stdout whose reader went away stops the pipeline quietly with exit 0,
// as it stops a standalone stage.
func TestClosedStdoutStopsCleanly(t *testing.T) {
	var input strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&input, "{\"id\":%d}\n", i)
	}

	t.Run("stdin", func(t *testing.T) {
		out := &closingPipe{accept: 1}
		var stderr bytes.Buffer
		code := cli.Main(App, []string{"run", "--admin", "off", "etl-set seen:=true | -"}, cli.Env{Stdin: strings.NewReader(input.String()), Stdout: out, Stderr: &stderr})
		if code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, stderr.String())
		}
		if strings.Contains(stderr.String(), "broken pipe") || strings.Contains(stderr.String(), `"level":"ERROR"`) {
			t.Errorf("a closed stdout is logged as an error:\n%s", stderr.String())
		}
	})

	t.Run("kafka", func(t *testing.T) {
		c, addr := boundedCluster(t, 20000)
		out := &closingPipe{accept: 3}
		var stderr bytes.Buffer
		line := "etl-kread in -g g-closed -e -b " + addr + " | etl-set seen:=true | -"
		code := cli.Main(App, []string{"run", "--admin", "off", line}, cli.Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: &stderr})
		if code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, stderr.String())
		}
		if strings.Contains(stderr.String(), "broken pipe") || strings.Contains(stderr.String(), `"level":"ERROR"`) {
			t.Errorf("a closed stdout is logged as an error:\n%s", stderr.String())
		}
		// Only what reached stdout is committed.
		written := completeLines(out.Bytes())
		if got := committedTotal(t, c, "g-closed"); got > written || written == 20000 {
			t.Errorf("committed %d offsets; stdout holds %d whole lines of 20000", got, written)
		}
	})
}
