// Package filter implements etl-filter, the stage that keeps the records
// for which a condition holds, or with -v the others, as grep does.
//
// The condition language, shared with etl-math, lives in internal/expr
// and is documented in docs/expressions.md.
package filter

import (
	"errors"
	"fmt"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// App is etl-filter's command-line definition.
var App = cli.App{
	Name:    "etl-filter",
	Summary: "keep the records for which a condition holds",
	Description: `Reads records on stdin and writes to stdout, unchanged, those for which
CONDITION holds; with -v, those for which it does not, as grep -v does.
Records are plain lines (each line is a JSON value) or envelope lines (a
JSON object with the value and the key, headers, topic, partition, offset
and timestamp, as etl-kread writes); the format is detected from the first
line that is not blank, and --format overrides it.

Conditions:

  status == "paid"              == != < <= > >= on numbers and strings
  amount >= 100 and not refund  and, or, not (also &&, ||, !), parentheses
  country in ["FR", "DE", 7]    membership in a list of literals
  user.email =~ "@example\\.com$"  RE2 regular expression (!~ negates)
  exists(user.id)               the field is present, even if null
  discount == null              null, or missing
  isRobot                       a boolean field: holds when it is true
  delta == added - deleted      arithmetic: + - * / %, unary -, functions
  @key =~ "^order-" and @partition == 0 and @headers.source == "web"

Functions: round(x[, digits]), floor, ceil, abs, min, max, pow, sqrt,
num(s) for a number written in a string, str(x) for a number as a string,
exists(path).

Fields use gjson paths: user.id, items.0.sku. A backslash keeps the next
character in the key: id\.orig_h is the key "id.orig_h", \@timestamp a key
that begins with @. Metadata: @key, @headers.NAME (the last header of
that name), @topic, @partition, @offset, @timestamp (milliseconds since
the epoch). Plain lines have no metadata: their @ paths are missing.

Numbers compare exactly as decimals: 1.0 == 1, and integers of any size
compare exactly; arithmetic is exact too (0.1 + 0.2 == 0.3 holds).
Strings compare byte for byte, and are written in double quotes with JSON
escapes.

Missing fields and mixed types never stop the stream: a missing field
equals null and nothing else; a comparison between different types is
false, and so is <, <=, > or >= with null or a boolean; a comparison whose
operand cannot be computed (a string in arithmetic, a division by zero) is
false. !=, !~ and "not in" are always the negation of ==, =~ and in, and a
condition holds only when it is true: a missing or non-boolean field does
not hold. --strict turns these cases into record errors instead, handled
by --on-error, except comparisons with the literal null.

A tombstone, or an envelope value that is not JSON (carried as
value_text or value_b64, such as {"a":1} with a space after it), has no
fields: value paths are missing there, and metadata still reads. In a plain stream a
line that is not a JSON object is an error, and a blank line has no
fields. Kept records are written byte for byte as they were read.

Examples:

  etl-filter 'status == "paid" and amount > 100' < orders.ndjson
  etl-filter -v 'delta == added - deleted' < wikiticker.ndjson | wc -l
  etl-filter 'isRobot' < wikiticker.ndjson
  etl-filter 'num(LogonType) in [2, 10]' < security.ndjson
  etl-kread -e orders | etl-filter '@headers.source == "web"' | etl-kwrite web-orders

Quote the condition for the shell.

Exit status: 0 when the input was read to the end (whether or not a
record was kept), 1 when a record failed under --on-error fail or reading
or writing failed, 2 for an invalid condition or flag (nothing is read
then).`,
	New: func() any { return &Command{} },
}

// Command is etl-filter's command line.
type Command struct {
	cli.StreamFlags
	expr.Flags
	Invert    bool   `short:"v" name:"invert-match" help:"Keep the records for which the condition does not hold."`
	Strict    bool   `help:"Fail the record, under the --on-error policy, on a comparison with a missing field, between different types, or with an operand that cannot be computed, which is otherwise false."`
	Condition string `arg:"" name:"condition" placeholder:"CONDITION" help:"The condition a record must meet to be kept, such as 'status == \"paid\"'."`
}

// Factory compiles the condition and returns a factory of Processors.
// Errors are usage errors that show the condition and the faulty column.
func (c *Command) Factory() (stage.Factory, error) {
	opts, err := c.Options(c.Strict)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	pred, err := expr.CompilePredicate(c.Condition)
	if err != nil {
		return nil, &cli.UsageError{Err: fmt.Errorf("invalid condition: %w", err)}
	}
	return func() (stage.Processor, error) {
		return &Processor{pred: pred, env: expr.NewEnv(opts), invert: c.Invert, checkJSON: pred.ReadsValue()}, nil
	}, nil
}

// Run filters the records from stdin to stdout.
func (c *Command) Run(env cli.Env) error {
	factory, err := c.Factory()
	if err != nil {
		return err
	}
	_, err = stage.RunStream(App.Name, factory, env.Stdin, env.Stdout, env.Stderr, stage.StreamOptions{
		Format:        c.ReadFormat(),
		Policy:        c.Policy(),
		MaxRecordSize: int(c.MaxRecordSize),
	})
	if errors.Is(err, stage.ErrStop) {
		return nil
	}
	return err
}

// Processor emits the records that meet a condition.
type Processor struct {
	pred   *expr.Predicate
	env    *expr.Env
	invert bool

	// checkJSON is set when an envelope value must be validated before the
	// condition reads its fields. Text that looks like JSON can arrive as
	// value_text (with spaces around it, say), and it has no fields.
	checkJSON bool
	noValue   record.Record // rec without its value, for such text
}

var _ stage.Processor = (*Processor)(nil)

// Process emits rec unchanged when the condition holds (does not hold,
// when inverted).
func (p *Processor) Process(rec *record.Record, emit stage.Emit) error {
	if !rec.HasMeta {
		if err := checkPlainLine(rec.Value); err != nil {
			return err
		}
	}
	view := rec
	if rec.HasMeta && p.checkJSON && expr.IsContainer(rec.Value) && !rec.ValueJSON && !record.IsEmbeddableJSON(rec.Value) {
		p.noValue = *rec
		p.noValue.Value = nil
		view = &p.noValue
	}
	ok, err := p.pred.Test(p.env, view)
	if err != nil {
		return err
	}
	if ok == p.invert {
		return nil
	}
	return emit(rec)
}

// checkPlainLine rejects a plain line that is neither blank nor a JSON
// object, judged by its first and last bytes other than spaces, as
// etl-math and etl-set judge it.
func checkPlainLine(v []byte) error {
	start, end := 0, len(v)
	for start < end && isSpace(v[start]) {
		start++
	}
	for end > start && isSpace(v[end-1]) {
		end--
	}
	if start == end || (end-start >= 2 && v[start] == '{' && v[end-1] == '}') {
		return nil
	}
	return errors.New("the line is not a JSON object")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
