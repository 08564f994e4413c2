package suite

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/etelgo/etelgo/internal/suite/docgen"
)

// repoRoot is the repository root, seen from this package's directory,
// where go test runs.
const repoRoot = "../.."

const refresh = "run 'make man completions' and commit the result"

// TestGeneratedFilesUpToDate regenerates man/ and completions/ in memory
// and compares them with the checked-in files.
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, kind := range []docgen.Kind{docgen.KindMan, docgen.KindCompletions} {
		files, err := docgen.Generate(Apps, kind)
		if err != nil {
			t.Fatalf("generate %s: %v", kind, err)
		}

		generated := map[string]bool{}
		for _, f := range files {
			generated[filepath.Base(f.Path)] = true
			onDisk, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(f.Path)))
			switch {
			case os.IsNotExist(err):
				t.Errorf("%s is missing: %s", f.Path, refresh)
			case err != nil:
				t.Errorf("read %s: %v", f.Path, err)
			case !bytes.Equal(onDisk, f.Content):
				t.Errorf("%s is stale (first difference on line %d): %s", f.Path, firstDifferentLine(onDisk, f.Content), refresh)
			}
		}

		entries, err := os.ReadDir(filepath.Join(repoRoot, string(kind)))
		if err != nil {
			t.Fatalf("list %s/: %v", kind, err)
		}
		for _, e := range entries {
			if docgen.IsGenerated(kind, e.Name()) && !generated[e.Name()] {
				t.Errorf("%s/%s belongs to no binary in suite.Apps: %s", kind, e.Name(), refresh)
			}
		}
	}
}

func firstDifferentLine(a, b []byte) int {
	linesA := strings.Split(string(a), "\n")
	linesB := strings.Split(string(b), "\n")
	for i := range linesA {
		if i >= len(linesB) || linesA[i] != linesB[i] {
			return i + 1
		}
	}
	return len(linesA) + 1
}

// TestEveryBinaryRegistered checks that Apps and the cmd/ directories
// name the same binaries, so that no binary ships without a man page.
func TestEveryBinaryRegistered(t *testing.T) {
	registered := map[string]bool{}
	for _, app := range Apps {
		if registered[app.Name] {
			t.Errorf("%s is listed twice in suite.Apps", app.Name)
		}
		registered[app.Name] = true
	}

	for _, dir := range binaryDirs(t) {
		if !registered[dir] {
			t.Errorf("cmd/%s has no entry in suite.Apps: add its App to internal/suite/suite.go, then %s", dir, refresh)
		}
		delete(registered, dir)
	}
	for name := range registered {
		t.Errorf("suite.Apps lists %s, but cmd/%s does not exist", name, name)
	}
}

// binaryDirs returns the names of the cmd/etl-* directories that hold a
// main.go, in directory order.
func binaryDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "cmd"))
	if err != nil {
		t.Fatalf("list cmd/: %v", err)
	}
	var dirs []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "etl-") {
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, "cmd", e.Name(), "main.go")); err == nil {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}

// TestAppsDescribed checks the fields that the man page's NAME and
// DESCRIPTION sections are made of.
func TestAppsDescribed(t *testing.T) {
	for _, app := range Apps {
		if app.Summary == "" || strings.HasSuffix(app.Summary, ".") {
			t.Errorf("%s: Summary %q should be one phrase without a final period", app.Name, app.Summary)
		}
		if strings.TrimSpace(app.Description) == "" {
			t.Errorf("%s: Description is empty", app.Name)
		}
	}
}

// goreleaserConfig is the part of goreleaser.yaml that the release
// checks read.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
}

// TestReleaseBuilds parses goreleaser.yaml and checks that it builds
// every binary of cmd/ the way the Makefile does.
func TestReleaseBuilds(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var config goreleaserConfig
	if err := yaml.Unmarshal(data, &config); err != nil {
		t.Fatalf("parse goreleaser.yaml: %v", err)
	}
	if config.Version != 2 {
		t.Errorf("goreleaser.yaml: version = %d, want 2", config.Version)
	}

	built := map[string]bool{}
	for _, b := range config.Builds {
		built[b.Binary] = true
		if b.ID != b.Binary || b.Main != "./cmd/"+b.Binary {
			t.Errorf("goreleaser.yaml: build %q: id %q and main %q should be the binary's name and ./cmd/%s", b.Binary, b.ID, b.Main, b.Binary)
		}
		if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
			t.Errorf("goreleaser.yaml: build %q: want env CGO_ENABLED=0 and flag -trimpath, have %q and %q", b.Binary, b.Env, b.Flags)
		}
		if len(b.Ldflags) != 1 || !strings.Contains(b.Ldflags[0], "-X github.com/etelgo/etelgo/internal/cli.Version={{ .Version }}") {
			t.Errorf("goreleaser.yaml: build %q: ldflags %q do not set internal/cli.Version", b.Binary, b.Ldflags)
		}
		for _, want := range []string{"linux", "darwin"} {
			if !slices.Contains(b.Goos, want) {
				t.Errorf("goreleaser.yaml: build %q: goos %q lacks %s", b.Binary, b.Goos, want)
			}
		}
		for _, want := range []string{"amd64", "arm64"} {
			if !slices.Contains(b.Goarch, want) {
				t.Errorf("goreleaser.yaml: build %q: goarch %q lacks %s", b.Binary, b.Goarch, want)
			}
		}
	}

	for _, dir := range binaryDirs(t) {
		if !built[dir] {
			t.Errorf("goreleaser.yaml has no build for cmd/%s: add one under builds", dir)
		}
		delete(built, dir)
	}
	for name := range built {
		t.Errorf("goreleaser.yaml builds %s, but cmd/%s does not exist", name, name)
	}

	if len(config.Archives) != 1 || !slices.Contains(config.Archives[0].Files, "man/*.1") || !slices.Contains(config.Archives[0].Files, "completions/*") {
		t.Errorf("goreleaser.yaml: want one archive that includes man/*.1 and completions/*, have %+v", config.Archives)
	}
	if config.Checksum.NameTemplate == "" {
		t.Errorf("goreleaser.yaml: checksum.name_template is empty")
	}
}
