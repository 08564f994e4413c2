package expr

import (
	"math"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/cockroachdb/apd/v3"
)

// Arith does decimal arithmetic for one goroutine: it holds the division
// scale and rounding mode, and recycles the apd.Decimal values of numbers
// too large for the fast path.
type Arith struct {
	// Scale is the number of digits after the decimal point that division
	// keeps (at least as many as the dividend has).
	Scale int32
	// Rounding is the rounding mode of division.
	Rounding Rounding

	pool   []*apd.Decimal
	used   int
	digits []byte
}

// Reset recycles the memory of every big number this Arith made. Numbers
// made before a Reset must not be used after it.
func (a *Arith) Reset() { a.used = 0 }

func (a *Arith) alloc() *apd.Decimal {
	if a.used == len(a.pool) {
		a.pool = append(a.pool, new(apd.Decimal))
	}
	d := a.pool[a.used]
	a.used++
	return d
}

// Add returns x + y, exactly.
func (a *Arith) Add(x, y Number) (Number, error) {
	if x.big == nil && y.big == nil {
		if z, ok := addSmall(x, y.coef, y.scale, y.sci); ok {
			return z, nil
		}
	}
	return a.addBig(x, y, false)
}

// Sub returns x - y, exactly.
func (a *Arith) Sub(x, y Number) (Number, error) {
	if x.big == nil && y.big == nil {
		if z, ok := addSmall(x, -y.coef, y.scale, y.sci); ok {
			return z, nil
		}
	}
	return a.addBig(x, y, true)
}

func addSmall(x Number, yc int64, yscale int32, ysci bool) (Number, bool) {
	xc, scale := x.coef, x.scale
	ok := true
	switch {
	case x.scale < yscale:
		xc, ok = mulPow10(xc, int64(yscale)-int64(x.scale))
		scale = yscale
	case x.scale > yscale:
		yc, ok = mulPow10(yc, int64(x.scale)-int64(yscale))
	}
	if !ok {
		return Number{}, false
	}
	sum := xc + yc
	if (xc >= 0) == (yc >= 0) && (sum >= 0) != (xc >= 0) || sum == math.MinInt64 {
		return Number{}, false
	}
	return Number{coef: sum, scale: scale, sci: x.sci || ysci}, true
}

// Mul returns x * y, exactly: the scale of the product is the sum of the
// scales, so 1819.86 * 1.2 is 2183.832 and 3 * 2 is 6.
func (a *Arith) Mul(x, y Number) (Number, error) {
	if x.big == nil && y.big == nil {
		scale := int64(x.scale) + int64(y.scale)
		hi, lo := bits.Mul64(abs64(x.coef), abs64(y.coef))
		if hi == 0 && lo <= math.MaxInt64 && scale >= -maxExponent && scale <= maxExponent {
			c := int64(lo)
			if (x.coef < 0) != (y.coef < 0) {
				c = -c
			}
			return Number{coef: c, scale: int32(scale), sci: x.sci || y.sci}, nil
		}
	}
	return a.mulBig(x, y)
}

// Quo returns x / y rounded to max(a.Scale, scale of x) digits after the
// decimal point with a.Rounding. Trailing zeros of the quotient are then
// removed, down to the scale of x minus the scale of y (and never below
// zero), so 10 / 4 is 2.5, 6 / 3 is 2 and 7.50 / 2.5 is 3.0.
func (a *Arith) Quo(x, y Number) (Number, error) {
	if y.IsZero() {
		return Number{}, ErrDivisionByZero
	}
	target := max(int64(a.Scale), int64(x.scale))
	shift := target - int64(x.scale) + int64(y.scale)
	ideal := max(0, int64(x.scale)-int64(y.scale))
	sci := x.sci || y.sci

	if x.big == nil && y.big == nil && shift >= 0 && shift < int64(len(pow10)) {
		neg := (x.coef < 0) != (y.coef < 0)
		d := abs64(y.coef)
		hi, lo := bits.Mul64(abs64(x.coef), pow10[shift])
		if hi < d {
			q, r := bits.Div64(hi, lo, d)
			if r != 0 && a.Rounding.addOne(q&1 == 1, neg, cmpHalf(r, d)) {
				q++
			}
			if q <= math.MaxInt64 {
				c := int64(q)
				if neg {
					c = -c
				}
				return stripZeros(Number{coef: c, scale: int32(target), sci: sci}, ideal), nil
			}
		}
	}
	return a.quoBig(x, y, shift, target, ideal)
}

