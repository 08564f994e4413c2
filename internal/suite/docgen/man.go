package docgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/etelgo/etelgo/internal/cli"
)

// exitStatuses are the meanings of the exit codes that every binary
// shares. A binary that gives a code a narrower meaning explains it in
// its Description.
var exitStatuses = []struct {
	code    int
	meaning string
}{
	{cli.ExitOK, "Success: the run finished and every record was handled."},
	{cli.ExitFailure, "Failure: an error stopped the run, such as a record that could not be processed, a lost connection or an I/O error. The message on stderr names it."},
	{cli.ExitUsage, "Usage error: an invalid flag, argument, path or expression. Nothing was read."},
}

// Man renders the man page of cmd in section 1. seeAlso names the other
// binaries of the suite.
func Man(cmd *Command, seeAlso []string) string {
	var b strings.Builder
	name := cmd.Path[0]

	b.WriteString(`.\" ` + generatedNotice + "\n")
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"EtelGo\" \"EtelGo Manual\"\n", escape(strings.ToUpper(name)))
	// Left-aligned text without hyphenation keeps flag names whole.
	b.WriteString(".nh\n.ad l\n")

	b.WriteString(".SH NAME\n")
	fmt.Fprintf(&b, "%s \\- %s\n", escape(name), escape(cmd.Summary))

	b.WriteString(".SH SYNOPSIS\n")
	writeSynopsis(&b, cmd)

	if strings.TrimSpace(cmd.Description) != "" {
		b.WriteString(".SH DESCRIPTION\n")
		writeProse(&b, cmd.Description, true)
	}

	if len(cmd.Args) > 0 {
		b.WriteString(".SH ARGUMENTS\n")
		writeArgs(&b, cmd.Args)
	}

	if len(cmd.Flags) > 0 {
		b.WriteString(".SH OPTIONS\n")
		writeGroupedFlags(&b, cmd.Flags)
	}

	if len(cmd.Commands) > 0 {
		b.WriteString(".SH COMMANDS\n")
		for _, sub := range cmd.Commands {
			writeCommand(&b, sub)
		}
	}

	b.WriteString(".SH EXIT STATUS\n")
	for _, s := range exitStatuses {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", s.code, escape(s.meaning))
	}

	if envs := environment(cmd); len(envs) > 0 {
		b.WriteString(".SH ENVIRONMENT\n")
		for _, e := range envs {
			fmt.Fprintf(&b, ".TP\n.B %s\nSets %s when the flag is not given.\n", escape(e.name), strings.Join(e.flags, ", "))
		}
	}

	if len(seeAlso) > 0 {
		b.WriteString(".SH SEE ALSO\n")
		refs := make([]string, len(seeAlso))
		for i, other := range seeAlso {
			refs[i] = fmt.Sprintf(".BR %s (1)", escape(other))
		}
		b.WriteString(strings.Join(refs, ",\n") + "\n")
	}
	return b.String()
}

// writeSynopsis writes one usage line per runnable command: the binary
// itself when it has no subcommands, otherwise each leaf subcommand.
func writeSynopsis(b *strings.Builder, cmd *Command) {
	leaves := leafCommands(cmd)
	for i, leaf := range leaves {
		if i > 0 {
			b.WriteString(".br\n")
		}
		fmt.Fprintf(b, ".B %s\n%s\n", escape(leaf.Name()), usageLine(leaf))
	}
}

func leafCommands(cmd *Command) []*Command {
	if len(cmd.Commands) == 0 {
		return []*Command{cmd}
	}
	var out []*Command
	for _, sub := range cmd.Commands {
		out = append(out, leafCommands(sub)...)
	}
	return out
}

// usageLine renders what follows the command name: required flags, then
// [OPTIONS] when there are optional ones, then the arguments.
func usageLine(cmd *Command) string {
	var parts []string
	optional := false
	for _, f := range cmd.Flags {
		if !f.Required {
			optional = true
			continue
		}
		parts = append(parts, flagUsage(f))
	}
	if optional {
		parts = append(parts, `[\fIOPTIONS\fR]`)
	}

	for _, a := range cmd.Args {
		parts = append(parts, argUsage(a))
	}
	return strings.Join(parts, " ")
}

func flagUsage(f Flag) string {
	s := `\fB\-\-` + escape(f.Name) + `\fR`
	if f.TakesValue() {
		s += `=\fI` + escape(f.Placeholder) + `\fR`
	}
	return s
}

func argUsage(a Arg) string {
	s := `\fI` + escape(a.Name) + `\fR`
	if a.Repeatable {
		s += "..."
	}
	if !a.Required {
		s = "[" + s + "]"
	}
	return s
}

