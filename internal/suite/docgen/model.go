// Package docgen renders man pages and shell completion scripts (bash,
// zsh, fish) for the EtelGo binaries from their kong command models, so
// that help text is written once, in the kong tags and the App values.
//
// A flag completes file names when its kong type is path, existingfile or
// filecontent, when its Go type is *os.File or kong.FileContentFlag, or
// when its placeholder is FILE or PATH (or ends in -FILE or _FILE). It
// completes directory names when its type is existingdir or its
// placeholder is DIR. The same rules apply to positional arguments.
package docgen

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"unicode"

	"github.com/alecthomas/kong"

	"github.com/etelgo/etelgo/internal/cli"
)

// Completion selects the candidates a shell offers for a flag's value
// or an argument.
type Completion int

const (
	// CompleteNothing offers no candidates: the value is free text.
	CompleteNothing Completion = iota
	// CompleteFiles offers file names.
	CompleteFiles
	// CompleteDirs offers directory names.
	CompleteDirs
)

// Command is one binary or one of its subcommands, reduced to what the
// man page and the completion scripts need.
type Command struct {
	// Path is the binary's name followed by the subcommand names, such
	// as ["etl-pipe", "run"].
	Path []string
	// Summary is one line: the App's Summary for a binary, the help tag
	// for a subcommand.
	Summary string
	// Description is the long help: the App's Description, or a
	// subcommand's detail text.
	Description string
	Flags       []Flag
	// Inherited are the flags of the parent commands, which kong also
	// accepts after a subcommand.
	Inherited []Flag
	Args      []Arg
	Commands  []*Command
}

// Name returns the command's path joined by spaces, such as "etl-pipe run".
func (c *Command) Name() string { return strings.Join(c.Path, " ") }

// Flag is one command-line flag.
type Flag struct {
	Name    string   // long name without dashes
	Short   rune     // 0 when the flag has no short form
	Aliases []string // other long names
	// Negation is the full negated form of a boolean flag, such as
	// "--no-color", or empty.
	Negation string
	// Placeholder names the flag's value, such as "FILE"; it is empty
	// for flags that take no value (booleans and counters).
	Placeholder string
	Help        string
	Required    bool
	Default     string
	HasDefault  bool
	// Enum lists the accepted values, when the flag has an enum tag.
	Enum []string
	// HelpHasDefault and HelpHasEnum report whether the help text already
	// shows the default or the enum values through ${default} or ${enum}.
	HelpHasDefault bool
	HelpHasEnum    bool
	// Envs are the environment variables that set the flag.
	Envs       []string
	Repeatable bool
	Complete   Completion
	// Group is the title of the flag's kong group, such as
	// "Kafka connection", or empty.
	Group string
}

// TakesValue reports whether the flag is followed by a value.
func (f *Flag) TakesValue() bool { return f.Placeholder != "" }

// Arg is one positional argument.
type Arg struct {
	Name       string
	Help       string
	Required   bool
	Repeatable bool
	Enum       []string
	Complete   Completion
}

// Load builds the command model of app from its kong definition, the
// same one the binary parses its arguments with.
func Load(app cli.App) (*Command, error) {
	parser, err := cli.Parser(app, app.New(), io.Discard, io.Discard, func(int) {})
	if err != nil {
		return nil, fmt.Errorf("build the kong model of %q: %w", app.Name, err)
	}

	root := convertNode(parser.Model.Node, []string{app.Name}, nil)
	root.Summary = app.Summary
	root.Description = app.Description
	return root, nil
}

