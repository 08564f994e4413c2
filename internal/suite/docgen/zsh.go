package docgen

import (
	"fmt"
	"strings"
)

// Zsh renders a zsh completion function for cmd, to be installed as a
// file named _NAME in a directory of $fpath.
func Zsh(cmd *Command) string {
	var b strings.Builder
	name := cmd.Path[0]

	fmt.Fprintf(&b, "#compdef %s\n# %s\n", name, generatedNotice)
	for _, c := range allCommands(cmd) {
		b.WriteString("\n")
		writeZshFunction(&b, c)
	}
	fmt.Fprintf(&b, "\n%s \"$@\"\n", zshFunction(cmd))
	return b.String()
}

// zshFunction names the completion function of a command or subcommand.
func zshFunction(cmd *Command) string {
	return "_" + strings.Join(cmd.Path, "_")
}

// writeZshFunction writes the function that completes one command. A
// command with subcommands completes their names, then hands the words
// after the chosen one to that subcommand's function.
func writeZshFunction(b *strings.Builder, cmd *Command) {
	fmt.Fprintf(b, "%s() {\n", zshFunction(cmd))

	var specs []string
	for _, f := range append(append([]Flag(nil), cmd.Inherited...), cmd.Flags...) {
		specs = append(specs, zshFlagSpecs(f)...)
	}

	if len(cmd.Commands) == 0 {
		for _, a := range cmd.Args {
			specs = append(specs, zshArgSpec(a))
		}
		b.WriteString("    _arguments -s -S")
		writeZshSpecs(b, specs)
		b.WriteString("}\n")
		return
	}

	b.WriteString("    local curcontext=$curcontext state line\n")
	b.WriteString("    typeset -A opt_args\n")
	specs = append(specs, "'1:command:->command'", "'*::argument:->argument'")
	b.WriteString("    _arguments -C -s -S")
	writeZshSpecs(b, specs)

	b.WriteString("    case $state in\n")
	b.WriteString("    command)\n")
	b.WriteString("        local -a commands=(\n")
	for _, sub := range cmd.Commands {
		word := sub.Path[len(sub.Path)-1]
		fmt.Fprintf(b, "            %s\n", zshQuote(word+":"+firstSentence(sub.Summary)))
	}
	b.WriteString("        )\n")
	b.WriteString("        _describe -t commands command commands\n")
	b.WriteString("        ;;\n")
	b.WriteString("    argument)\n")
	b.WriteString("        case $line[1] in\n")
	for _, sub := range cmd.Commands {
		fmt.Fprintf(b, "        %s) %s ;;\n", sub.Path[len(sub.Path)-1], zshFunction(sub))
	}
	b.WriteString("        esac\n")
	b.WriteString("        ;;\n")
	b.WriteString("    esac\n")
	b.WriteString("}\n")
}

func writeZshSpecs(b *strings.Builder, specs []string) {
	for _, s := range specs {
		b.WriteString(" \\\n        " + s)
	}
	b.WriteString("\n")
}

// zshFlagSpecs returns the _arguments specs of one flag: one per name,
// each excluding the flag's other names unless the flag repeats.
func zshFlagSpecs(f Flag) []string {
	names := flagWords(f)
	if f.Negation != "" {
		names = append(names, f.Negation)
	}

	exclusion := ""
	if f.Repeatable {
		exclusion = "*"
	} else if len(names) > 1 {
		exclusion = "(" + strings.Join(names, " ") + ")"
	}

	description := "[" + zshEscape(firstSentence(f.Help)) + "]"
	value := ""
	if f.TakesValue() {
		message := strings.ToLower(f.Placeholder)
		if len(f.Enum) > 0 {
			message = f.Name
		}
		value = ":" + zshEscape(message) + ":" + zshAction(f.Enum, f.Complete)
	}

	var specs []string
	for _, n := range names {
		form := n
		if f.TakesValue() && n != f.Negation {
			if strings.HasPrefix(n, "--") {
				form += "="
			} else {
				form += "+"
			}
		}
		valuePart := value
		if n == f.Negation {
			valuePart = ""
		}
		specs = append(specs, zshQuote(exclusion+form+description+valuePart))
	}
	return specs
}

func zshArgSpec(a Arg) string {
	spec := ":"
	if !a.Required {
		spec = "::"
	}
	if a.Repeatable {
		spec = "*" + spec
	}
	return zshQuote(spec + zshEscape(a.Name) + ":" + zshAction(a.Enum, a.Complete))
}

// zshAction returns the _arguments action that completes a value.
func zshAction(enum []string, complete Completion) string {
	switch {
	case len(enum) > 0:
		return "(" + strings.Join(enum, " ") + ")"
	case complete == CompleteFiles:
		return "_files"
	case complete == CompleteDirs:
		return "_files -/"
	}
	return " "
}

// zshEscape escapes the characters that _arguments treats specially
// inside a description or message.
func zshEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, ":", `\:`).Replace(s)
}

// zshQuote quotes s as one zsh word.
func zshQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// firstSentence shortens help text to its first sentence, without the
// final period, for the one-line descriptions of completion menus.
func firstSentence(help string) string {
	help = strings.Join(strings.Fields(help), " ")
	if i := strings.Index(help, ". "); i >= 0 {
		help = help[:i]
	}
	if i := strings.Index(help, ": "); i >= 0 {
		help = help[:i]
	}
	return strings.TrimSuffix(help, ".")
}
