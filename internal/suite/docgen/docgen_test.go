package docgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/cli"
)

// sampleCommand has one flag of each kind the generators treat apart.
type sampleCommand struct {
	Format  string   `short:"f" enum:"auto,plain,envelope" default:"auto" help:"Input line format (${enum})."`
	Brokers []string `short:"b" placeholder:"HOST:PORT" env:"ETL_BROKERS" group:"Kafka connection" help:"Seed brokers. Repeat the flag or separate with commas."`
	Config  string   `type:"path" help:"Read settings from this file."`
	Output  string   `placeholder:"DIR" help:"Directory to write into."`
	Color   bool     `negatable:"" default:"true" help:"Color the log lines."`
	Verbose int      `short:"v" type:"counter" help:"Log more; repeat for more."`
	Secret  string   `hidden:"" help:"Not shown anywhere."`
	Edits   []string `arg:"" help:"Edits such as name=text."`
}

func (c *sampleCommand) Run(cli.Env) error { return nil }

var sampleApp = cli.App{
	Name:    "etl-sample",
	Summary: "edit sample records",
	Description: `Reads records from stdin and writes them to stdout.
A second line of the same paragraph.

Examples:

  etl-sample -f plain a=1
  etl-sample --config .etl.yaml

- first item
- second item
  continued`,
	New: func() any { return &sampleCommand{} },
}

type runCommand struct {
	Config string `short:"c" type:"existingfile" help:"Pipeline file."`
	Line   string `arg:"" optional:"" help:"Pipeline as a shell line."`
}

func (c *runCommand) Run(cli.Env) error { return nil }

type exportCommand struct {
	JSON bool `help:"Print JSON."`
}

func (c *exportCommand) Run(cli.Env) error { return nil }

type treeCommand struct {
	Admin  string     `placeholder:"HOST:PORT" help:"Admin address."`
	Run    runCommand `cmd:"" help:"Run a pipeline."`
	Config struct {
		Export exportCommand `cmd:"" help:"Print the resolved config."`
	} `cmd:"" help:"Inspect the config."`
}

var treeApp = cli.App{
	Name:        "etl-tree",
	Summary:     "run pipelines",
	Description: "Runs pipelines.",
	New:         func() any { return &treeCommand{} },
}

func loadSample(t *testing.T, app cli.App) *Command {
	t.Helper()
	cmd, err := Load(app)
	if err != nil {
		t.Fatalf("Load(%s): %v", app.Name, err)
	}
	return cmd
}

