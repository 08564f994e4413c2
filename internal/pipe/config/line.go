package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is a problem in the configuration at one position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.File == "" {
		if e.Pos.Col > 0 {
			return fmt.Sprintf("column %d: %s", e.Pos.Col, e.Msg)
		}
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// ErrorList is every problem found in one configuration, in the order of
// the file.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Sort orders the errors by line and then column, keeping the order in
// which they were found for errors at the same position. Errors without
// a line, which concern the whole file, come first.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}

// Errorf returns an *Error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// FromLine reads a shell pipeline line, such as
//
//	etl-kread orders -g enrich | etl-set status=seen | etl-kwrite out
//
// into a Config with every other setting at its default. Errors carry the
// column in the line.
func FromLine(line string) (*Config, error) {
	cfg := defaults("pipeline")
	if err := cfg.setPipeline(line, Pos{}, lineColumns(Pos{}, line, 0)); err != nil {
		return nil, err
	}
	return cfg, nil
}

// lineColumns maps a column in a pipeline line to a position in the file,
// for a line written at base. Only a plain one-line YAML scalar keeps its
// columns; for any other scalar every column maps to the scalar itself.
func lineColumns(base Pos, line string, style int) func(col int) Pos {
	exact := style == 0 && !strings.Contains(line, "\n")
	return func(col int) Pos {
		if !exact {
			return base
		}
		p := base
		if p.Col == 0 {
			p.Col = 1
		}
		p.Col += col - 1
		return p
	}
}

// setPipeline splits a pipeline line into input, stages and outputs.
func (c *Config) setPipeline(line string, pos Pos, posAt func(col int) Pos) error {
	cmds, err := SplitPipeline(line)
	if err != nil {
		var syn *SyntaxError
		if errors.As(err, &syn) {
			return &Error{Pos: posAt(syn.Col), Msg: syn.Msg}
		}
		return &Error{Pos: pos, Msg: err.Error()}
	}

	stages := make([]Stage, len(cmds))
	for i, cmd := range cmds {
		stages[i] = Stage{Name: cmd.Args[0], Args: cmd.Args[1:], Pos: posAt(cmd.Col)}
	}

	// The first command is the source when it is etl-kread or stdin.
	// Otherwise stdin is implied, as when a shell pipeline starts with a
	// middle stage that reads a file redirected to it.
	c.Input = Input{Kind: InputStdin, Pos: pos}
	if isStdio(stages[0]) {
		c.Input.Pos = stages[0].Pos
		stages = stages[1:]
	} else if stages[0].Name == SourceStage {
		first := stages[0]
		c.Input = Input{Kind: InputKafka, Stage: &first, Pos: first.Pos}
		stages = stages[1:]
	}

	// Likewise the last is the sink when it is etl-kwrite or stdout.
	c.Outputs = []Output{{Kind: OutputStdout, Format: "auto", Pos: pos}}
	if n := len(stages); n > 0 {
		switch last := stages[n-1]; {
		case isStdio(last):
			c.Outputs[0].Pos = last.Pos
			stages = stages[:n-1]
		case last.Name == SinkStage:
			c.Outputs = []Output{{Kind: OutputKafka, Stage: &last, Pos: last.Pos}}
			stages = stages[:n-1]
		}
	}

	for _, s := range stages {
		if err := checkMiddle(s); err != nil {
			return err
		}
	}
	c.Stages = stages
	return nil
}

// isStdio reports whether s is the word - (or stdin, stdout) alone,
// which names the process's standard input or output.
func isStdio(s Stage) bool {
	return len(s.Args) == 0 && (s.Name == "-" || s.Name == "stdin" || s.Name == "stdout")
}

// checkMiddle rejects a source or sink written between other stages.
func checkMiddle(s Stage) error {
	switch {
	case s.Name == SourceStage:
		return Errorf(s.Pos, "%s reads from Kafka and can only be the first stage of a pipeline", SourceStage)
	case s.Name == SinkStage:
		return Errorf(s.Pos, "%s writes to Kafka and can only be the last stage of a pipeline", SinkStage)
	case isStdio(s):
		return Errorf(s.Pos, "%q names stdin or stdout and can only be the first or the last stage", s.Name)
	}
	return nil
}