func writeArgs(b *strings.Builder, args []Arg) {
	for _, a := range args {
		fmt.Fprintf(b, ".TP\n%s\n", argUsage(a))
		writeHelpLines(b, a.Help)
		if len(a.Enum) > 0 {
			fmt.Fprintf(b, "One of: %s.\n", escape(strings.Join(a.Enum, ", ")))
		}
	}
}

// writeGroupedFlags writes the flags without a group first, then one
// subsection per kong group, in the order the groups first appear.
func writeGroupedFlags(b *strings.Builder, flags []Flag) {
	var titles []string
	byGroup := map[string][]Flag{}
	for _, f := range flags {
		if _, seen := byGroup[f.Group]; !seen && f.Group != "" {
			titles = append(titles, f.Group)
		}
		byGroup[f.Group] = append(byGroup[f.Group], f)
	}

	writeFlags(b, byGroup[""])
	for _, title := range titles {
		b.WriteString(".SS " + escape(title) + "\n")
		writeFlags(b, byGroup[title])
	}
}

func writeFlags(b *strings.Builder, flags []Flag) {
	for _, f := range flags {
		b.WriteString(".TP\n" + flagTag(f) + "\n")
		writeHelpLines(b, f.Help)

		if len(f.Enum) > 0 && !f.HelpHasEnum && f.Placeholder != strings.Join(f.Enum, "|") {
			fmt.Fprintf(b, "One of: %s.\n", escape(strings.Join(f.Enum, ", ")))
		}
		if f.HasDefault && f.Default != "" && f.Default != "false" && !f.HelpHasDefault {
			fmt.Fprintf(b, "Default: \\fB%s\\fR.\n", escape(f.Default))
		}
		if f.Repeatable && f.TakesValue() {
			b.WriteString("May be given more than once.\n")
		}
		for _, env := range f.Envs {
			fmt.Fprintf(b, "Environment: \\fB%s\\fR.\n", escape(env))
		}
	}
}

// flagTag renders the term of a flag's entry: its short form, its long
// names and its value placeholder.
func flagTag(f Flag) string {
	var names []string
	if f.Short != 0 {
		names = append(names, `\fB\-`+escape(string(f.Short))+`\fR`)
	}
	names = append(names, `\fB\-\-`+escape(f.Name)+`\fR`)
	for _, alias := range f.Aliases {
		names = append(names, `\fB\-\-`+escape(alias)+`\fR`)
	}
	if f.Negation != "" {
		names = append(names, `\fB`+escape(f.Negation)+`\fR`)
	}

	tag := strings.Join(names, ", ")
	if f.TakesValue() {
		tag += `=\fI` + escape(f.Placeholder) + `\fR`
	}
	return tag
}

// writeHelpLines writes help text inside a .TP entry, where a paragraph
// macro would end the entry, so every line becomes filled text.
func writeHelpLines(b *strings.Builder, help string) {
	for _, line := range strings.Split(help, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		b.WriteString(escapeLine(line) + "\n")
	}
}

// writeCommand writes a subcommand's entry of the COMMANDS section, then
// those of its own subcommands.
func writeCommand(b *strings.Builder, cmd *Command) {
	fmt.Fprintf(b, ".SS \"%s\"\n", escape(cmd.Name()))
	if len(cmd.Commands) == 0 {
		fmt.Fprintf(b, ".B %s\n%s\n.PP\n", escape(cmd.Name()), usageLine(cmd))
	}
	if cmd.Summary != "" {
		b.WriteString(escapeLine(cmd.Summary) + "\n")
	}
	if strings.TrimSpace(cmd.Description) != "" {
		writeProse(b, cmd.Description, false)
	}
	if len(cmd.Args) > 0 {
		writeArgs(b, cmd.Args)
	}
	if len(cmd.Flags) > 0 {
		writeFlags(b, cmd.Flags)
	}
	b.WriteString(".PP\n")

	for _, sub := range cmd.Commands {
		writeCommand(b, sub)
	}
}

type envVar struct {
	name  string
	flags []string
}

// environment lists the environment variables that set flags of cmd or
// of its subcommands, sorted by name, each with the flags it sets.
func environment(cmd *Command) []envVar {
	byName := map[string][]string{}
	var walk func(c *Command)
	walk = func(c *Command) {
		for _, f := range c.Flags {
			for _, env := range f.Envs {
				ref := `\fB\-\-` + escape(f.Name) + `\fR`
				if len(c.Path) > 1 {
					ref += " of " + escape(strings.Join(c.Path[1:], " "))
				}
				byName[env] = append(byName[env], ref)
			}
		}
		for _, sub := range c.Commands {
			walk(sub)
		}
	}
	walk(cmd)

	out := make([]envVar, 0, len(byName))
	for name, flags := range byName {
		out = append(out, envVar{name: name, flags: flags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
