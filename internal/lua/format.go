package lua

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	glua "github.com/yuin/gopher-lua"
)

// stringFormat is string.format. gopher-lua hands its arguments to Go's
// fmt.Sprintf, where numbers print as Go prints them (1e+21 for %s, an
// overflowed int64 for %d of 1e21), bigints and record values as
// "userdata: 0x...", and a missing argument as %!d(MISSING). This one
// follows Lua 5.1 and C's printf instead:
//
//   - %s takes any value and writes what tostring returns, so numbers
//     and bigints read as everywhere else in etl-lua;
//   - %d and %i write the exact integer, truncated toward zero, of a
//     number, a bigint or numeric text; %o %u %x %X write it unsigned, a
//     negative number in the 64-bit range as its two's complement;
//   - %e %E %f %g %G default to 6 digits of precision as in C, take
//     bigints exactly, and write inf, -inf and nan as C does;
//   - %c writes one byte, %q a quoted Lua string, %% a percent sign;
//   - flags are "-+ #0", width and precision have at most two digits
//     each, and a missing argument or an unknown conversion is an error.
func (e *env) stringFormat(L *glua.LState) int {
	layout := e.checkText(L, 1)
	// A fresh buffer, because %s may call a __tostring that formats too.
	out := make([]byte, 0, len(layout)+16)
	arg := 1
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		i++
		if i < len(layout) && layout[i] == '%' {
			out = append(out, '%')
			continue
		}

		spec, next := scanSpec(L, layout, i)
		i = next
		arg++
		out = e.appendConversion(L, out, spec, arg)
	}
	L.Push(glua.LString(out))
	return 1
}

// formatSpec is one conversion of a format string: %[flags][width][.precision]verb.
type formatSpec struct {
	flags     string
	width     int // -1 when absent
	precision int // -1 when absent
	verb      byte
}

// has reports whether the spec carries flag f.
func (s formatSpec) has(f byte) bool {
	for i := 0; i < len(s.flags); i++ {
		if s.flags[i] == f {
			return true
		}
	}
	return false
}

// goVerb returns the spec as a Go fmt directive with verb v. Width and
// precision have at most two digits each, so the directive is short.
func (s formatSpec) goVerb(v byte, precision int) string {
	b := make([]byte, 0, 12)
	b = append(b, '%')
	b = append(b, s.flags...)
	if s.width >= 0 {
		b = strconv.AppendInt(b, int64(s.width), 10)
	}
	if precision >= 0 {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(precision), 10)
	}
	return string(append(b, v))
}

// scanSpec reads the conversion that starts at layout[i], after the %,
// and returns it with the index of its verb. It raises Lua 5.1's errors
// for repeated flags, long widths and precisions, and unknown verbs.
func scanSpec(L *glua.LState, layout string, i int) (formatSpec, int) {
	spec := formatSpec{width: -1, precision: -1}
	start := i
	for i < len(layout) && isFormatFlag(layout[i]) {
		i++
	}
	if i-start > 5 {
		L.RaiseError("invalid format (repeated flags)")
	}
	spec.flags = layout[start:i]

	digits := func() int {
		begin := i
		for i < len(layout) && isDigit(layout[i]) {
			i++
		}
		if i-begin > 2 {
			L.RaiseError("invalid format (width or precision too long)")
		}
		if i == begin {
			return -1
		}
		n, _ := strconv.Atoi(layout[begin:i])
		return n
	}
	spec.width = digits()
	if i < len(layout) && layout[i] == '.' {
		i++
		spec.precision = max(digits(), 0)
	}

	if i == len(layout) {
		L.RaiseError("invalid conversion '%%%s' at the end of the format: end it with a verb such as s, d or f, or write %%%% for a percent sign", layout[start:])
	}
	spec.verb = layout[i]
	return spec, i
}

func isFormatFlag(c byte) bool {
	return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0'
}

// appendConversion appends argument arg formatted by spec.
func (e *env) appendConversion(L *glua.LState, out []byte, spec formatSpec, arg int) []byte {
	switch spec.verb {
	case 's':
		text := e.toText(L, e.formatArg(L, arg, "value"))
		if spec.precision >= 0 && spec.precision < len(text) {
			text = text[:spec.precision]
		}
		return appendPadded(out, text, spec)
	case 'q':
		return appendQuoted(out, e.checkText(L, arg))
	case 'c':
		n := e.formatInteger(L, arg)
		return appendPadded(out, string([]byte{byte(n.Int64())}), spec)
	case 'd', 'i':
		return appendInteger(out, e.formatInteger(L, arg), spec, 'd')
	case 'u':
		return appendInteger(out, unsigned(e.formatInteger(L, arg)), spec, 'd')
	case 'o', 'x', 'X':
		n := unsigned(e.formatInteger(L, arg))
		if n.Sign() == 0 {
			spec.flags = withoutFlag(spec.flags, '#') // C writes 0, not 0x0
		}
		return appendInteger(out, n, spec, spec.verb)
	case 'e', 'E', 'f', 'g', 'G':
		return e.appendFloat(L, out, spec, arg)
	}
	L.RaiseError("invalid option '%%%c' to 'format': use one of c d i o u x X e E f g G q s", spec.verb)
	return out
}

