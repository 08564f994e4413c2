package expr

import (
	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
)

// Options configure the evaluation of expressions.
type Options struct {
	// Scale is the number of digits after the decimal point that division
	// keeps (at least as many as the dividend has). DefaultScale when 0
	// is not what is wanted: callers set it from a flag.
	Scale int32
	// Rounding is the rounding mode of division and of round().
	Rounding Rounding
	// Strict makes comparisons fail instead of returning false when an
	// operand is missing, cannot be computed, or has another type than the
	// other operand (a comparison with null excepted).
	Strict bool
}

// DefaultScale is the usual division scale: 16 digits after the decimal
// point, as many as PostgreSQL's numeric division gives for small values.
const DefaultScale = 16

// Env evaluates compiled expressions for one goroutine. It holds the
// scratch memory that makes evaluation allocation-free in steady state,
// so each worker has its own Env while the compiled expressions are
// shared.
type Env struct {
	arith  Arith
	strict bool

	rec       *record.Record
	readValue bool // value paths may read rec.Value: it holds a JSON object or array

	failed    failure
	text      []byte // memory for strings made by str()
	targetRaw string // see TargetRaw
}

// NewEnv returns an Env for the given options.
func NewEnv(opts Options) *Env {
	return &Env{arith: Arith{Scale: opts.Scale, Rounding: opts.Rounding}, strict: opts.Strict}
}

// begin prepares env to evaluate against rec and recycles the memory of
// the previous evaluation.
func (env *Env) begin(rec *record.Record) {
	env.arith.Reset()
	env.text = env.text[:0]
	env.rec = rec
	env.readValue = IsContainer(rec.Value)
	env.failed = failure{}
	env.targetRaw = ""
}

// IsContainer reports whether value holds a JSON object or array, judged
// by its first byte other than white space. A tombstone, an empty value
// and a text that is not JSON have no fields to read.
func IsContainer(value []byte) bool {
	for _, c := range value {
		if !isSpace(c) {
			return c == '{' || c == '['
		}
	}
	return false
}

// fail records why the evaluation failed and returns an invalid value.
func (env *Env) fail(f failure) Value {
	env.failed = f
	return invalidValue
}

// span is a node's place in the expression, as byte offsets.
type span struct{ start, end int }

// node is a compiled expression. Nodes are immutable after compilation,
// so goroutines share them.
type node interface {
	eval(env *Env) Value
	span() span
	kind() staticKind
}

// staticKind is a node's result type, as far as compilation can tell.
type staticKind uint8

const (
	staticAny staticKind = iota
	staticNumber
	staticString
	staticBool
	staticNull
)

func (k staticKind) String() string {
	switch k {
	case staticNumber:
		return "a number"
	case staticString:
		return "a string"
	case staticBool:
		return "a condition"
	case staticNull:
		return "null"
	}
	return "a value"
}

type literalNode struct {
	pos   span
	value Value
}

func (n *literalNode) eval(*Env) Value { return n.value }
func (n *literalNode) span() span      { return n.pos }
func (n *literalNode) kind() staticKind {
	switch n.value.Kind {
	case KindNumber:
		return staticNumber
	case KindString:
		return staticString
	case KindBool:
		return staticBool
	case KindNull:
		return staticNull
	}
	return staticAny
}

// pathNode reads a field of the value or a piece of metadata.
type pathNode struct {
	pos  span
	path *field.Path
}

func (n *pathNode) span() span       { return n.pos }
func (n *pathNode) kind() staticKind { return staticAny }

func (n *pathNode) eval(env *Env) Value {
	rec := env.rec
	switch n.path.Meta() {
	case field.MetaNone:
		if !env.readValue {
			return missingValue
		}
		return env.fromResult(n.path.Get(rec), n)
	case field.MetaPartition, field.MetaOffset, field.MetaTimestamp:
		// Read directly: field formats these numbers into new strings.
		if !rec.HasMeta {
			return missingValue
		}
		switch n.path.Meta() {
		case field.MetaPartition:
			return numberValue(NumberFromInt64(int64(rec.Partition)))
		case field.MetaOffset:
			return numberValue(NumberFromInt64(rec.Offset))
		}
		if rec.Timestamp.IsZero() {
			return Value{Kind: KindNull}
		}
		return numberValue(NumberFromInt64(rec.Timestamp.UnixMilli()))
	}
	if !rec.HasMeta {
		return missingValue
	}
	v := env.fromResult(n.path.Get(rec), n)
	v.Raw = "" // metadata is text, not JSON from the value
	return v
}

