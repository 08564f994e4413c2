package set

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Op is the operation of one edit argument.
type Op int

const (
	// OpSetString is path=text: set the field to the string text.
	OpSetString Op = iota + 1
	// OpSetJSON is path:=json: set the field to a JSON literal.
	OpSetJSON
	// OpCopy is path==src: copy the raw value of the field src.
	OpCopy
	// OpMove is path==src-: copy src, then delete it.
	OpMove
	// OpTemplate is path%=template: set the field to a string built from
	// other fields, such as "{first} {last}".
	OpTemplate
	// OpDelete is path-: delete the field.
	OpDelete
)

var opNames = map[Op]string{
	OpSetString: "set",
	OpSetJSON:   "set JSON",
	OpCopy:      "copy",
	OpMove:      "move",
	OpTemplate:  "template",
	OpDelete:    "delete",
}

func (o Op) String() string { return opNames[o] }

// Edit is one parsed edit argument.
type Edit struct {
	// Arg is the argument as given on the command line.
	Arg string
	// Path is the destination path as written, escapes included.
	Path string
	Op   Op
	// Default limits the edit to records where the destination is
	// missing or null (the // prefix of the operator).
	Default bool
	// Operand is what follows the operator: the text, the JSON literal,
	// the source path (escapes included, without the trailing - of a
	// move) or the template. It is empty for OpDelete.
	Operand string
	// OperandColumn is the 1-based column of Operand in Arg, counted in
	// characters, for error messages.
	OperandColumn int
}

// SyntaxError is an edit argument that does not follow the grammar.
type SyntaxError struct {
	Arg    string
	Column int // 1-based, in characters
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid edit %q at column %d: %s", e.Arg, e.Column, e.Msg)
}

// operatorHelp lists the forms of an edit, for error messages.
const operatorHelp = "use path=text, path:=json, path==source, path==source- (move), path%=template, path- (delete), or // before the operator for a default"

// ParseEdit parses one edit argument.
//
// The destination path ends at the first = that no backslash escapes.
// The characters right before that = choose the operation (":" for JSON,
// "%" for a template, and "//" before either for a default), and a second
// = right after it makes a copy. Everything after the operator is the
// operand, taken as it is. An argument without = that ends in "-" is a
// delete. A backslash before any character of the path keeps it in the
// key, so every key can be written (a\=b, a\:, x\-).
func ParseEdit(arg string) (Edit, error) {
	if !utf8.ValidString(arg) {
		return Edit{}, &SyntaxError{Arg: arg, Column: column(arg, invalidUTF8At(arg)), Msg: "the argument is not valid UTF-8"}
	}

	escaped, eq, err := scanPath(arg)
	if err != nil {
		return Edit{}, err
	}
	unescaped := func(i int) bool { return i >= 0 && !escaped[i] }

	if eq < 0 {
		end := len(arg) - 1
		if end >= 0 && arg[end] == '-' && unescaped(end) {
			if end == 0 {
				return Edit{}, &SyntaxError{Arg: arg, Column: 1, Msg: "missing path before - (delete)"}
			}
			return Edit{Arg: arg, Path: arg[:end], Op: OpDelete}, nil
		}
		return Edit{}, &SyntaxError{Arg: arg, Column: column(arg, len(arg)), Msg: "missing operator: " + operatorHelp}
	}

	e := Edit{Arg: arg, Op: OpSetString}
	head := eq
	switch {
	case head > 0 && arg[head-1] == ':' && unescaped(head-1):
		e.Op = OpSetJSON
		head--
	case head > 0 && arg[head-1] == '%' && unescaped(head-1):
		e.Op = OpTemplate
		head--
	}
	if head > 1 && arg[head-1] == '/' && arg[head-2] == '/' && unescaped(head-1) && unescaped(head-2) {
		e.Default = true
		head -= 2
	}
	if head == 0 {
		return Edit{}, &SyntaxError{Arg: arg, Column: 1, Msg: "missing path before the operator"}
	}
	e.Path = arg[:head]

	start := eq + 1
	if e.Op == OpSetString && start < len(arg) && arg[start] == '=' {
		e.Op = OpCopy
		start++
	}
	e.Operand = arg[start:]
	e.OperandColumn = column(arg, start)

	switch e.Op {
	case OpSetJSON:
		if strings.TrimSpace(e.Operand) == "" {
			return Edit{}, &SyntaxError{Arg: arg, Column: e.OperandColumn, Msg: "missing JSON literal after :="}
		}
	case OpCopy:
		if n := len(e.Operand); n > 0 && e.Operand[n-1] == '-' && !endsEscaped(e.Operand[:n-1]) {
			e.Op = OpMove
			e.Operand = e.Operand[:n-1]
		}
		if e.Operand == "" {
			return Edit{}, &SyntaxError{Arg: arg, Column: e.OperandColumn, Msg: "missing source path after =="}
		}
	}
	return e, nil
}

// scanPath finds the first unescaped = in arg and marks which bytes
// before it are escaped by a backslash. eq is -1 when there is none.
func scanPath(arg string) (escaped []bool, eq int, err error) {
	escaped = make([]bool, len(arg))
	for i := 0; i < len(arg); i++ {
		switch arg[i] {
		case '\\':
			if i+1 == len(arg) {
				return nil, 0, &SyntaxError{Arg: arg, Column: column(arg, i), Msg: "lone backslash at the end: escape the character after it, or write \\\\ for a backslash"}
			}
			i++
			escaped[i] = true
		case '=':
			return escaped, i, nil
		}
	}
	return escaped, -1, nil
}

// endsEscaped reports whether the byte after s would be escaped: s ends
// in an odd number of backslashes.
func endsEscaped(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// column converts a byte offset in s into a 1-based character column.
func column(s string, offset int) int {
	return utf8.RuneCountInString(s[:offset]) + 1
}

func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return 0
}
