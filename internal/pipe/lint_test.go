package pipe

import (
	"path/filepath"
	"strings"
	"testing"
)

// lint and run report the errors of the file and those of its stages in
// one pass, in the order of the file, each with file:line:col.
func TestLintReportsFileAndStageErrors(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		yaml string
		want []string // the error lines, in order, after "etl-pipe: FILE:"
		code int
	}{
		{
			name: "unknown key and bad edit",
			cmd:  "lint",
			yaml: "input: stdin\nprocesors: 2\nstages:\n  - etl-set 'bad'\n  - etl-set ok=1\noutputs:\n  - stdout\n",
			want: []string{`2:1: unknown setting "procesors"`, `4:5: etl-set: invalid edit "bad"`},
			code: 2,
		},
		{
			name: "stage error before the file error",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set 'bad'\noutputs:\n  - stdout\ndelivery: twice\n",
			want: []string{`2:5: etl-set: invalid edit "bad"`, `5:11: invalid delivery "twice"`},
			code: 2,
		},
		{
			name: "structured stage with a bad option and a bad setting",
			cmd:  "lint",
			yaml: "readers: none\nstages:\n  - set: {edtis: [a=1]}\n",
			want: []string{`1:10: invalid integer "none"`, `3:11: etl-set has no option "edtis"`},
			code: 2,
		},
		{
			name: "a stage in error in the file is not built again",
			cmd:  "lint",
			yaml: "stages:\n  - etl-kread orders\n  - etl-set 'bad'\n",
			want: []string{`2:5: `, `3:5: etl-set: invalid edit "bad"`},
			code: 2,
		},
		{
			name: "run reports both too",
			cmd:  "run",
			yaml: "input: stdin\nprocesors: 2\nstages:\n  - etl-set 'bad'\n",
			want: []string{`2:1: unknown setting "procesors"`, `4:5: etl-set: invalid edit "bad"`},
			code: 2,
		},
		{
			name: "invalid YAML stops before the stages",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set 'bad'\n outputs: [\n",
			want: []string{`2: invalid YAML`},
			code: 2,
		},
		{
			name: "invalid dead-letter topic",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\nstages:\n  - etl-set ok=1\non_error: \"dlq:bad/topic\"\n",
			want: []string{`4:1: on_error dlq:bad/topic: invalid topic "bad/topic": character '/'`},
			code: 2,
		},
		{
			name: "invalid dead-letter topic beside another error",
			cmd:  "lint",
			yaml: "procesors: 2\non_error: dlq:..\n",
			want: []string{`1:1: unknown setting "procesors"`, `2:1: on_error dlq:..: invalid topic ".."`},
			code: 2,
		},
		{
			name: "dead-letter topic read by the input",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\ninput: etl-kread other lin -g g\non_error: dlq:lin\n",
			want: []string{`3:1: on_error dlq:lin: the dead-letter topic "lin" is also the input topic "lin" (etl-kread at ` + "FILE" + `:2:8)`},
			code: 2,
		},
		{
			name: "dead-letter topic matched by the input pattern",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\ninput: etl-kread 'l.*' --regex -g g\non_error: dlq:lin\n",
			want: []string{`3:1: on_error dlq:lin: the dead-letter topic "lin" matches the input pattern "l.*" (etl-kread at ` + "FILE" + `:2:8)`},
			code: 2,
		},
		{
			name: "dead-letter topic beside an input pattern",
			cmd:  "lint",
			yaml: "brokers: [127.0.0.1:9]\ninput: etl-kread 'l.*' --regex -g g\non_error: dlq:dead-lin\n",
			code: 0,
		},
		{
			name: "valid",
			cmd:  "lint",
			yaml: "stages:\n  - etl-set ok=1\n",
			code: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "p.yaml")
			writeFile(t, file, tc.yaml)
			_, stderr, code := runCmd(t, "", tc.cmd, "-c", file)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			if tc.code == 0 {
				return
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d error lines, want %d:\n%s", len(lines), len(tc.want), stderr)
			}
			for i, want := range tc.want {
				want = strings.ReplaceAll(want, "FILE", file)
				if prefix := Name + ": " + file + ":" + want; !strings.HasPrefix(lines[i], prefix) {
					t.Errorf("line %d = %q, want it to begin with %q", i+1, lines[i], prefix)
				}
			}
		})
	}
}
