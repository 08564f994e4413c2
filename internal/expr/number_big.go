package expr

import "github.com/cockroachdb/apd/v3"

// The big path: numbers whose coefficient does not fit an int64 are
// computed with apd, exactly. apd's BigInt keeps values up to 128 bits
// inline, so the numbers just past int64 still do not allocate once the
// Arith's pool has warmed up.

var (
	bigOne = apd.NewBigInt(1)
	bigTen = apd.NewBigInt(10)
)

// decimal returns x as an apd.Decimal, using tmp for a fast-path number.
func (x Number) decimal(tmp *apd.Decimal) *apd.Decimal {
	if x.big != nil {
		return x.big
	}
	return tmp.SetFinite(x.coef, -x.scale)
}

// finish turns an apd result into a Number, back on the fast path when
// its coefficient fits.
func finish(d *apd.Decimal, sci bool) Number {
	scale := -d.Exponent
	if d.Coeff.IsInt64() {
		c := d.Coeff.Int64()
		if d.Negative {
			c = -c
		}
		return Number{coef: c, scale: scale, sci: sci}
	}
	return Number{big: d, scale: scale, sci: sci}
}

func (a *Arith) addBig(x, y Number, subtract bool) (Number, error) {
	var xt, yt apd.Decimal
	z := a.alloc()
	var err error
	if subtract {
		_, err = apd.BaseContext.Sub(z, x.decimal(&xt), y.decimal(&yt))
	} else {
		_, err = apd.BaseContext.Add(z, x.decimal(&xt), y.decimal(&yt))
	}
	if err != nil || z.Form != apd.Finite {
		return Number{}, ErrRange
	}
	return finish(z, x.sci || y.sci), nil
}

func (a *Arith) mulBig(x, y Number) (Number, error) {
	var xt, yt apd.Decimal
	xd, yd := x.decimal(&xt), y.decimal(&yt)
	if xd.NumDigits()+yd.NumDigits() > maxExponent {
		return Number{}, ErrRange
	}
	z := a.alloc()
	if _, err := apd.BaseContext.Mul(z, xd, yd); err != nil || z.Form != apd.Finite {
		return Number{}, ErrRange
	}
	return finish(z, x.sci || y.sci), nil
}

// quoBig divides with one rounding: it scales the coefficients so that
// the integer quotient has exactly target digits after the point, and
// rounds on the remainder.
func (a *Arith) quoBig(x, y Number, shift, target, ideal int64) (Number, error) {
	if shift > 2*maxExponent || shift < -2*maxExponent || target > maxExponent {
		return Number{}, ErrRange
	}
	var xt, yt apd.Decimal
	xd, yd := x.decimal(&xt), y.decimal(&yt)

	var num, den, rem, p apd.BigInt
	num.Set(&xd.Coeff)
	den.Set(&yd.Coeff)
	if shift >= 0 {
		num.Mul(&num, pow10Big(shift, &p))
	} else {
		den.Mul(&den, pow10Big(-shift, &p))
	}

	z := a.alloc()
	z.Coeff.QuoRem(&num, &den, &rem)
	neg := xd.Negative != yd.Negative
	if rem.Sign() != 0 {
		rem.Lsh(&rem, 1)
		if a.Rounding.addOne(z.Coeff.Bit(0) == 1, neg, rem.Cmp(&den)) {
			z.Coeff.Add(&z.Coeff, bigOne)
		}
	}
	z.Form = apd.Finite
	z.Negative = neg
	z.Exponent = int32(-target)
	reduceTo(z, ideal)
	return finish(z, x.sci || y.sci), nil
}

// reduceTo removes trailing zeros after the decimal point while the scale
// is above ideal.
func reduceTo(z *apd.Decimal, ideal int64) {
	if z.Coeff.Sign() == 0 {
		if int64(-z.Exponent) > ideal {
			z.Exponent = int32(-ideal)
		}
		return
	}
	var q, r apd.BigInt
	for int64(-z.Exponent) > ideal {
		q.QuoRem(&z.Coeff, bigTen, &r)
		if r.Sign() != 0 {
			return
		}
		z.Coeff.Set(&q)
		z.Exponent++
	}
}

func (a *Arith) remBig(x, y Number) (Number, error) {
	var xt, yt apd.Decimal
	xd, yd := x.decimal(&xt), y.decimal(&yt)
	scale := max(int64(x.scale), int64(y.scale))

	var xi, yi, p apd.BigInt
	xi.Mul(&xd.Coeff, pow10Big(scale-int64(x.scale), &p))
	yi.Mul(&yd.Coeff, pow10Big(scale-int64(y.scale), &p))

	z := a.alloc()
	z.Coeff.Rem(&xi, &yi)
	z.Form = apd.Finite
	z.Negative = xd.Negative
	z.Exponent = int32(-scale)
	return finish(z, x.sci || y.sci), nil
}

func (a *Arith) roundBig(x Number, drop int64, mode Rounding) (Number, error) {
	xd := x.big
	var p, q, r apd.BigInt
	pow10Big(drop, &p)
	q.QuoRem(&xd.Coeff, &p, &r)
	if r.Sign() != 0 {
		r.Lsh(&r, 1)
		if mode.addOne(q.Bit(0) == 1, xd.Negative, r.Cmp(&p)) {
			q.Add(&q, bigOne)
		}
	}
	z := a.alloc()
	z.Coeff.Set(&q)
	z.Form = apd.Finite
	z.Negative = xd.Negative
	z.Exponent = xd.Exponent + int32(drop)
	return finish(z, x.sci), nil
}

// pow10Big sets p to 10^k and returns it.
func pow10Big(k int64, p *apd.BigInt) *apd.BigInt {
	if k < int64(len(pow10)) {
		return p.SetUint64(pow10[k])
	}
	var e apd.BigInt
	e.SetInt64(k)
	return p.Exp(bigTen, &e, nil)
}
