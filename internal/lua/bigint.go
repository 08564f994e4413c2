package lua

import (
	"math"
	"math/big"

	glua "github.com/yuin/gopher-lua"
)

// Lua 5.1 numbers are float64, which rounds integers beyond 2^53. Such
// integers, read from a record or from json.decode, become bigint
// userdata: exact, with arithmetic and comparison metamethods, printed in
// full by tostring and written back to JSON as integer digits.
//
// A bigint never holds a value within ±2^53: results that fit come back as
// plain numbers. So `x == 5` between a bigint and a number (always false
// in Lua, which never calls __eq across types) can only be false when x is
// a bigint anyway.

var (
	minExact    = big.NewInt(-maxExact)
	maxExactBig = big.NewInt(maxExact)
)

// integer returns n as a Lua number when it fits in ±2^53, as a
// bigint otherwise. It takes ownership of n.
func (e *env) integer(n *big.Int) glua.LValue {
	if n.Cmp(minExact) >= 0 && n.Cmp(maxExactBig) <= 0 {
		return glua.LNumber(float64(n.Int64()))
	}
	ud := e.L.NewUserData()
	ud.Value = n
	ud.Metatable = e.bigintMeta
	return ud
}

// number returns a parsed number as a Lua value.
func (e *env) number(n parsedNumber) glua.LValue {
	if n.big != nil {
		return e.integer(n.big)
	}
	return glua.LNumber(n.f)
}

// asBig returns v as an exact integer: a bigint, a whole number, or a
// string holding an integer. It raises a Lua error for anything else.
func (e *env) asBig(L *glua.LState, v glua.LValue, op string) *big.Int {
	switch v := v.(type) {
	case *glua.LUserData:
		if n, ok := v.Value.(*big.Int); ok {
			return n
		}
	case glua.LNumber:
		if n, ok := wholeBig(float64(v)); ok {
			return n
		}
		L.RaiseError("bigint %s with the fractional number %s: convert the bigint with bigint.tofloat(x) for floating-point math", op, formatNumber(float64(v)))
	case glua.LString:
		if n, ok := parseNumber(string(v)); ok {
			if n.big != nil {
				return n.big
			}
			if fn, ok := wholeBig(n.f); ok {
				return fn
			}
		}
		L.RaiseError("bigint %s with the string %q, which is not an integer", op, string(v))
	}
	L.RaiseError("bigint %s with a %s value", op, v.Type().String())
	return nil
}

// wholeBig converts a whole, finite float64 to an integer.
func wholeBig(f float64) (*big.Int, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return nil, false
	}
	n, _ := new(big.Float).SetFloat64(f).Int(nil)
	return n, true
}

// isBig reports whether v is a bigint.
func isBig(v glua.LValue) (*big.Int, bool) {
	if ud, ok := v.(*glua.LUserData); ok {
		n, ok := ud.Value.(*big.Int)
		return n, ok
	}
	return nil, false
}