// stripZeros removes trailing zeros after the decimal point of a
// fast-path number while its scale is above ideal.
func stripZeros(z Number, ideal int64) Number {
	if z.coef == 0 {
		z.scale = int32(min(int64(z.scale), ideal))
		return z
	}
	for int64(z.scale) > ideal && z.coef%10 == 0 {
		z.coef /= 10
		z.scale--
	}
	return z
}

// Rem returns the remainder of x / y truncated to an integer quotient:
// it has the sign of x, and the larger scale of the two.
func (a *Arith) Rem(x, y Number) (Number, error) {
	if y.IsZero() {
		return Number{}, ErrDivisionByZero
	}
	if x.big == nil && y.big == nil {
		scale := max(x.scale, y.scale)
		xc, okx := mulPow10(x.coef, int64(scale)-int64(x.scale))
		yc, oky := mulPow10(y.coef, int64(scale)-int64(y.scale))
		if okx && oky {
			return Number{coef: xc % yc, scale: scale, sci: x.sci || y.sci}, nil
		}
	}
	return a.remBig(x, y)
}

// Round returns x rounded to digits places after the decimal point (before
// it, for a negative digits) with the given mode. A number with no more
// digits than that is returned unchanged: rounding never adds zeros.
func (a *Arith) Round(x Number, digits int64, mode Rounding) (Number, error) {
	if digits > maxExponent || digits < -maxExponent {
		return Number{}, ErrRange
	}
	if int64(x.scale) <= digits {
		return x, nil
	}
	drop := int64(x.scale) - digits
	if x.big != nil {
		return a.roundBig(x, drop, mode)
	}

	neg := x.coef < 0
	m := abs64(x.coef)
	q, r, half := uint64(0), m, -1
	if drop < int64(len(pow10)) {
		p := pow10[drop]
		q, r = m/p, m%p
		half = cmpHalf(r, p)
	}
	// Beyond 10^19 every int64 magnitude is below half a unit: q is 0.
	if r != 0 && mode.addOne(q&1 == 1, neg, half) {
		q++
	}
	c := int64(q)
	if neg {
		c = -c
	}
	return Number{coef: c, scale: int32(digits), sci: x.sci}, nil
}

// Neg returns -x.
func (a *Arith) Neg(x Number) Number {
	if x.big == nil {
		x.coef = -x.coef
		return x
	}
	d := a.alloc()
	d.Neg(x.big)
	x.big = d
	return x
}

// Abs returns |x|.
func (a *Arith) Abs(x Number) Number {
	if x.Sign() < 0 {
		return a.Neg(x)
	}
	return x
}

// Cmp compares x and y by value: -1 if x < y, 0 if equal (1.0 equals 1),
// 1 if x > y.
func Cmp(x, y Number) int {
	if x.big == nil && y.big == nil {
		xc, yc := x.coef, y.coef
		ok := true
		switch {
		case x.scale < y.scale:
			xc, ok = mulPow10(xc, int64(y.scale)-int64(x.scale))
		case x.scale > y.scale:
			yc, ok = mulPow10(yc, int64(x.scale)-int64(y.scale))
		}
		if ok {
			switch {
			case xc < yc:
				return -1
			case xc > yc:
				return 1
			}
			return 0
		}
	}
	var xt, yt apd.Decimal
	return x.decimal(&xt).Cmp(y.decimal(&yt))
}

// FromFloat64 returns the shortest decimal that converts back to f, in
// plain notation. NaN and infinities are not numbers in JSON: they fail
// with ErrRange.
func (a *Arith) FromFloat64(f float64) (Number, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Number{}, ErrRange
	}
	var scratch [32]byte
	buf := strconv.AppendFloat(scratch[:0], f, 'e', -1, 64)
	n, err := a.Parse(unsafe.String(unsafe.SliceData(buf), len(buf)), false)
	n.sci = false
	return n, err
}

// PowInt returns x raised to the integer power n, exactly for n >= 0 and
// through Quo for a negative n.
func (a *Arith) PowInt(x Number, n int64) (Number, error) {
	if n == 0 {
		return Number{coef: 1}, nil
	}
	m := n
	if m < 0 {
		if n == math.MinInt64 {
			return Number{}, ErrRange
		}
		m = -n
	}
	if x.digitCount() > maxExponent/m && !x.IsZero() {
		return Number{}, ErrRange
	}

	result, base := Number{coef: 1}, x
	var err error
	for m > 0 {
		if m&1 == 1 {
			if result, err = a.Mul(result, base); err != nil {
				return Number{}, err
			}
		}
		m >>= 1
		if m > 0 {
			if base, err = a.Mul(base, base); err != nil {
				return Number{}, err
			}
		}
	}
	if n < 0 {
		return a.Quo(Number{coef: 1}, result)
	}
	return result, nil
}
