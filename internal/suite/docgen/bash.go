package docgen

import (
	"fmt"
	"strings"
)

// Bash renders a bash completion script for cmd. It completes flag
// names, enum values, file and directory names where a flag or argument
// takes a path, and subcommand names.
func Bash(cmd *Command) string {
	var b strings.Builder
	name := cmd.Path[0]
	fn := "_" + shellIdent(name)

	fmt.Fprintf(&b, "# bash completion for %s\n# %s\n\n", name, generatedNotice)
	fmt.Fprintf(&b, "%s() {\n", fn)
	b.WriteString(`    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=""
    if ((COMP_CWORD > 0)); then
        prev=${COMP_WORDS[COMP_CWORD-1]}
    fi

    # Bash splits "--flag=value" at the "=", so the flag is one or two
    # words back.
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi

`)

	if len(cmd.Commands) > 0 {
		writeBashCommandWalk(&b, cmd)
		b.WriteString("    case $command in\n")
		for _, c := range allCommands(cmd) {
			fmt.Fprintf(&b, "    %s)\n", bashQuote(strings.Join(c.Path[1:], " ")))
			writeBashCommand(&b, c, "        ")
			b.WriteString("        ;;\n")
		}
		b.WriteString("    esac\n")
	} else {
		writeBashCommand(&b, cmd, "    ")
	}

	b.WriteString("}\n\n")
	fmt.Fprintf(&b, "complete -F %s %s\n", fn, name)
	return b.String()
}

// writeBashCommandWalk writes the loop that finds which subcommand the
// words before the cursor select, skipping flags and their values.
func writeBashCommandWalk(b *strings.Builder, cmd *Command) {
	var known, valued []string
	for _, c := range allCommands(cmd) {
		if len(c.Path) > 1 {
			known = append(known, bashQuote(strings.Join(c.Path[1:], " ")))
		}
		for _, f := range c.Flags {
			if f.TakesValue() {
				valued = append(valued, flagWords(f)...)
			}
		}
	}

	fmt.Fprintf(b, "    local commands=(%s)\n", strings.Join(known, " "))
	fmt.Fprintf(b, "    local valued=\" %s \"\n", strings.Join(dedupe(valued), " "))
	b.WriteString(`    local command="" word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == -* || $word == "=" ]]; then
            if [[ $valued == *" $word "* && ${COMP_WORDS[i+1]} != "=" ]]; then
                ((i++))
            elif [[ ${COMP_WORDS[i+1]} == "=" ]]; then
                ((i += 2))
            fi
            continue
        fi
        local candidate="${command:+$command }$word"
        local c
        for c in "${commands[@]}"; do
            if [[ $c == "$candidate" ]]; then
                command=$candidate
                break
            fi
        done
    done

`)
}

// writeBashCommand writes the completion of one command's flag values,
// flag names and arguments.
func writeBashCommand(b *strings.Builder, cmd *Command, indent string) {
	// Flags whose values complete the same way share one case arm.
	var arms [][]string
	patterns := map[string][]string{}
	flags := append(append([]Flag(nil), cmd.Inherited...), cmd.Flags...)
	for _, f := range flags {
		if !f.TakesValue() {
			continue
		}
		lines := bashCandidates(f.Enum, f.Complete)
		key := strings.Join(lines, "\n")
		if _, ok := patterns[key]; !ok {
			arms = append(arms, lines)
		}
		patterns[key] = append(patterns[key], flagWords(f)...)
	}
	if len(arms) > 0 {
		b.WriteString(indent + "case $prev in\n")
		for _, lines := range arms {
			fmt.Fprintf(b, "%s%s)\n", indent, strings.Join(patterns[strings.Join(lines, "\n")], "|"))
			writeLines(b, indent+"    ", lines)
			fmt.Fprintf(b, "%s    return\n%s    ;;\n", indent, indent)
		}
		b.WriteString(indent + "esac\n")
	}

	var words []string
	for _, f := range flags {
		words = append(words, flagWords(f)...)
		if f.Negation != "" {
			words = append(words, f.Negation)
		}
	}
	fmt.Fprintf(b, "%sif [[ $cur == -* ]]; then\n", indent)
	fmt.Fprintf(b, "%s    mapfile -t COMPREPLY < <(compgen -W %s -- \"$cur\")\n", indent, bashQuote(strings.Join(words, " ")))
	fmt.Fprintf(b, "%s    return\n%sfi\n", indent, indent)

	var subs []string
	for _, sub := range cmd.Commands {
		subs = append(subs, sub.Path[len(sub.Path)-1])
	}
	if len(subs) > 0 {
		writeLines(b, indent, bashCandidates(subs, CompleteNothing))
		return
	}

	// Positional arguments: the first one with an enum or a path decides.
	for _, a := range cmd.Args {
		if len(a.Enum) > 0 || a.Complete != CompleteNothing {
			writeLines(b, indent, bashCandidates(a.Enum, a.Complete))
			return
		}
	}
	b.WriteString(indent + "COMPREPLY=()\n")
}

// bashCandidates returns the lines that fill COMPREPLY with the words
// of enum, with file or directory names, or with nothing.
func bashCandidates(enum []string, complete Completion) []string {
	switch {
	case len(enum) > 0:
		return []string{fmt.Sprintf("mapfile -t COMPREPLY < <(compgen -W %s -- \"$cur\")", bashQuote(strings.Join(enum, " ")))}
	case complete == CompleteFiles:
		return []string{"compopt -o filenames 2>/dev/null", `mapfile -t COMPREPLY < <(compgen -f -- "$cur")`}
	case complete == CompleteDirs:
		return []string{"compopt -o filenames 2>/dev/null", `mapfile -t COMPREPLY < <(compgen -d -- "$cur")`}
	}
	return []string{"COMPREPLY=()"}
}

func writeLines(b *strings.Builder, indent string, lines []string) {
	for _, line := range lines {
		b.WriteString(indent + line + "\n")
	}
}

// flagWords returns the words that name a flag: -s, --name and aliases.
func flagWords(f Flag) []string {
	var words []string
	if f.Short != 0 {
		words = append(words, "-"+string(f.Short))
	}
	words = append(words, "--"+f.Name)
	for _, alias := range f.Aliases {
		words = append(words, "--"+alias)
	}
	return words
}

// allCommands returns cmd and all its subcommands, depth first.
func allCommands(cmd *Command) []*Command {
	out := []*Command{cmd}
	for _, sub := range cmd.Commands {
		out = append(out, allCommands(sub)...)
	}
	return out
}

// shellIdent turns a binary name into a shell function name.
func shellIdent(name string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(name)
}

// bashQuote quotes s as one bash word.
func bashQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func dedupe(words []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