// openBigint sets the bigint metatable and the bigint library.
func (e *env) openBigint(L *glua.LState) {
	arith := func(op string, f func(L *glua.LState, a, b *big.Int) *big.Int) glua.LGFunction {
		return func(L *glua.LState) int {
			a := e.asBig(L, L.Get(1), op)
			b := e.asBig(L, L.Get(2), op)
			L.Push(e.integer(f(L, a, b)))
			return 1
		}
	}
	compare := func(f func(c int) bool) glua.LGFunction {
		return func(L *glua.LState) int {
			a := e.asBig(L, L.Get(1), "comparison")
			b := e.asBig(L, L.Get(2), "comparison")
			L.Push(glua.LBool(f(a.Cmp(b))))
			return 1
		}
	}

	mt := L.NewTable()
	L.SetFuncs(mt, map[string]glua.LGFunction{
		"__add": arith("addition", func(_ *glua.LState, a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }),
		"__sub": arith("subtraction", func(_ *glua.LState, a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }),
		"__mul": arith("multiplication", func(_ *glua.LState, a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }),
		"__div": arith("division", func(L *glua.LState, a, b *big.Int) *big.Int {
			if b.Sign() == 0 {
				L.RaiseError("bigint division by zero")
			}
			q, r := new(big.Int).QuoRem(a, b, new(big.Int))
			if r.Sign() != 0 {
				L.RaiseError("bigint division %s / %s is not exact: use bigint.div(a, b) for floor division, or bigint.tofloat(a) / b", a, b)
			}
			return q
		}),
		"__mod": arith("modulo", luaMod),
		"__unm": func(L *glua.LState) int {
			L.Push(e.integer(new(big.Int).Neg(e.asBig(L, L.Get(1), "negation"))))
			return 1
		},
		"__pow": func(L *glua.LState) int {
			L.RaiseError("bigint exponentiation is not supported: use bigint.tofloat(x) ^ y")
			return 0
		},
		"__eq": compare(func(c int) bool { return c == 0 }),
		"__lt": compare(func(c int) bool { return c < 0 }),
		"__le": compare(func(c int) bool { return c <= 0 }),
		"__tostring": func(L *glua.LState) int {
			L.Push(glua.LString(e.asBig(L, L.Get(1), "tostring").String()))
			return 1
		},
		"__concat": func(L *glua.LState) int {
			L.Push(glua.LString(e.concatText(L, L.Get(1)) + e.concatText(L, L.Get(2))))
			return 1
		},
	})
	mt.RawSetString("__metatable", glua.LString("bigint"))
	e.bigintMeta = mt

	lib := L.NewTable()
	L.SetFuncs(lib, map[string]glua.LGFunction{
		// new returns an exact integer from a string or whole number.
		"new": func(L *glua.LState) int {
			L.Push(e.integer(new(big.Int).Set(e.asBig(L, L.CheckAny(1), "conversion"))))
			return 1
		},
		// tofloat converts to a float64, rounding beyond 2^53 on purpose.
		"tofloat": func(L *glua.LState) int {
			v := L.CheckAny(1)
			if n, ok := isBig(v); ok {
				f, _ := new(big.Float).SetInt(n).Float64()
				L.Push(glua.LNumber(f))
				return 1
			}
			L.Push(glua.LNumber(L.CheckNumber(1)))
			return 1
		},
		// div is floor division, as math.floor(a / b) would be if exact.
		"div": func(L *glua.LState) int {
			a := e.asBig(L, L.CheckAny(1), "division")
			b := e.asBig(L, L.CheckAny(2), "division")
			if b.Sign() == 0 {
				L.RaiseError("bigint division by zero")
			}
			m := luaMod(L, a, b)
			q := new(big.Int).Sub(a, m)
			L.Push(e.integer(q.Quo(q, b)))
			return 1
		},
		// cmp returns -1, 0 or 1, and also takes plain numbers, which
		// Lua's < and > cannot compare with a bigint.
		"cmp": func(L *glua.LState) int {
			a := e.asBig(L, L.CheckAny(1), "comparison")
			b := e.asBig(L, L.CheckAny(2), "comparison")
			L.Push(glua.LNumber(a.Cmp(b)))
			return 1
		},
		"is": func(L *glua.LState) int {
			_, ok := isBig(L.CheckAny(1))
			L.Push(glua.LBool(ok))
			return 1
		},
	})
	L.SetGlobal("bigint", lib)
}

// luaMod is Lua's modulo, whose result takes the sign of the divisor.
func luaMod(L *glua.LState, a, b *big.Int) *big.Int {
	if b.Sign() == 0 {
		L.RaiseError("bigint modulo by zero")
	}
	m := new(big.Int).Mod(a, b) // Euclidean: 0 <= m < |b|
	if m.Sign() != 0 && b.Sign() < 0 {
		m.Add(m, b)
	}
	return m
}

// concatText returns an operand of .. as text.
func (e *env) concatText(L *glua.LState, v glua.LValue) string {
	switch v := v.(type) {
	case glua.LString:
		return string(v)
	case glua.LNumber:
		return formatNumber(float64(v))
	}
	if n, ok := isBig(v); ok {
		return n.String()
	}
	L.RaiseError("attempt to concatenate a %s value", v.Type().String())
	return ""
}
