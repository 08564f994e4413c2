package lua

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
	etlmath "github.com/etelgo/etelgo/internal/math"
	"github.com/etelgo/etelgo/internal/set"
)

// compareRepeat is how many times the 300 test events are repeated as
// the input of BenchmarkCompare, so that jq's process start is small
// beside its work.
const compareRepeat = 10

// BenchmarkCompare measures the per-record cost of one edit made by
// etl-lua, by the stage built for it (etl-set or etl-math) and by jq,
// each reading the same lines and writing them edited. The etl-* stages
// run in-process through the same Main as their binaries, with line
// reading and writing; jq runs as a process, one per iteration. The
// ns/record metric is the number to compare.
//
//	go test ./internal/lua/ -run '^$' -bench Compare -benchtime 20x
func BenchmarkCompare(b *testing.B) {
	data, err := os.ReadFile("testdata/windows-security-events.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	input := bytes.Repeat(data, compareRepeat)
	records := bytes.Count(input, []byte("\n"))

	for _, edit := range []struct {
		name  string
		lua   string
		stage cli.App
		args  []string
		jq    string
	}{
		{"set-field", `rec.status = "seen"`, set.App, []string{"status=seen"}, `.status = "seen"`},
		{"increment", `rec.ThreadID = rec.ThreadID + 1`, etlmath.App, []string{"ThreadID += 1"}, `.ThreadID += 1`},
	} {
		b.Run(edit.name+"/etl-lua", func(b *testing.B) {
			benchMain(b, App, []string{"-e", edit.lua}, input, records)
		})
		b.Run(edit.name+"/"+edit.stage.Name, func(b *testing.B) {
			benchMain(b, edit.stage, edit.args, input, records)
		})
		b.Run(edit.name+"/jq", func(b *testing.B) {
			benchJQ(b, edit.jq, input, records)
		})
	}
}

// benchMain runs a stage's Main over input once per iteration.
func benchMain(b *testing.B, app cli.App, args []string, input []byte, records int) {
	var stderr bytes.Buffer
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		stderr.Reset()
		env := cli.Env{Stdin: bytes.NewReader(input), Stdout: io.Discard, Stderr: &stderr}
		if code := cli.Main(app, args, env); code != 0 {
			b.Fatalf("%s %q: exit %d: %s", app.Name, args, code, stderr.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}

// benchJQ runs jq -c over input once per iteration. jq is skipped when it
// is not installed, since it is a peer to measure against, not a part of
// EtelGo.
func benchJQ(b *testing.B, filter string, input []byte, records int) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		b.Skip("jq is not installed (apt-get install jq)")
	}
	var stderr bytes.Buffer
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		stderr.Reset()
		cmd := exec.Command(jq, "-c", filter)
		cmd.Stdin = bytes.NewReader(input)
		cmd.Stdout = io.Discard
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("jq %q: %v: %s", filter, err, stderr.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}
