package expr

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/cockroachdb/apd/v3"
)

// Number is an exact decimal number: a coefficient times 10^-scale.
//
// The coefficient lives in an int64 when it fits, which is the fast path:
// parsing, arithmetic and formatting then allocate nothing. Larger
// coefficients live in an apd.Decimal taken from the Arith that made the
// number, valid until that Arith is reset.
//
// The scale is the number of digits after the decimal point, as written:
// 1.50 has coefficient 150 and scale 2, and stays 1.50. Numbers written
// with an exponent (1e3) may have a negative scale.
//
// NOTE: every operation keeps |coef| <= math.MaxInt64 on the fast path,
// so that negating a coefficient never overflows. math.MinInt64 takes the
// big path.
type Number struct {
	coef  int64
	big   *apd.Decimal // the whole value when not nil; coef is then unused
	scale int32
	// sci marks a number written with an exponent, or computed from one.
	// Only such numbers are formatted with an exponent, and only when
	// they are very large or very small.
	sci bool
}

// maxExponent bounds the scale of a number and the number of digits of
// its coefficient, so that a value such as 1e999999999 is rejected
// instead of expanded into a billion digits. It is apd's own limit.
const maxExponent = apd.MaxExponent

var (
	// ErrDivisionByZero is the failure of x / 0 and x % 0.
	ErrDivisionByZero = errors.New("division by zero")
	// ErrRange is the failure of a computation whose result has more than
	// 100000 digits, or an exponent beyond ±100000.
	ErrRange = errors.New("number out of range: more than 100000 digits or an exponent beyond ±100000")
	// errSyntax is the failure to parse a number.
	errSyntax = errors.New("invalid number")
)

// pow10 holds the powers of ten that fit in a uint64.
var pow10 = [20]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// NumberFromInt64 returns n as a Number with scale 0.
func NumberFromInt64(n int64) Number {
	if n == math.MinInt64 {
		return Number{big: apd.New(n, 0)}
	}
	return Number{coef: n}
}

