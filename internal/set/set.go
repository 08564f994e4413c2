// Package set implements etl-set, the stage that edits fields of records.
// It sets strings and JSON literals, copies, moves and deletes fields,
// sets defaults where a field is missing, and builds strings from other
// fields. Edits apply to the value and to the metadata (key, headers,
// topic, partition, offset, timestamp).
//
// The edit grammar is parsed once, at start (grammar.go), and compiled
// into ops (compile.go). Value edits run on the record's bytes: gjson
// locates, and the result is spliced into a scratch buffer (target.go),
// with no decoding of the value. docs/edit-grammar.md documents the
// grammar with a table of arguments and results.
package set

import (
	"errors"

	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// App is etl-set's command-line definition.
var App = cli.App{
	Name:    "etl-set",
	Summary: "edit fields of records: set, copy, move, delete, default, template",
	Description: `Edits fields of each record read on stdin and writes the records to stdout,
one line per record, in the format read: plain lines (each line is a JSON
value) or envelope lines (a JSON object with the value and the key,
headers, topic, partition, offset and timestamp, as etl-kread writes).
The format is detected from the first line that is not blank; --format
overrides it.

Each argument is one edit. Edits apply in order, each to the result of
the one before; a record is written only when all of them succeeded.

  path=text         set the field to the string text
  path:=json        set the field to a JSON literal (number, true, null,
                    object, array or quoted string), checked at start
  path==source      copy the raw value of another field (numbers keep
                    their exact text); nothing happens if source is missing
  path==source-     move: copy, then delete source
  path%=template    set a string built from fields: '{first} {last}';
                    write {{ and }} for literal braces; a missing or null
                    field adds nothing
  path-             delete the field (nothing happens if it is missing)
  path//=text       any operator above with // before it applies only
  path//:=json      where the field is missing or null
  path//==source

Paths use gjson syntax: user.id, items.0.sku. A backslash keeps the next
character in the key, so every key can be addressed: id\.orig_h for the
key "id.orig_h", \@timestamp for a key that begins with @, a\=b or a\:
for keys holding operator characters, x\- for a key ending in -.
Metadata paths begin with @: @key, @headers.NAME, @topic, @partition,
@offset, @timestamp (milliseconds or RFC 3339 text). Setting a header
replaces every header of that name by one, at the place of the first;
deleting removes them all; reading takes the last. Deleting @key makes a
null key; @key:=null does the same.

A new field is appended after the existing ones of its object; missing
parent objects are created. Everything not edited is written back byte
for byte: big integers, 1.0, key order, \u escapes. A parent that is not
an object, or a line that is not a JSON object, is an error for that
record. Tombstones and envelope values that are not JSON pass through
with value edits skipped; metadata edits still apply. Blank plain lines
pass through unchanged.

Checks: a plain line must be a JSON object. An edit that reads or
writes the value checks the root object's members in full (quoted keys,
colons, commas, and only spaces after the closing brace) and the members
it walks through inside nested objects; elsewhere inside a nested value
it matches only quotes and brackets. A fault found is an error for that
record ("the line is not valid JSON at byte N"); a fault deeper inside a
value that no edit walks through comes out as it went in. --validate
checks every line as JSON in full first, at about half the speed.
Envelope values are always checked in full. When a key appears twice in
an object, edits read and change the first one; jq takes the last.

Examples:

  etl-set status=seen retries:=0 < events.ndjson
  etl-set 'user_id==user.id' 'name==username-' tmp- < events.ndjson
  etl-set 'region//=unknown' 'full%={first} {last}' < people.ndjson
  etl-kread -e orders | etl-set @key==order.id @headers.source=etl | etl-kwrite out
  etl-set 'id\.orig_h==src' '\@timestamp==@timestamp' < conn.ndjson

Quote arguments that contain spaces, braces, < > | & ; $ or *. A path
that begins with - must be escaped (\-x=1), or the edits put after --.

Exit status: 0 when every record was written, 1 when a record failed
under --on-error fail or reading or writing failed, 2 for an invalid
argument or flag (nothing is read then).`,
	New: func() any { return &Command{} },
}

// Command is etl-set's command line.
type Command struct {
	cli.StreamFlags
	Validate bool     `help:"Check every plain line as JSON in full, instead of its root object's members only."`
	Edits    []string `arg:"" name:"edit" placeholder:"EDIT" help:"Edits, applied in order: path=text, path:=json, path==source, path==source-, path%=template, path-, and // before an operator for a default."`
}

// Factory compiles the edits and returns a factory of Processors. Errors
// are usage errors that name the faulty argument.
func (c *Command) Factory() (stage.Factory, error) {
	prog, err := Compile(c.Edits, Options{Validate: c.Validate, Plain: c.ReadFormat() == record.FormatPlain})
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	return func() (stage.Processor, error) { return prog.NewProcessor(), nil }, nil
}

// Run edits the records from stdin to stdout.
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
