package docgen

import (
	"fmt"
	"strings"
)

// Fish renders a fish completion script for cmd.
func Fish(cmd *Command) string {
	var b strings.Builder
	name := cmd.Path[0]

	fmt.Fprintf(&b, "# fish completion for %s\n# %s\n\n", name, generatedNotice)

	// Arguments are free text, except where a command below completes
	// file names or enum values.
	fmt.Fprintf(&b, "complete -c %s -f\n", name)

	for _, c := range allCommands(cmd) {
		condition := fishCondition(c)

		if len(c.Commands) > 0 {
			for _, sub := range c.Commands {
				word := sub.Path[len(sub.Path)-1]
				fmt.Fprintf(&b, "complete -c %s -n %s -a %s -d %s\n",
					name, fishQuote(fishChildCondition(c)), word, fishQuote(firstSentence(sub.Summary)))
			}
		}

		for _, a := range c.Args {
			switch {
			case len(a.Enum) > 0:
				fmt.Fprintf(&b, "complete -c %s%s -a %s\n", name, condition, fishQuote(strings.Join(a.Enum, " ")))
			case a.Complete == CompleteFiles:
				fmt.Fprintf(&b, "complete -c %s%s -F\n", name, condition)
			case a.Complete == CompleteDirs:
				fmt.Fprintf(&b, "complete -c %s%s -a '(__fish_complete_directories)'\n", name, condition)
			}
		}

		for _, f := range c.Flags {
			b.WriteString(fishFlag(name, condition, f) + "\n")
		}
	}
	return b.String()
}

// fishFlag returns the complete command for one flag.
func fishFlag(name, condition string, f Flag) string {
	line := "complete -c " + name + condition
	if f.Short != 0 {
		line += " -s " + string(f.Short)
	}
	line += " -l " + f.Name
	for _, alias := range f.Aliases {
		line += " -l " + alias
	}
	if f.Negation != "" {
		line += " -l " + strings.TrimPrefix(f.Negation, "--")
	}

	if f.TakesValue() {
		switch {
		case len(f.Enum) > 0:
			line += " -x -a " + fishQuote(strings.Join(f.Enum, " "))
		case f.Complete == CompleteFiles:
			line += " -r -F"
		case f.Complete == CompleteDirs:
			line += " -x -a '(__fish_complete_directories)'"
		default:
			line += " -x"
		}
	}
	return line + " -d " + fishQuote(firstSentence(f.Help))
}

// fishCondition returns the -n option that limits a completion to one
// subcommand, or "" for the binary itself.
func fishCondition(cmd *Command) string {
	if len(cmd.Path) == 1 {
		return ""
	}
	return " -n " + fishQuote("__fish_seen_subcommand_from "+cmd.Path[len(cmd.Path)-1])
}

// fishChildCondition returns the condition under which the names of
// cmd's subcommands are offered: cmd was typed, none of them yet.
func fishChildCondition(cmd *Command) string {
	if len(cmd.Path) == 1 {
		return "__fish_use_subcommand"
	}
	var children []string
	for _, sub := range cmd.Commands {
		children = append(children, sub.Path[len(sub.Path)-1])
	}
	return fmt.Sprintf("__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s",
		cmd.Path[len(cmd.Path)-1], strings.Join(children, " "))
}

// fishQuote quotes s as one fish word.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
