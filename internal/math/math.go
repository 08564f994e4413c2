// Package math implements etl-math, the stage that computes fields of
// records with exact decimal arithmetic: compound assignments such as
// amount *= 1.2, and assignments from expressions over fields and
// metadata, such as total = round(price * qty, 2).
//
// The expression language, shared with etl-filter, lives in internal/expr
// and is documented in docs/expressions.md. This package compiles the
// assignments once (Compile) and writes their results into the record's
// bytes (write.go), leaving every other byte as it was.
package math

import (
	"errors"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/stage"
)

// App is etl-math's command-line definition.
var App = cli.App{
	Name:    "etl-math",
	Summary: "compute fields of records with exact decimal arithmetic",
	Description: `Computes fields of each record read on stdin and writes the records to
stdout, one line per record, in the format read: plain lines (each line is
a JSON value) or envelope lines (a JSON object with the value and the key,
headers, topic, partition, offset and timestamp, as etl-kread writes). The
format is detected from the first line that is not blank; --format
overrides it.

Each argument is one assignment. Assignments apply in order, each seeing
the result of the ones before; a record is written only when all of them
succeeded, so a failing record is never half changed.

  amount *= 1.2              compound assignment: also +=, -= and /=
  total = price * qty        assignment from an expression
  total = round(price * qty * (1 - discount), 2)
  @key = str(order.id)       metadata: @key and @headers.NAME take text

Expressions: numbers, "strings" with JSON escapes, true, false, null,
fields, + - * / % (remainder), unary -, parentheses, comparisons
(== != < <= > >=, giving true or false), and the functions

  round(x[, digits])  rounded with --rounding; never adds digits
  floor(x)  ceil(x)  abs(x)  min(x, y, ...)  max(x, y, ...)
  pow(x, y)           exact for an integer y, floating point otherwise
  sqrt(x)             floating point
  num(s)              the number written in a string: num(ProcessId)
  str(x)              a number or boolean as a string

Fields use gjson paths: user.id, items.0.sku. A backslash keeps the next
character in the key: id\.orig_h is the key "id.orig_h", \@timestamp a key
that begins with @. Metadata: @key, @headers.NAME, @topic, @partition,
@offset, @timestamp (milliseconds since the epoch).

Arithmetic is decimal and exact on the numbers as written: 0.1 + 0.2 is
0.3, 1819.86 * 1.2 is 2183.832, 3 * 2 is 6, and integers of any size stay
exact. Sums keep the larger number of decimals (1.50 + 1 is 2.50) and
products their total. Division keeps --scale digits after the point (at
least as many as the dividend has), rounded with --rounding, then drops
trailing zeros: 10 / 4 is 2.5, 1 / 3 is 0.3333333333333333. Only sqrt and
pow with a fractional exponent use floating point; they write the shortest
decimal that reads back as the same float. Output is always JSON: no NaN or
Infinity, and an exponent only where an operand was written with one.

A record fails, and --on-error decides what happens to it, when a field
is missing, when a value is null, a string, a boolean, an object or an
array where a number is expected (num() converts strings), on a division
by zero, and when a parent of an assigned field is not an object. The
message names the field, its value and the line or topic, partition and
offset.

Only assigned fields change: every other byte of the record is written
back as it was. An existing field is replaced in place; a new one is
appended after the members of its object, with missing parent objects
created. When a key appears twice in an object, the first one is read
and assigned; jq takes the last.

In an envelope stream, a tombstone or a value that is not JSON (carried
as value_text or value_b64) has no fields: value assignments are skipped
and value fields read as missing, while metadata assignments still
apply. JSON that is not an object is an error for value assignments. In
a plain stream a blank line passes, and a line that is not a JSON object
is an error.

Checks: before a plain line is assigned, the root object's members are
checked in full (quoted keys, colons, commas, and only spaces after the
closing brace); inside a nested value only quotes and brackets are
matched. A fault found is an error for that record ("the line is not
valid JSON at byte N"); a fault deeper inside a nested value comes out as
it went in. --validate checks every line as JSON in full instead.
Envelope values are always checked in full.

Examples:

  etl-math 'amount *= 1.2' < orders.ndjson
  etl-math 'total = price * qty' 'total = round(total * 1.2, 2)' < orders.ndjson
  etl-math --on-error skip 'pid = num(ProcessId)' < events.ndjson
  etl-math --scale 2 --rounding half-up 'share = part / whole * 100' < data.ndjson
  etl-kread -e orders | etl-math 'amount *= 1.2' '@key = str(order.id)' | etl-kwrite out

Quote each expression for the shell. An expression that begins with -
goes after --.

Exit status: 0 when every record was written, 1 when a record failed
under --on-error fail or reading or writing failed, 2 for an invalid
expression or flag (nothing is read then).`,
	New: func() any { return &Command{} },
}

// Command is etl-math's command line.
type Command struct {
	cli.StreamFlags
	expr.Flags
	Validate bool     `help:"Check every plain line as JSON in full, instead of its root object's members only."`
	Exprs    []string `arg:"" name:"expr" placeholder:"EXPR" help:"Assignments, applied in order: path = expression, or path += -= *= /= expression."`
}

// Factory compiles the assignments and returns a factory of Processors.
// Errors are usage errors that show the faulty expression and column.
func (c *Command) Factory() (stage.Factory, error) {
	opts, err := c.Options(true)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	prog, err := Compile(c.Exprs, opts)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	prog.validate = c.Validate
	return func() (stage.Processor, error) { return prog.NewProcessor(), nil }, nil
}

// Run computes the records from stdin to stdout.
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
