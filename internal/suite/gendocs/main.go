// Command gendocs writes the man pages (man/) and shell completion
// scripts (completions/) of every binary listed in internal/suite.
//
// Usage, from the repository root:
//
//	go run ./internal/suite/gendocs [-root DIR] [man] [completions]
//
// With no kind named it writes both. Generated files of binaries that
// are no longer listed are removed.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/etelgo/etelgo/internal/suite"
	"github.com/etelgo/etelgo/internal/suite/docgen"
)

func main() {
	root := flag.String("root", ".", "repository root to write man/ and completions/ into")
	flag.Parse()

	kinds := []docgen.Kind{docgen.KindMan, docgen.KindCompletions}
	if flag.NArg() > 0 {
		kinds = nil
		for _, arg := range flag.Args() {
			kind := docgen.Kind(arg)
			if kind != docgen.KindMan && kind != docgen.KindCompletions {
				fmt.Fprintf(os.Stderr, "gendocs: unknown kind %q: use man or completions\n", arg)
				os.Exit(2)
			}
			kinds = append(kinds, kind)
		}
	}

	for _, kind := range kinds {
		if err := write(*root, kind); err != nil {
			fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
			os.Exit(1)
		}
	}
}

// write generates the files of one kind under root and removes generated
// files that no listed binary produces any more.
func write(root string, kind docgen.Kind) error {
	files, err := docgen.Generate(suite.Apps, kind)
	if err != nil {
		return err
	}

	dir := filepath.Join(root, string(kind))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %q: %w", dir, err)
	}

	generated := map[string]bool{}
	for _, f := range files {
		target := filepath.Join(root, filepath.FromSlash(f.Path))
		generated[filepath.Base(target)] = true
		if err := os.WriteFile(target, f.Content, 0o644); err != nil {
			return fmt.Errorf("write %q: %w", target, err)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %q: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || generated[e.Name()] || !docgen.IsGenerated(kind, e.Name()) {
			continue
		}
		stale := filepath.Join(dir, e.Name())
		if err := os.Remove(stale); err != nil {
			return fmt.Errorf("remove stale %q: %w", stale, err)
		}
		fmt.Fprintf(os.Stderr, "gendocs: removed %s\n", stale)
	}
	return nil
}
