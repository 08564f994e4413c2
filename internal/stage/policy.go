package stage

import (
	"errors"
	"fmt"

	"github.com/etelgo/etelgo/internal/record"
)

// Policy says what a stage does with a record it cannot process.
type Policy int

const (
	// PolicyFail stops the stream with an error naming the record.
	PolicyFail Policy = iota
	// PolicySkip drops the record and counts it.
	PolicySkip
	// PolicyPass forwards the record unchanged and logs the error.
	PolicyPass
)

// PolicyNames lists the values of the --on-error flag, for help texts.
var PolicyNames = []string{"fail", "skip", "pass"}

// ParsePolicy parses an --on-error value.
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "fail", "":
		return PolicyFail, nil
	case "skip":
		return PolicySkip, nil
	case "pass":
		return PolicyPass, nil
	}
	return PolicyFail, fmt.Errorf("invalid error policy %q: use fail, skip or pass", s)
}

func (p Policy) String() string {
	switch p {
	case PolicySkip:
		return "skip"
	case PolicyPass:
		return "pass"
	}
	return "fail"
}

// RecordError is a failure to process one record. It names where the
// record came from: a line number, or a topic, partition and offset.
type RecordError struct {
	Stage  string // the stage that failed, such as "etl-set"
	Record string // the record's position, from record.Record.Position
	Err    error
}

// NewRecordError wraps err with the stage name and rec's position.
func NewRecordError(stage string, rec *record.Record, err error) *RecordError {
	return &RecordError{Stage: stage, Record: rec.Position(), Err: err}
}

func (e *RecordError) Error() string {
	return e.Record + ": " + e.Err.Error()
}

func (e *RecordError) Unwrap() error { return e.Err }

// ErrStop is returned by an Emit whose downstream has gone away (stdout
// closed, as with `| head -1`). Runners stop quietly when they see it.
var ErrStop = errors.New("downstream closed")
