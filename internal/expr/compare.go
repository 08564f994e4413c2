package expr

import (
	"regexp"
	"strings"
)

// Comparison rules, shared by etl-filter and etl-math:
//
//   - Numbers compare by value, exactly: 1.0 == 1, and integers of any
//     size compare exactly. Strings compare byte for byte.
//   - A missing field equals null, so x == null holds when x is null or
//     missing. exists(x) distinguishes the two.
//   - Values of different types are not equal, and are not ordered: with
//     a string, a boolean, null or a missing field on one side and a
//     number on the other, <, <=, > and >= are false.
//   - An operand that cannot be computed (a string in arithmetic, a
//     division by zero) makes ==, <, <=, >, >=, =~ and in false.
//   - !=, !~ and "not in" are always the negation of ==, =~ and in.
//
// In strict mode the cases that are false above for want of a value or
// of a common type fail instead, except comparisons with the null literal.

type compareNode struct {
	pos  span
	op   tokenKind
	x, y node
	// nullCheck is set when one side is the literal null. A comparison
	// with null is never an error, even in strict mode.
	nullCheck bool
}

func (n *compareNode) span() span       { return n.pos }
func (n *compareNode) kind() staticKind { return staticBool }

func (n *compareNode) eval(env *Env) Value {
	negated := n.op == tokNe
	x := n.x.eval(env)
	if x.Kind == KindInvalid {
		return env.undefined(negated)
	}
	y := n.y.eval(env)
	if y.Kind == KindInvalid {
		return env.undefined(negated)
	}

	if env.strict && !n.nullCheck {
		if x.Kind == KindMissing {
			return env.fail(failure{err: ErrMissing, node: n.x})
		}
		if y.Kind == KindMissing {
			return env.fail(failure{err: ErrMissing, node: n.y})
		}
	}

	if n.op == tokEq || n.op == tokNe {
		eq, comparable := equal(x, y)
		if !comparable && env.strict {
			return env.fail(failure{err: ErrType, node: n.x, value: x, other: n.y, otherValue: y})
		}
		return boolValue(eq != negated)
	}

	c, comparable := order(x, y)
	if !comparable {
		if env.strict {
			return env.fail(failure{err: ErrType, node: n.x, value: x, other: n.y, otherValue: y})
		}
		return boolValue(false)
	}
	switch n.op {
	case tokLt:
		return boolValue(c < 0)
	case tokLe:
		return boolValue(c <= 0)
	case tokGt:
		return boolValue(c > 0)
	}
	return boolValue(c >= 0)
}

// undefined is the result of a comparison with an operand that could not
// be computed: false (true when negated), or a failure in strict mode.
func (env *Env) undefined(negated bool) Value {
	if env.strict {
		return invalidValue
	}
	return boolValue(negated)
}

// equal reports whether x and y are equal, and whether they were of
// comparable types: null and missing compare with anything.
func equal(x, y Value) (eq, comparable bool) {
	xNull := x.Kind == KindNull || x.Kind == KindMissing
	yNull := y.Kind == KindNull || y.Kind == KindMissing
	if xNull || yNull {
		return xNull && yNull, true
	}
	if x.Kind != y.Kind {
		return false, false
	}
	switch x.Kind {
	case KindBool:
		return x.Bool == y.Bool, true
	case KindNumber:
		return Cmp(x.Num, y.Num) == 0, true
	}
	// Strings compare their text; objects and arrays their JSON text.
	return x.Str == y.Str, true
}

// order compares two numbers or two strings.
func order(x, y Value) (int, bool) {
	switch {
	case x.Kind == KindNumber && y.Kind == KindNumber:
		return Cmp(x.Num, y.Num), true
	case x.Kind == KindString && y.Kind == KindString:
		return strings.Compare(x.Str, y.Str), true
	}
	return 0, false
}

// inNode tests membership in a list of literals.
type inNode struct {
	pos     span
	x       node
	list    []Value
	negated bool
	hasNull bool
}

func (n *inNode) span() span       { return n.pos }
func (n *inNode) kind() staticKind { return staticBool }

func (n *inNode) eval(env *Env) Value {
	x := n.x.eval(env)
	if x.Kind == KindInvalid {
		return env.undefined(n.negated)
	}
	if x.Kind == KindMissing && env.strict && !n.hasNull {
		return env.fail(failure{err: ErrMissing, node: n.x})
	}
	found := false
	for _, item := range n.list {
		if eq, _ := equal(x, item); eq {
			found = true
			break
		}
	}
	return boolValue(found != n.negated)
}

// matchNode tests a string against an RE2 regular expression, compiled
// once; *regexp.Regexp is safe for concurrent use.
type matchNode struct {
	pos     span
	x       node
	re      *regexp.Regexp
	negated bool
}

func (n *matchNode) span() span       { return n.pos }
func (n *matchNode) kind() staticKind { return staticBool }

func (n *matchNode) eval(env *Env) Value {
	x := n.x.eval(env)
	switch x.Kind {
	case KindString:
		return boolValue(n.re.MatchString(x.Str) != n.negated)
	case KindInvalid:
		return env.undefined(n.negated)
	}
	if env.strict {
		if x.Kind == KindMissing {
			return env.fail(failure{err: ErrMissing, node: n.x})
		}
		return env.fail(failure{err: ErrType, node: n.x, value: x, want: "a string"})
	}
	return boolValue(n.negated)
}
