package expr

import (
	"math"
	"unsafe"
)

// Function is one built-in function. The table below is the single place
// functions are declared: the parser checks calls against it and the help
// texts list it.
type Function struct {
	name    string
	usage   string // the call syntax, for help and errors
	doc     string // one line for help texts
	minArgs int
	maxArgs int        // -1 for any number
	arg     staticKind // the kind every argument must have (staticAny for no check)
	result  staticKind
	call    func(env *Env, c *callNode) Value
}

// Functions lists the built-in functions in the order the help shows them.
// exists(path) is not in it, because its argument is a path, not a value:
// the parser handles it.
var Functions = []*Function{
	{name: "round", usage: "round(x[, digits])", doc: "x rounded to digits places after the point (0 when left out; negative rounds to tens, hundreds...) with the --rounding mode; never adds digits", minArgs: 1, maxArgs: 2, arg: staticNumber, result: staticNumber, call: callRound},
	{name: "floor", usage: "floor(x)", doc: "the largest integer not above x", minArgs: 1, maxArgs: 1, arg: staticNumber, result: staticNumber, call: callFloor},
	{name: "ceil", usage: "ceil(x)", doc: "the smallest integer not below x", minArgs: 1, maxArgs: 1, arg: staticNumber, result: staticNumber, call: callCeil},
	{name: "abs", usage: "abs(x)", doc: "the absolute value of x", minArgs: 1, maxArgs: 1, arg: staticNumber, result: staticNumber, call: callAbs},
	{name: "min", usage: "min(x, y, ...)", doc: "the smallest argument, as written", minArgs: 1, maxArgs: -1, arg: staticNumber, result: staticNumber, call: callMin},
	{name: "max", usage: "max(x, y, ...)", doc: "the largest argument, as written", minArgs: 1, maxArgs: -1, arg: staticNumber, result: staticNumber, call: callMax},
	{name: "pow", usage: "pow(x, y)", doc: "x to the power y: exact for an integer y, floating point otherwise", minArgs: 2, maxArgs: 2, arg: staticNumber, result: staticNumber, call: callPow},
	{name: "sqrt", usage: "sqrt(x)", doc: "the square root of x, in floating point", minArgs: 1, maxArgs: 1, arg: staticNumber, result: staticNumber, call: callSqrt},
	{name: "num", usage: "num(s)", doc: `the number written in the string s (spaces, a leading + and leading zeros allowed); a number is returned as is`, minArgs: 1, maxArgs: 1, arg: staticAny, result: staticNumber, call: callNum},
	{name: "str", usage: "str(x)", doc: "x as a string: a number as its text, true or false, an object or array as its JSON", minArgs: 1, maxArgs: 1, arg: staticAny, result: staticString, call: callStr},
}

func lookupFunction(name string) *Function {
	for _, f := range Functions {
		if f.name == name {
			return f
		}
	}
	return nil
}

// Name returns the function's name.
func (f *Function) Name() string { return f.name }

// Usage returns how a call is written, such as "round(x[, digits])".
func (f *Function) Usage() string { return f.usage }

// Doc returns a one-line description.
func (f *Function) Doc() string { return f.doc }

type callNode struct {
	pos  span
	fn   *Function
	args []node
}

func (n *callNode) span() span       { return n.pos }
func (n *callNode) kind() staticKind { return n.fn.result }
func (n *callNode) eval(env *Env) Value {
	return n.fn.call(env, n)
}

func callRound(env *Env, c *callNode) Value {
	x, ok := env.number(c.args[0])
	if !ok {
		return invalidValue
	}
	digits := int64(0)
	if len(c.args) == 2 {
		d, ok := env.number(c.args[1])
		if !ok {
			return invalidValue
		}
		if digits, ok = d.Int64(); !ok {
			return env.fail(failure{err: ErrType, node: c.args[1], value: numberValue(d), want: "an integer"})
		}
	}
	return env.rounded(c, x, digits, env.arith.Rounding)
}

func callFloor(env *Env, c *callNode) Value {
	x, ok := env.number(c.args[0])
	if !ok {
		return invalidValue
	}
	return env.rounded(c, x, 0, Floor)
}

func callCeil(env *Env, c *callNode) Value {
	x, ok := env.number(c.args[0])
	if !ok {
		return invalidValue
	}
	return env.rounded(c, x, 0, Ceiling)
}