// parenNode keeps the parentheses in the span, for messages.
type parenNode struct {
	pos span
	x   node
}

func (n *parenNode) eval(env *Env) Value { return n.x.eval(env) }
func (n *parenNode) span() span          { return n.pos }
func (n *parenNode) kind() staticKind    { return n.x.kind() }

type negNode struct {
	pos span
	x   node
}

func (n *negNode) span() span       { return n.pos }
func (n *negNode) kind() staticKind { return staticNumber }

func (n *negNode) eval(env *Env) Value {
	x, ok := env.number(n.x)
	if !ok {
		return invalidValue
	}
	return numberValue(env.arith.Neg(x))
}

type arithNode struct {
	pos  span
	op   tokenKind
	x, y node
}

func (n *arithNode) span() span       { return n.pos }
func (n *arithNode) kind() staticKind { return staticNumber }

func (n *arithNode) eval(env *Env) Value {
	x, ok := env.number(n.x)
	if !ok {
		return invalidValue
	}
	y, ok := env.number(n.y)
	if !ok {
		return invalidValue
	}

	var z Number
	var err error
	a := &env.arith
	switch n.op {
	case tokPlus:
		z, err = a.Add(x, y)
	case tokMinus:
		z, err = a.Sub(x, y)
	case tokStar:
		z, err = a.Mul(x, y)
	case tokSlash:
		z, err = a.Quo(x, y)
	case tokPercent:
		z, err = a.Rem(x, y)
	}
	if err != nil {
		return env.fail(failure{err: err, node: n})
	}
	return numberValue(z)
}

// number evaluates n and checks that it is a number.
func (env *Env) number(n node) (Number, bool) {
	return env.numberValue(n, n.eval(env))
}

// truth evaluates n as a condition. A value other than a boolean is not
// true; in strict mode it fails instead. The second result is false when
// the evaluation failed.
func (env *Env) truth(n node) (bool, bool) {
	v := n.eval(env)
	switch v.Kind {
	case KindBool:
		return v.Bool, true
	case KindInvalid:
		return false, !env.strict
	}
	if !env.strict {
		return false, true
	}
	if v.Kind == KindMissing {
		env.fail(failure{err: ErrMissing, node: n})
		return false, false
	}
	env.fail(failure{err: ErrType, node: n, value: v, want: "a boolean"})
	return false, false
}

type logicNode struct {
	pos  span
	and  bool
	x, y node
}

func (n *logicNode) span() span       { return n.pos }
func (n *logicNode) kind() staticKind { return staticBool }

func (n *logicNode) eval(env *Env) Value {
	x, ok := env.truth(n.x)
	if !ok {
		return invalidValue
	}
	if x != n.and {
		// false and ..., true or ...: the right side is not evaluated.
		return boolValue(x)
	}
	y, ok := env.truth(n.y)
	if !ok {
		return invalidValue
	}
	return boolValue(y)
}

type notNode struct {
	pos span
	x   node
}

func (n *notNode) span() span       { return n.pos }
func (n *notNode) kind() staticKind { return staticBool }

func (n *notNode) eval(env *Env) Value {
	x, ok := env.truth(n.x)
	if !ok {
		return invalidValue
	}
	return boolValue(!x)
}

type existsNode struct {
	pos  span
	path *pathNode
}

func (n *existsNode) span() span       { return n.pos }
func (n *existsNode) kind() staticKind { return staticBool }

func (n *existsNode) eval(env *Env) Value {
	return boolValue(n.path.eval(env).Kind != KindMissing)
}