// Parse parses s as a JSON number. With lenient set it also accepts
// surrounding spaces, a leading + and leading zeros, as num() does for
// strings.
func (a *Arith) Parse(s string, lenient bool) (Number, error) {
	if lenient {
		s = trimSpace(s)
	}
	i, n := 0, len(s)
	neg := false
	if i < n && s[i] == '-' {
		neg = true
		i++
	} else if lenient && i < n && s[i] == '+' {
		i++
	}

	intStart := i
	for i < n && isDigit(s[i]) {
		i++
	}
	intEnd := i
	if intEnd == intStart || (!lenient && s[intStart] == '0' && intEnd-intStart > 1) {
		return Number{}, errSyntax
	}

	fracStart, fracEnd := i, i
	if i < n && s[i] == '.' {
		i++
		fracStart = i
		for i < n && isDigit(s[i]) {
			i++
		}
		fracEnd = i
		if fracEnd == fracStart {
			return Number{}, errSyntax
		}
	}

	var exp int64
	sci := false
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		sci = true
		i++
		expNeg := false
		if i < n && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		expStart := i
		for i < n && isDigit(s[i]) {
			if exp < 1e9 {
				exp = exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == expStart {
			return Number{}, errSyntax
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != n {
		return Number{}, errSyntax
	}

	ndigits := int64(intEnd - intStart + fracEnd - fracStart)
	scale := int64(fracEnd-fracStart) - exp
	if scale > maxExponent || scale < -maxExponent || ndigits > maxExponent {
		return Number{}, ErrRange
	}

	var c uint64
	fits := true
	for _, part := range [2]string{s[intStart:intEnd], s[fracStart:fracEnd]} {
		for j := 0; j < len(part) && fits; j++ {
			d := uint64(part[j] - '0')
			if c > (math.MaxInt64-d)/10 {
				fits = false
			}
			c = c*10 + d
		}
	}
	if fits {
		coef := int64(c)
		if neg {
			coef = -coef
		}
		return Number{coef: coef, scale: int32(scale), sci: sci}, nil
	}

	a.digits = append(append(a.digits[:0], s[intStart:intEnd]...), s[fracStart:fracEnd]...)
	d := a.alloc()
	if !setDigits(&d.Coeff, a.digits) {
		return Number{}, errSyntax
	}
	d.Form = apd.Finite
	d.Negative = neg
	d.Exponent = int32(-scale)
	return Number{big: d, scale: int32(scale), sci: sci}, nil
}

// setDigits sets z to the decimal digits. Up to 38 digits, which fit the
// 128 bits that apd keeps inline, it works in chunks of 18 digits, because
// apd's SetString allocates even for values that fit. Magnitudes up to
// 2^64 then parse without allocating.
func setDigits(z *apd.BigInt, digits []byte) bool {
	if len(digits) > 38 {
		_, ok := z.SetString(unsafe.String(unsafe.SliceData(digits), len(digits)), 10)
		return ok
	}
	var scale, chunk apd.BigInt
	z.SetInt64(0)
	for len(digits) > 0 {
		n := min(len(digits), 18)
		var c uint64
		for _, d := range digits[:n] {
			c = c*10 + uint64(d-'0')
		}
		z.Mul(z, scale.SetUint64(pow10[n]))
		z.Add(z, chunk.SetUint64(c))
		digits = digits[n:]
	}
	return true
}

// Append appends x's text to buf: plain decimal notation, or an exponent
// form when x was written with one and is very large or very small.
func (x Number) Append(buf []byte) []byte {
	var scratch [24]byte
	var digits []byte
	neg := false
	if x.big == nil {
		m := x.coef
		if m < 0 {
			neg = true
			m = -m
		}
		digits = strconv.AppendUint(scratch[:0], uint64(m), 10)
	} else {
		neg = x.big.Negative
		digits = x.big.Coeff.Append(scratch[:0], 10)
	}
	return appendDecimal(buf, neg, digits, x.scale, x.sci)
}

// String returns x's text, as Append writes it.
func (x Number) String() string { return string(x.Append(nil)) }

// appendDecimal writes the decimal with the given magnitude digits and
// scale. A zero never gets a minus sign, because -0 is surprising in JSON.
func appendDecimal(buf []byte, neg bool, digits []byte, scale int32, sci bool) []byte {
	zero := len(digits) == 1 && digits[0] == '0'
	if neg && !zero {
		buf = append(buf, '-')
	}

	// The exponent form follows JavaScript's Number.prototype.toString:
	// only below 1e-7 or from 1e21 up.
	adjusted := int64(len(digits)) - 1 - int64(scale)
	if sci && (adjusted < -7 || adjusted > 20) {
		buf = append(buf, digits[0])
		if len(digits) > 1 {
			buf = append(buf, '.')
			buf = append(buf, digits[1:]...)
		}
		buf = append(buf, 'e')
		if adjusted >= 0 {
			buf = append(buf, '+')
		}
		return strconv.AppendInt(buf, adjusted, 10)
	}

	switch {
	case scale <= 0:
		buf = append(buf, digits...)
		if !zero {
			for i := int32(0); i < -scale; i++ {
				buf = append(buf, '0')
			}
		}
	case int(scale) < len(digits):
		point := len(digits) - int(scale)
		buf = append(buf, digits[:point]...)
		buf = append(buf, '.')
		buf = append(buf, digits[point:]...)
	default:
		buf = append(buf, '0', '.')
		for i := len(digits); i < int(scale); i++ {
			buf = append(buf, '0')
		}
		buf = append(buf, digits...)
	}
	return buf
}

// IsZero reports whether x is zero.
func (x Number) IsZero() bool {
	if x.big != nil {
		return x.big.IsZero()
	}
	return x.coef == 0
}

// Sign returns -1, 0 or 1.
func (x Number) Sign() int {
	if x.big != nil {
		return x.big.Sign()
	}
	switch {
	case x.coef < 0:
		return -1
	case x.coef > 0:
		return 1
	}
	return 0
}

// Int64 returns x as an int64 when x is an integer that fits.
func (x Number) Int64() (int64, bool) {
	if x.big != nil {
		n, err := x.big.Int64()
		return n, err == nil
	}
	if x.scale <= 0 {
		return mulPow10(x.coef, -int64(x.scale))
	}
	if int(x.scale) >= len(pow10) {
		return 0, x.coef == 0
	}
	p := int64(pow10[x.scale])
	return x.coef / p, x.coef%p == 0
}

// Float64 returns the float64 nearest to x, and false when x is beyond
// the float64 range.
func (x Number) Float64() (float64, bool) {
	var scratch [40]byte
	buf := scratch[:0]
	if x.big == nil {
		buf = strconv.AppendInt(buf, x.coef, 10)
	} else {
		if x.big.Negative {
			buf = append(buf, '-')
		}
		buf = x.big.Coeff.Append(buf, 10)
	}
	buf = append(buf, 'e')
	buf = strconv.AppendInt(buf, -int64(x.scale), 10)
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(buf), len(buf)), 64)
	return f, err == nil
}

// digitCount returns the number of digits of x's coefficient.
func (x Number) digitCount() int64 {
	if x.big != nil {
		return x.big.NumDigits()
	}
	m := abs64(x.coef)
	n := int64(1)
	for m >= 10 {
		m /= 10
		n++
	}
	return n
}

// mulPow10 returns c * 10^k when it fits the fast path.
func mulPow10(c, k int64) (int64, bool) {
	if c == 0 {
		return 0, true
	}
	if k < 0 || k >= int64(len(pow10)) {
		return 0, false
	}
	hi, lo := bits.Mul64(abs64(c), pow10[k])
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if c < 0 {
		return -int64(lo), true
	}
	return int64(lo), true
}

// cmpHalf compares a remainder r with half of the divisor d.
func cmpHalf(r, d uint64) int {
	switch {
	case r < d-r:
		return -1
	case r > d-r:
		return 1
	}
	return 0
}

func abs64(c int64) uint64 {
	if c < 0 {
		return uint64(-c)
	}
	return uint64(c)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
