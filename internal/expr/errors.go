package expr

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is an expression that does not parse or does not make
// sense before any record is read, such as a string in arithmetic. Its
// message names the column and shows the expression with a caret under
// the faulty spot.
type SyntaxError struct {
	Src    string // the expression
	Offset int    // byte offset of the faulty spot in Src
	Msg    string
}

// Column returns the 1-based column of the faulty spot, counted in
// characters.
func (e *SyntaxError) Column() int {
	return utf8.RuneCountInString(e.Src[:e.Offset]) + 1
}

func (e *SyntaxError) Error() string {
	// The caret line copies tabs from the expression so that it lines up
	// in a terminal.
	var pad strings.Builder
	for _, r := range e.Src[:e.Offset] {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return fmt.Sprintf("%s at column %d\n    %s\n    %s^", e.Msg, e.Column(), e.Src, pad.String())
}

func syntaxError(src string, offset int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Src: src, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// Failures of an evaluation. EvalError wraps one of these, or
// ErrDivisionByZero or ErrRange, so that callers can tell them apart with
// errors.Is.
var (
	// ErrMissing means that a field the expression reads is not in the
	// record.
	ErrMissing = errors.New("missing field")
	// ErrType means that a value has the wrong type for an operation, such
	// as a string where a number is expected.
	ErrType = errors.New("wrong type")
	// ErrNotNumber means that num() was given a string that is not a
	// number.
	ErrNotNumber = errors.New("not a number")
	// ErrDomain means that a function has no real result for its
	// argument, such as sqrt(-1).
	ErrDomain = errors.New("no real result")
)

// EvalError is the failure to evaluate an expression on one record. Its
// message names the field or sub-expression and the value at fault.
type EvalError struct {
	Msg string
	Err error // ErrMissing, ErrType, ErrNotNumber, ErrDomain, ErrDivisionByZero or ErrRange
}

func (e *EvalError) Error() string { return e.Msg }
func (e *EvalError) Unwrap() error { return e.Err }

// failure records why an evaluation produced an invalid value. The
// message is built only when the failure reaches the caller, so that a
// filter that treats failures as false does not allocate.
type failure struct {
	err        error
	node       node  // the operand or operation at fault
	value      Value // the operand's value, for type errors
	want       string
	other      node // the second operand of a failed comparison
	otherValue Value
}

// message renders f for people.
func (f *failure) message(src string) string {
	what := describeNode(src, f.node)
	switch f.err {
	case ErrMissing:
		return what + " is missing"
	case ErrType:
		if f.other != nil {
			return fmt.Sprintf("cannot compare %s (%s) with %s (%s)", what, describeValue(f.value), describeNode(src, f.other), describeValue(f.otherValue))
		}
		msg := fmt.Sprintf("%s is %s, not %s", what, describeValue(f.value), f.want)
		if f.value.Kind == KindString && f.want == "a number" {
			msg += "; convert it with num(" + src[f.node.span().start:f.node.span().end] + ")"
		}
		return msg
	case ErrNotNumber:
		return fmt.Sprintf("%s: %s is not a number", what, describeValue(f.value))
	case ErrDomain:
		return fmt.Sprintf("%s has no real result for %s", what, describeValue(f.value))
	case ErrDivisionByZero:
		return "division by zero in " + what
	case ErrRange:
		return what + ": " + ErrRange.Error()
	}
	return what + ": " + f.err.Error()
}

// describeNode names a node for a message: a path, literal or function
// call as written, any other expression quoted.
func describeNode(src string, n node) string {
	s := n.span()
	text := src[s.start:s.end]
	switch n.(type) {
	case *pathNode, *targetNode, *literalNode, *callNode:
		return text
	}
	return fmt.Sprintf("%q", text)
}

// describeValue names a value and its type for a message, shortened to
// keep the message on one readable line.
func describeValue(v Value) string {
	const maxText = 64
	short := func(s string) string {
		if len(s) <= maxText {
			return s
		}
		cut := maxText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "..."
	}
	switch v.Kind {
	case KindMissing:
		return "missing"
	case KindNull:
		return "null"
	case KindBool:
		return fmt.Sprintf("the boolean %t", v.Bool)
	case KindNumber:
		if v.Raw != "" {
			return "the number " + short(v.Raw)
		}
		return "the number " + short(v.Num.String())
	case KindString:
		return fmt.Sprintf("the string %q", short(v.Str))
	case KindObject:
		return "the object " + short(v.Str)
	case KindArray:
		return "the array " + short(v.Str)
	}
	return "an invalid value"
}
