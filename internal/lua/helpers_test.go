package lua

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/etelgo/etelgo/internal/record"
)

// runResult is what a script did with a stream of plain values.
type runResult struct {
	values []string // emitted values, "<tombstone>" for nil
	recs   []*record.Record
	stderr string
	err    error // the first error, from Process, Finish or loading
}

const tombstone = "<tombstone>"

// runScript runs opts over the inputs as plain-line records, the way
// RunStream does with the fail policy, and collects what is emitted.
func runScript(t *testing.T, opts Options, inputs ...string) runResult {
	t.Helper()
	recs := make([]*record.Record, len(inputs))
	for i, in := range inputs {
		recs[i] = &record.Record{Value: []byte(in), Line: int64(i + 1), Partition: -1, Offset: -1}
	}
	return runRecords(t, opts, recs...)
}

// runRecords runs opts over recs the way RunStream does with the fail
// policy, and collects what is emitted.
func runRecords(t *testing.T, opts Options, recs ...*record.Record) runResult {
	t.Helper()
	var stderr bytes.Buffer
	opts.Stderr = &stderr
	opts.Logger = slog.New(slog.NewTextHandler(&stderr, nil))
	var res runResult
	script, err := Compile(opts)
	if err != nil {
		res.err = err
		return res
	}
	proc, err := script.NewProcessor()
	if err != nil {
		res.err = err
		res.stderr = stderr.String()
		return res
	}
	defer proc.Close()

	emit := func(rec *record.Record) error {
		c := rec.Clone()
		res.recs = append(res.recs, c)
		if c.Value == nil {
			res.values = append(res.values, tombstone)
		} else {
			res.values = append(res.values, string(c.Value))
		}
		return nil
	}
	for _, rec := range recs {
		before := rec.Clone()
		if err := proc.Process(rec, emit); err != nil {
			assertUntouched(t, before, rec)
			res.err = err
			res.stderr = stderr.String()
			return res
		}
	}
	if err := proc.Finish(emit); err != nil {
		res.err = err
	}
	res.stderr = stderr.String()
	return res
}

// inline returns Options for inline code.
func inline(code string) Options { return Options{Source: code, Inline: true} }

// assertUntouched fails unless rec still equals before.
func assertUntouched(t *testing.T, before, rec *record.Record) {
	t.Helper()
	if !bytes.Equal(before.Value, rec.Value) || (before.Value == nil) != (rec.Value == nil) || !bytes.Equal(before.Key, rec.Key) || len(before.Headers) != len(rec.Headers) {
		t.Errorf("failed Process changed the record: %+v, was %+v", rec, before)
	}
}

// errText returns err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// recordOf returns a plain-line record with value v.
func recordOf(v string) *record.Record {
	return &record.Record{Value: []byte(v), Partition: -1, Offset: -1}
}