func findFlag(t *testing.T, cmd *Command, name string) Flag {
	t.Helper()
	for _, f := range cmd.Flags {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("%s has no flag --%s", cmd.Name(), name)
	return Flag{}
}

func TestLoadFlags(t *testing.T) {
	cmd := loadSample(t, sampleApp)

	tests := []struct {
		name string
		want Flag
	}{
		{"format", Flag{Name: "format", Short: 'f', Placeholder: "auto|plain|envelope", Help: "Input line format (auto,plain,envelope).",
			Default: "auto", HasDefault: true, Enum: []string{"auto", "plain", "envelope"}, HelpHasEnum: true}},
		{"brokers", Flag{Name: "brokers", Short: 'b', Placeholder: "HOST:PORT,...", Help: "Seed brokers. Repeat the flag or separate with commas.",
			Envs: []string{"ETL_BROKERS"}, Repeatable: true, Group: "Kafka connection"}},
		{"config", Flag{Name: "config", Placeholder: "CONFIG", Help: "Read settings from this file.", Complete: CompleteFiles}},
		{"output", Flag{Name: "output", Placeholder: "DIR", Help: "Directory to write into.", Complete: CompleteDirs}},
		{"color", Flag{Name: "color", Negation: "--no-color", Help: "Color the log lines.", Default: "true", HasDefault: true}},
		{"verbose", Flag{Name: "verbose", Short: 'v', Help: "Log more; repeat for more.", Repeatable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findFlag(t, cmd, tt.name)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("flag --%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
			}
		})
	}
}

func TestLoadSkipsHidden(t *testing.T) {
	cmd := loadSample(t, sampleApp)
	for _, f := range cmd.Flags {
		if f.Name == "secret" {
			t.Errorf("hidden flag --secret is in the model")
		}
	}
}

func TestLoadAddsHelpAndVersion(t *testing.T) {
	cmd := loadSample(t, sampleApp)
	if f := findFlag(t, cmd, "help"); f.Short != 'h' {
		t.Errorf("--help short = %q, want 'h'", f.Short)
	}
	if f := findFlag(t, cmd, "version"); f.Short != 'V' {
		t.Errorf("--version short = %q, want 'V'", f.Short)
	}
}

func TestLoadArgs(t *testing.T) {
	cmd := loadSample(t, sampleApp)
	want := []Arg{{Name: "edits", Help: "Edits such as name=text.", Required: true, Repeatable: true}}
	if !reflect.DeepEqual(cmd.Args, want) {
		t.Errorf("args:\n got %+v\nwant %+v", cmd.Args, want)
	}
}

func TestLoadSubcommands(t *testing.T) {
	cmd := loadSample(t, treeApp)

	var names []string
	for _, c := range allCommands(cmd) {
		names = append(names, c.Name())
	}
	want := []string{"etl-tree", "etl-tree run", "etl-tree config", "etl-tree config export"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("commands = %q, want %q", names, want)
	}

	run := cmd.Commands[0]
	if f := findFlag(t, run, "config"); f.Complete != CompleteFiles {
		t.Errorf("run --config completes %v, want files", f.Complete)
	}
	if len(run.Args) != 1 || run.Args[0].Required {
		t.Errorf("run args = %+v, want one optional line", run.Args)
	}
}

func TestManSections(t *testing.T) {
	page := Man(loadSample(t, sampleApp), []string{"etl-kread", "etl-kwrite"})

	for _, want := range []string{
		".TH ETL\\-SAMPLE 1",
		".SH NAME\netl\\-sample \\- edit sample records\n",
		".SH SYNOPSIS\n.B etl\\-sample\n[\\fIOPTIONS\\fR] \\fIedits\\fR...\n",
		".SH DESCRIPTION\n.PP\nReads records from stdin and writes them to stdout.\nA second line of the same paragraph.\n",
		".SS Examples\n.RS 4\n.nf\netl\\-sample \\-f plain a=1\netl\\-sample \\-\\-config .etl.yaml\n.fi\n.RE\n",
		".IP \\(bu 2\nsecond item\ncontinued\n",
		".TP\n\\fB\\-f\\fR, \\fB\\-\\-format\\fR=\\fIauto|plain|envelope\\fR\nInput line format (auto,plain,envelope).\nDefault: \\fBauto\\fR.\n",
		".TP\n\\fB\\-\\-color\\fR, \\fB\\-\\-no\\-color\\fR\n",
		"Environment: \\fBETL_BROKERS\\fR.\n",
		".SS Kafka connection\n.TP\n\\fB\\-b\\fR, \\fB\\-\\-brokers\\fR=\\fIHOST:PORT,...\\fR\n",
		".SH EXIT STATUS\n.TP\n.B 0\n",
		".B 2\nUsage error",
		".SH ENVIRONMENT\n.TP\n.B ETL_BROKERS\nSets \\fB\\-\\-brokers\\fR when the flag is not given.\n",
		".SH SEE ALSO\n.BR etl\\-kread (1),\n.BR etl\\-kwrite (1)\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
	if strings.Contains(page, "secret") {
		t.Errorf("man page shows the hidden flag --secret")
	}
}

func TestManSubcommands(t *testing.T) {
	page := Man(loadSample(t, treeApp), nil)

	for _, want := range []string{
		".B etl\\-tree run\n[\\fIOPTIONS\\fR] [\\fIline\\fR]\n.br\n.B etl\\-tree config export\n",
		".SH COMMANDS\n.SS \"etl\\-tree run\"\n",
		".SS \"etl\\-tree config export\"\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
}

func TestWriteProse(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		headings bool
		want     string
	}{
		{"paragraphs", "one\ntwo\n\nthree", false, ".PP\none\ntwo\n.PP\nthree\n"},
		{"leading dot escaped", "a\n.b", false, ".PP\na\n\\&.b\n"},
		{"backslash escaped", `a\b`, false, ".PP\na\\eb\n"},
		{"example keeps spacing", "run:\n  a  b\n\n    c", false, ".PP\nrun:\n.RS 4\n.nf\na  b\n\n  c\n.fi\n.RE\n"},
		{"heading", "Examples:\n  x", true, ".SS Examples\n.RS 4\n.nf\nx\n.fi\n.RE\n"},
		{"heading off", "Examples:\n  x", false, ".PP\nExamples:\n.RS 4\n.nf\nx\n.fi\n.RE\n"},
		{"sentence with colon is no heading", "It does three things:\n\nfirst", true, ".PP\nIt does three things:\n.PP\nfirst\n"},
		{"bullets", "- a\n- b\n\nafter", false, ".IP \\(bu 2\na\n.IP \\(bu 2\nb\n.PP\nafter\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			writeProse(&b, tt.text, tt.headings)
			if got := b.String(); got != tt.want {
				t.Errorf("writeProse(%q):\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFirstSentence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Seed brokers. Repeat the flag.", "Seed brokers"},
		{"What to do: fail or skip.", "What to do"},
		{"Print the version and exit.", "Print the version and exit"},
		{"Two\nlines.", "Two lines"},
	}
	for _, tt := range tests {
		if got := firstSentence(tt.in); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// writeScript writes a generated script into a temporary directory.
func writeScript(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// bashComplete runs the generated bash completion for the given words,
// the last one being the word under the cursor, and returns COMPREPLY.
func bashComplete(t *testing.T, script, fn, dir string, words ...string) []string {
	t.Helper()
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = bashQuote(w)
	}
	program := "source " + bashQuote(script) + "\n" +
		"COMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
		"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n" +
		fn + "\n" +
		`printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", program)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v\n%s", words, err, out)
	}

	// compgen -f lists files in directory order.
	got := strings.Fields(string(out))
	sort.Strings(got)
	if len(got) == 0 {
		return nil
	}
	return got
}

func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	script := writeScript(t, "etl-sample.bash", Bash(loadSample(t, sampleApp)))
	dir := t.TempDir()
	for _, name := range []string{"pipeline.yaml", "pipes.txt", "other.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name  string
		words []string
		want  []string
	}{
		{"flag names", []string{"etl-sample", "--co"}, []string{"--color", "--config"}},
		{"negation", []string{"etl-sample", "--no"}, []string{"--no-color"}},
		{"enum after space", []string{"etl-sample", "--format", "p"}, []string{"plain"}},
		{"enum after short", []string{"etl-sample", "-f", ""}, []string{"auto", "envelope", "plain"}},
		{"enum after equals", []string{"etl-sample", "--format", "=", "e"}, []string{"envelope"}},
		{"enum right after equals", []string{"etl-sample", "--format", "="}, []string{"auto", "envelope", "plain"}},
		{"file names", []string{"etl-sample", "--config", "pip"}, []string{"pipeline.yaml", "pipes.txt"}},
		{"free text value", []string{"etl-sample", "--brokers", ""}, nil},
		{"edits complete nothing", []string{"etl-sample", "a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bashComplete(t, script, "_etl_sample", dir, tt.words...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("completion of %q = %q, want %q", tt.words, got, tt.want)
			}
		})
	}
}

func TestBashCompletionSubcommands(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	script := writeScript(t, "etl-tree.bash", Bash(loadSample(t, treeApp)))
	dir := t.TempDir()

	tests := []struct {
		name  string
		words []string
		want  []string
	}{
		{"command names", []string{"etl-tree", ""}, []string{"config", "run"}},
		{"after a root flag value", []string{"etl-tree", "--admin", "x", "r"}, []string{"run"}},
		{"subcommand flags", []string{"etl-tree", "run", "--c"}, []string{"--config"}},
		{"inherited flags", []string{"etl-tree", "run", "--a"}, []string{"--admin"}},
		{"nested command names", []string{"etl-tree", "config", ""}, []string{"export"}},
		{"nested flags", []string{"etl-tree", "config", "export", "--j"}, []string{"--json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bashComplete(t, script, "_etl_tree", dir, tt.words...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("completion of %q = %q, want %q", tt.words, got, tt.want)
			}
		})
	}
}

// TestScriptsParse checks the zsh and fish scripts with each shell's
// syntax check, when the shell is installed.
func TestScriptsParse(t *testing.T) {
	for _, app := range []cli.App{sampleApp, treeApp} {
		cmd := loadSample(t, app)
		shells := []struct {
			shell, file, content string
		}{
			{"bash", app.Name + ".bash", Bash(cmd)},
			{"zsh", "_" + app.Name, Zsh(cmd)},
			{"fish", app.Name + ".fish", Fish(cmd)},
		}
		for _, s := range shells {
			t.Run(app.Name+"/"+s.shell, func(t *testing.T) {
				if _, err := exec.LookPath(s.shell); err != nil {
					t.Skipf("%s is not installed", s.shell)
				}
				path := writeScript(t, s.file, s.content)
				if out, err := exec.Command(s.shell, "-n", path).CombinedOutput(); err != nil {
					t.Errorf("%s -n %s: %v\n%s", s.shell, s.file, err, out)
				}
			})
		}
	}
}

func TestFishCompletion(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed")
	}
	script := writeScript(t, "etl-tree.fish", Fish(loadSample(t, treeApp)))

	tests := []struct {
		line string
		want []string
	}{
		{"etl-tree ", []string{"config", "run"}},
		{"etl-tree config ", []string{"export"}},
		{"etl-tree run --c", []string{"--config"}},
	}
	for _, tt := range tests {
		out, err := exec.Command("fish", "--no-config", "-c", "source "+fishQuote(script)+"; complete -C "+fishQuote(tt.line)).CombinedOutput()
		if err != nil {
			t.Fatalf("fish completion of %q: %v\n%s", tt.line, err, out)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line != "" {
				got = append(got, strings.SplitN(line, "\t", 2)[0])
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("fish completion of %q = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestManRenders runs the page through groff with warnings on, when
// groff is installed.
func TestManRenders(t *testing.T) {
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff is not installed")
	}
	for _, app := range []cli.App{sampleApp, treeApp} {
		path := writeScript(t, app.Name+".1", Man(loadSample(t, app), nil))
		out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", path).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff on the page of %s: %v\n%s", app.Name, err, out)
		}
	}
}
