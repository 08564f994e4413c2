package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Command is one command of a pipeline line: its words after quote
// removal, and where it starts in the line.
type Command struct {
	Args []string
	// Col is the 1-based column, in bytes, of the command's first word.
	Col int
}

// SyntaxError is a pipeline line that cannot be split into commands.
type SyntaxError struct {
	Col int // 1-based byte column in the line
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// SplitPipeline splits a shell pipeline line such as
//
//	etl-kread orders | etl-set 'note=a | b' | etl-kwrite out
//
// into its commands and their words, the way a POSIX shell would for the
// subset of the shell grammar that a pipeline of EtelGo stages needs:
// words separated by blanks, single quotes, double quotes with backslash
// escapes, backslashes outside quotes, and | between commands.
//
// Every other shell operator outside quotes (; & < > ( ) ` $ and a # that
// begins a word) is rejected rather than taken literally, because a shell
// would give it a meaning that etl-pipe does not reproduce.
func SplitPipeline(line string) ([]Command, error) {
	var (
		commands []Command
		current  Command
		word     strings.Builder
		inWord   bool
	)
	endWord := func() {
		if inWord {
			current.Args = append(current.Args, word.String())
			word.Reset()
			inWord = false
		}
	}
	startWord := func(i int) {
		if !inWord {
			inWord = true
			if len(current.Args) == 0 {
				current.Col = i + 1
			}
		}
	}

	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			endWord()
			i++

		case c == '|':
			endWord()
			if i+1 < len(line) && line[i+1] == '|' {
				return nil, &SyntaxError{Col: i + 1, Msg: "|| is a shell operator that etl-pipe does not run; use | between stages"}
			}
			if len(current.Args) == 0 {
				return nil, &SyntaxError{Col: i + 1, Msg: "a | without a command before it: write a stage on each side of |"}
			}
			commands = append(commands, current)
			current = Command{}
			i++

		case c == '\'':
			startWord(i)
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, &SyntaxError{Col: i + 1, Msg: "unterminated single quote: close it with '"}
			}
			word.WriteString(line[i+1 : i+1+end])
			i += end + 2

		case c == '"':
			startWord(i)
			next, err := readDoubleQuoted(line, i, &word)
			if err != nil {
				return nil, err
			}
			i = next

		case c == '\\':
			if i+1 >= len(line) {
				return nil, &SyntaxError{Col: i + 1, Msg: "a backslash at the end of the line escapes nothing: remove it or quote it"}
			}
			if line[i+1] == '\n' { // a line continuation
				i += 2
				continue
			}
			startWord(i)
			_, size := utf8.DecodeRuneInString(line[i+1:])
			word.WriteString(line[i+1 : i+1+size])
			i += 1 + size

		case c == '#' && !inWord:
			return nil, &SyntaxError{Col: i + 1, Msg: "an unquoted # begins a comment in a shell: quote it, as in '#x'"}

		case strings.IndexByte(";&<>()`", c) >= 0:
			return nil, &SyntaxError{Col: i + 1, Msg: fmt.Sprintf("%q is a shell operator that etl-pipe does not run: a pipeline line holds stages joined by |; quote %q if it belongs to an argument", string(c), string(c))}

		case c == '$' && i+1 < len(line) && isExpansionStart(line[i+1]):
			return nil, &SyntaxError{Col: i + 1, Msg: "etl-pipe does not expand shell variables or commands in a pipeline line: quote the $ with single quotes, or use ${NAME} in a configuration file"}

		default:
			startWord(i)
			word.WriteByte(c)
			i++
		}
	}
	endWord()

	if len(current.Args) == 0 {
		if len(commands) == 0 {
			return nil, &SyntaxError{Col: 1, Msg: "the pipeline line is empty: give at least one stage"}
		}
		return nil, &SyntaxError{Col: len(line) + 1, Msg: "the line ends with |: add the stage that follows it"}
	}
	return append(commands, current), nil
}

// readDoubleQuoted appends the contents of the double-quoted string that
// starts at line[start] to word and returns the index after its closing
// quote. Inside double quotes a backslash escapes only $ ` " \ and a
// newline, as in a POSIX shell.
func readDoubleQuoted(line string, start int, word *strings.Builder) (int, error) {
	for i := start + 1; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\' && i+1 < len(line) && strings.IndexByte("$`\"\\\n", line[i+1]) >= 0:
			if line[i+1] != '\n' {
				word.WriteByte(line[i+1])
			}
			i++
		case c == '$' && i+1 < len(line) && isExpansionStart(line[i+1]):
			return 0, &SyntaxError{Col: i + 1, Msg: "etl-pipe does not expand shell variables or commands in a pipeline line: escape the $ as \\$, use single quotes, or use ${NAME} in a configuration file"}
		case c == '`':
			return 0, &SyntaxError{Col: i + 1, Msg: "etl-pipe does not run command substitutions: escape the ` as \\`, or use single quotes"}
		default:
			word.WriteByte(c)
		}
	}
	return 0, &SyntaxError{Col: start + 1, Msg: "unterminated double quote: close it with \""}
}

// isExpansionStart reports whether c after a $ would make a shell expand
// something: a name, a positional or special parameter, ${...} or $(...).
func isExpansionStart(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("_{(@*#?$!-", c) >= 0
}

// QuoteArgs joins args into one command line that SplitPipeline splits
// back into the same words, quoting only the words that need it.
func QuoteArgs(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteWord(a))
	}
	return b.String()
}

func quoteWord(w string) string {
	if w == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(w); i++ {
		c := w[i]
		if strings.IndexByte(" \t\n\r|'\"\\;&<>()`$#*?[]{}~!", c) >= 0 {
			safe = false
			break
		}
	}
	if safe {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