func (env *Env) rounded(c *callNode, x Number, digits int64, mode Rounding) Value {
	z, err := env.arith.Round(x, digits, mode)
	if err != nil {
		return env.fail(failure{err: err, node: c})
	}
	return numberValue(z)
}

func callAbs(env *Env, c *callNode) Value {
	v := c.args[0].eval(env)
	if v.Kind == KindNumber && v.Num.Sign() >= 0 {
		return v // unchanged, so its text stays as written
	}
	x, ok := env.numberValue(c.args[0], v)
	if !ok {
		return invalidValue
	}
	return numberValue(env.arith.Abs(x))
}

func callMin(env *Env, c *callNode) Value { return env.extreme(c, -1) }
func callMax(env *Env, c *callNode) Value { return env.extreme(c, 1) }

// extreme returns the argument that compares as sign against all others
// (the first of equal ones), with its text as written.
func (env *Env) extreme(c *callNode, sign int) Value {
	var best Value
	for i, arg := range c.args {
		v := arg.eval(env)
		if _, ok := env.numberValue(arg, v); !ok {
			return invalidValue
		}
		if i == 0 || Cmp(v.Num, best.Num) == sign {
			best = v
		}
	}
	return best
}

func callPow(env *Env, c *callNode) Value {
	x, ok := env.number(c.args[0])
	if !ok {
		return invalidValue
	}
	y, ok := env.number(c.args[1])
	if !ok {
		return invalidValue
	}
	if n, ok := y.Int64(); ok {
		if n < 0 && x.IsZero() {
			return env.fail(failure{err: ErrDivisionByZero, node: c})
		}
		z, err := env.arith.PowInt(x, n)
		if err != nil {
			return env.fail(failure{err: err, node: c})
		}
		return numberValue(z)
	}

	xf, okx := x.Float64()
	yf, oky := y.Float64()
	if !okx || !oky {
		return env.fail(failure{err: ErrRange, node: c})
	}
	f := math.Pow(xf, yf)
	if math.IsNaN(f) {
		return env.fail(failure{err: ErrDomain, node: c, value: numberValue(x)})
	}
	return env.fromFloat(c, f)
}

func callSqrt(env *Env, c *callNode) Value {
	x, ok := env.number(c.args[0])
	if !ok {
		return invalidValue
	}
	if x.Sign() < 0 {
		return env.fail(failure{err: ErrDomain, node: c, value: numberValue(x)})
	}
	f, ok := x.Float64()
	if !ok {
		return env.fail(failure{err: ErrRange, node: c})
	}
	return env.fromFloat(c, math.Sqrt(f))
}

func (env *Env) fromFloat(c *callNode, f float64) Value {
	z, err := env.arith.FromFloat64(f)
	if err != nil {
		return env.fail(failure{err: ErrRange, node: c})
	}
	return numberValue(z)
}

func callNum(env *Env, c *callNode) Value {
	v := c.args[0].eval(env)
	switch v.Kind {
	case KindNumber, KindInvalid:
		return v
	case KindMissing:
		return env.fail(failure{err: ErrMissing, node: c.args[0]})
	case KindString:
		n, err := env.arith.Parse(v.Str, true)
		if err == ErrRange {
			return env.fail(failure{err: ErrRange, node: c})
		}
		if err != nil {
			return env.fail(failure{err: ErrNotNumber, node: c, value: v})
		}
		return numberValue(n)
	}
	return env.fail(failure{err: ErrType, node: c.args[0], value: v, want: "a string"})
}

func callStr(env *Env, c *callNode) Value {
	v := c.args[0].eval(env)
	switch v.Kind {
	case KindString, KindInvalid:
		return v
	case KindMissing:
		return env.fail(failure{err: ErrMissing, node: c.args[0]})
	case KindNull:
		return env.fail(failure{err: ErrType, node: c.args[0], value: v, want: "a number, a string or a boolean"})
	}
	start := len(env.text)
	env.text = v.AppendJSON(env.text)
	text := env.text[start:]
	return Value{Kind: KindString, Str: unsafe.String(unsafe.SliceData(text), len(text))}
}

// numberValue checks that the evaluated v of node n is a number.
func (env *Env) numberValue(n node, v Value) (Number, bool) {
	switch v.Kind {
	case KindNumber:
		return v.Num, true
	case KindInvalid:
		return Number{}, false
	case KindMissing:
		env.fail(failure{err: ErrMissing, node: n})
		return Number{}, false
	}
	env.fail(failure{err: ErrType, node: n, value: v, want: "a number"})
	return Number{}, false
}