// convertNode converts a kong node and its visible children.
func convertNode(node *kong.Node, path []string, inherited []Flag) *Command {
	cmd := &Command{Path: path, Summary: node.Help, Description: node.Detail, Inherited: inherited}

	for _, f := range node.Flags {
		if f.Hidden {
			continue
		}
		cmd.Flags = append(cmd.Flags, convertFlag(f))
	}

	for _, p := range node.Positional {
		cmd.Args = append(cmd.Args, Arg{
			Name:       p.Name,
			Help:       p.Help,
			Required:   p.Required,
			Repeatable: p.IsCumulative(),
			Enum:       enumValues(p),
			Complete:   completionFor(p, p.Tag.PlaceHolder),
		})
	}

	for _, child := range node.Children {
		if child.Hidden || child.Type != kong.CommandNode {
			continue
		}
		childPath := append(append([]string(nil), path...), child.Name)
		childInherited := append(append([]Flag(nil), inherited...), cmd.Flags...)
		cmd.Commands = append(cmd.Commands, convertNode(child, childPath, childInherited))
	}
	return cmd
}

func convertFlag(f *kong.Flag) Flag {
	out := Flag{
		Name:           f.Name,
		Short:          f.Short,
		Aliases:        f.Aliases,
		Help:           f.Help,
		Required:       f.Required,
		Default:        f.Default,
		HasDefault:     f.HasDefault,
		Enum:           enumValues(f.Value),
		HelpHasDefault: strings.Contains(f.OrigHelp, "${default}"),
		HelpHasEnum:    strings.Contains(f.OrigHelp, "${enum}"),
		Envs:           f.Envs,
		Repeatable:     f.IsCumulative() || f.IsCounter(),
		Complete:       completionFor(f.Value, f.PlaceHolder),
	}
	if f.Group != nil {
		out.Group = f.Group.Title
	}

	switch f.Tag.Negatable {
	case "":
	case "_":
		out.Negation = "--no-" + f.Name
	default:
		out.Negation = "--" + f.Tag.Negatable
	}

	if !f.IsBool() && !f.IsCounter() {
		out.Placeholder = placeholder(f)
	}
	return out
}

// placeholder names a flag's value. Unlike kong's help, it never shows
// the default there, because the man page lists the default separately.
func placeholder(f *kong.Flag) string {
	name := f.PlaceHolder
	switch {
	case name != "":
	case f.Enum != "":
		name = strings.Join(enumValues(f.Value), "|")
	case namedType(f.Target.Type()) != "":
		name = namedType(f.Target.Type())
	default:
		name = strings.ToUpper(f.Name)
	}

	if f.IsSlice() && f.Tag.Sep != -1 && f.Tag.Type == "" {
		name += string(f.Tag.Sep) + "..."
	}
	return name
}

// namedType returns the name of a value's type, or of its elements for a
// slice, in upper case with dashes between words (ByteSize gives
// BYTE-SIZE), or "" for a type without a package such as string.
func namedType(t reflect.Type) string {
	if t.Kind() == reflect.Slice && t.Name() == "" {
		t = t.Elem()
	}
	if t.PkgPath() == "" || t.Name() == "" {
		return ""
	}

	var b strings.Builder
	for i, r := range t.Name() {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func enumValues(v *kong.Value) []string {
	if v.Enum == "" {
		return nil
	}
	return v.EnumSlice()
}

var fileTypes = []reflect.Type{
	reflect.TypeOf(&os.File{}),
	reflect.TypeOf(kong.FileContentFlag(nil)),
	reflect.TypeOf(kong.NamedFileContentFlag{}),
}

// completionFor applies the rules of the package doc to one value.
func completionFor(v *kong.Value, placeholder string) Completion {
	switch v.Tag.Type {
	case "path", "existingfile", "filecontent":
		return CompleteFiles
	case "existingdir":
		return CompleteDirs
	}

	for _, t := range fileTypes {
		if v.Target.Type() == t {
			return CompleteFiles
		}
	}

	upper := strings.ToUpper(placeholder)
	switch {
	case upper == "FILE" || upper == "PATH" || strings.HasSuffix(upper, "-FILE") || strings.HasSuffix(upper, "_FILE"):
		return CompleteFiles
	case upper == "DIR" || upper == "DIRECTORY":
		return CompleteDirs
	}
	return CompleteNothing
}