// formatArg returns argument arg, raising Lua's "no value" error when
// the call has fewer arguments.
func (e *env) formatArg(L *glua.LState, arg int, expected string) glua.LValue {
	if arg > L.GetTop() {
		L.ArgError(arg, expected+" expected, got no value")
	}
	return L.Get(arg)
}

// formatNumberArg returns argument arg as a float64 or a bigint: a
// number, a bigint, or text that tonumber reads.
func (e *env) formatNumberArg(L *glua.LState, arg int) (float64, *big.Int) {
	switch v := e.formatArg(L, arg, "number").(type) {
	case glua.LNumber:
		return float64(v), nil
	case glua.LString:
		if n, ok := parseNumber(string(v)); ok {
			return n.f, n.big
		}
	case *glua.LUserData:
		if n, ok := isBig(v); ok {
			return 0, n
		}
	}
	L.ArgError(arg, "number expected, got "+typeName(L.Get(arg)))
	return 0, nil
}

// formatInteger returns argument arg as an exact integer, truncating a
// fraction toward zero as Lua 5.1 does. NaN and infinities have no
// integer value and raise an error.
func (e *env) formatInteger(L *glua.LState, arg int) *big.Int {
	f, n := e.formatNumberArg(L, arg)
	if n != nil {
		return n
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		L.ArgError(arg, "number has no integer representation, got "+formatNumber(f))
	}
	n, _ = wholeBig(math.Trunc(f))
	return n
}

// unsigned returns n as C's unsigned conversions see it: a negative
// number that fits in 64 bits becomes its two's complement.
func unsigned(n *big.Int) *big.Int {
	if n.Sign() < 0 && n.IsInt64() {
		return new(big.Int).SetUint64(uint64(n.Int64()))
	}
	return n
}

// appendInteger appends n with spec's flags, width and precision under
// the Go verb v (d, o, x or X), which read them as C does.
func appendInteger(out []byte, n *big.Int, spec formatSpec, v byte) []byte {
	directive := spec.goVerb(v, spec.precision)
	if n.IsInt64() {
		return fmt.Appendf(out, directive, n.Int64())
	}
	if n.IsUint64() {
		return fmt.Appendf(out, directive, n.Uint64())
	}
	return fmt.Appendf(out, directive, n)
}

// appendFloat appends a %e, %f or %g conversion. Precision defaults to
// 6, as in C; Go's default would be the shortest text instead.
func (e *env) appendFloat(L *glua.LState, out []byte, spec formatSpec, arg int) []byte {
	precision := spec.precision
	if precision < 0 {
		precision = 6
	}
	directive := spec.goVerb(spec.verb, precision)

	f, n := e.formatNumberArg(L, arg)
	if n != nil {
		exact := new(big.Float).SetPrec(uint(max(64, n.BitLen()))).SetInt(n)
		return fmt.Appendf(out, directive, exact)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendNonFinite(out, f, spec)
	}
	return fmt.Appendf(out, directive, f)
}

// appendNonFinite writes inf, -inf or nan as C's printf does: in capitals
// for %E and %G, with a sign for the + and space flags, padded with
// spaces only.
func appendNonFinite(out []byte, f float64, spec formatSpec) []byte {
	upper := spec.verb == 'E' || spec.verb == 'G'
	text := "inf"
	switch {
	case math.IsNaN(f) && upper:
		text = "NAN"
	case math.IsNaN(f):
		text = "nan"
	case upper:
		text = "INF"
	}
	switch {
	case math.IsInf(f, -1):
		text = "-" + text
	case spec.has('+'):
		text = "+" + text
	case spec.has(' '):
		text = " " + text
	}
	spec.flags = withoutFlag(spec.flags, '0')
	return appendPadded(out, text, spec)
}

// appendPadded appends text padded with spaces to spec's width, on the
// right for the - flag. Width counts bytes, as in C.
func appendPadded(out []byte, text string, spec formatSpec) []byte {
	pad := spec.width - len(text)
	if pad > 0 && !spec.has('-') {
		out = appendSpaces(out, pad)
	}
	out = append(out, text...)
	if pad > 0 && spec.has('-') {
		out = appendSpaces(out, pad)
	}
	return out
}

func appendSpaces(out []byte, n int) []byte {
	for range n {
		out = append(out, ' ')
	}
	return out
}

// appendQuoted appends s as %q does in Lua 5.1: between double quotes,
// with backslashes before quotes, backslashes and newlines, \r for a
// carriage return and \000 for a zero byte, so that Lua reads it back.
func appendQuoted(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			out = append(out, '\\', c)
		case '\r':
			out = append(out, `\r`...)
		case 0:
			out = append(out, `\000`...)
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}

func withoutFlag(flags string, f byte) string {
	out := make([]byte, 0, len(flags))
	for i := 0; i < len(flags); i++ {
		if flags[i] != f {
			out = append(out, flags[i])
		}
	}
	return string(out)
}
