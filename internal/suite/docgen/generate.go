package docgen

import (
	"path"

	"github.com/etelgo/etelgo/internal/cli"
)

// File is one generated file, with its path relative to the repository
// root.
type File struct {
	Path    string
	Content []byte
}

// Kind selects a family of generated files.
type Kind string

const (
	// KindMan selects the man pages, man/NAME.1.
	KindMan Kind = "man"
	// KindCompletions selects the completion scripts in completions/:
	// NAME.bash, _NAME for zsh and NAME.fish.
	KindCompletions Kind = "completions"
)

// Generate renders the files of the given kind for every app, in the
// order of apps.
func Generate(apps []cli.App, kind Kind) ([]File, error) {
	var files []File
	for _, app := range apps {
		cmd, err := Load(app)
		if err != nil {
			return nil, err
		}

		switch kind {
		case KindMan:
			files = append(files, File{path.Join("man", app.Name+".1"), []byte(Man(cmd, otherNames(apps, app.Name)))})
		case KindCompletions:
			files = append(files,
				File{path.Join("completions", app.Name+".bash"), []byte(Bash(cmd))},
				File{path.Join("completions", "_"+app.Name), []byte(Zsh(cmd))},
				File{path.Join("completions", app.Name+".fish"), []byte(Fish(cmd))},
			)
		}
	}
	return files, nil
}

// IsGenerated reports whether name, a file name in man/ or completions/,
// has the form of a generated file, so that a file left behind by a
// removed binary can be found and deleted.
func IsGenerated(kind Kind, name string) bool {
	patterns := map[Kind][]string{
		KindMan:         {"etl-*.1"},
		KindCompletions: {"etl-*.bash", "_etl-*", "etl-*.fish"},
	}
	for _, p := range patterns[kind] {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func otherNames(apps []cli.App, name string) []string {
	var out []string
	for _, app := range apps {
		if app.Name != name {
			out = append(out, app.Name)
		}
	}
	return out
}
