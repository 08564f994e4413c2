package expr

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

func parse(t testing.TB, a *Arith, s string) Number {
	t.Helper()
	n, err := a.Parse(s, false)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return n
}

func TestNumberParseAppend(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"7", "7"},
		{"-7", "-7"},
		{"1.50", "1.50"},
		{"0.001", "0.001"},
		{"-0.000000000000000000001", "-0.000000000000000000001"},
		{"9223372036854775807", "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"12345678901234567891", "12345678901234567891"},
		{"-123456789012345678901234567890.123456789", "-123456789012345678901234567890.123456789"},
		{"1e3", "1000"},
		{"1.5E2", "150"},
		{"1.5e-3", "0.0015"},
		{"1e21", "1e+21"},
		{"1.25e-8", "1.25e-8"},
		{"0e5", "0"},
	}
	var a Arith
	for _, tc := range tests {
		n := parse(t, &a, tc.in)
		if got := n.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNumberParseInvalid(t *testing.T) {
	for _, in := range []string{"", "-", "+1", "01", "1.", ".5", "1e", "1e+", "0x10", "1_000", "NaN", "Infinity", "1.2.3", " 1", "--1"} {
		var a Arith
		if n, err := a.Parse(in, false); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, n)
		}
	}
	for _, in := range []string{"1e999999999", "1e-100001"} {
		var a Arith
		if _, err := a.Parse(in, false); !errors.Is(err, ErrRange) {
			t.Errorf("Parse(%q) error = %v, want ErrRange", in, err)
		}
	}
}

func TestNumberParseLenient(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 42 ", "42"},
		{"+3.5", "3.5"},
		{"007", "7"},
		{"3596", "3596"},
	}
	var a Arith
	for _, tc := range tests {
		n, err := a.Parse(tc.in, true)
		if err != nil {
			t.Fatalf("Parse(%q, lenient): %v", tc.in, err)
		}
		if got := n.String(); got != tc.want {
			t.Errorf("Parse(%q, lenient) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNumberArithmetic(t *testing.T) {
	tests := []struct {
		x, op, y, want string
	}{
		{"0.1", "+", "0.2", "0.3"},
		{"1.5", "+", "1.5", "3.0"},
		{"1", "+", "0.25", "1.25"},
		{"9223372036854775807", "+", "1", "9223372036854775808"},
		{"-9223372036854775807", "-", "1", "-9223372036854775808"},
		{"-9223372036854775808", "+", "1", "-9223372036854775807"},
		{"12345678901234567891", "-", "12345678901234567890", "1"},
		{"0.3", "-", "0.1", "0.2"},
		{"1", "-", "1.00", "0.00"},
		{"1819.86", "*", "1.2", "2183.832"},
		{"3", "*", "2", "6"},
		{"-3", "*", "2.0", "-6.0"},
		{"4294967296", "*", "4294967296", "18446744073709551616"},
		{"-9214364837600034816", "*", "2", "-18428729675200069632"},
		{"123456789012345678901234567890", "*", "0.001", "123456789012345678901234567.890"},
		{"1e3", "*", "2", "2000"},
		{"10", "/", "4", "2.5"},
		{"6", "/", "3", "2"},
		{"7.50", "/", "2.5", "3.0"},
		{"60", "/", "0.5", "120"},
		{"1", "/", "3", "0.3333333333333333"},
		{"2", "/", "3", "0.6666666666666667"},
		{"-2", "/", "3", "-0.6666666666666667"},
		{"1", "/", "8", "0.125"},
		{"0", "/", "5", "0"},
		{"1.23456789012345678", "/", "1", "1.23456789012345678"},
		{"18446744073709551616", "/", "2", "9223372036854775808"},
		{"1", "/", "18446744073709551616", "0"},
		{"7", "%", "3", "1"},
		{"-7", "%", "3", "-1"},
		{"7.5", "%", "2", "1.5"},
		{"18446744073709551617", "%", "2", "1"},
	}
	for _, tc := range tests {
		a := Arith{Scale: 16}
		x, y := parse(t, &a, tc.x), parse(t, &a, tc.y)
		var z Number
		var err error
		switch tc.op {
		case "+":
			z, err = a.Add(x, y)
		case "-":
			z, err = a.Sub(x, y)
		case "*":
			z, err = a.Mul(x, y)
		case "/":
			z, err = a.Quo(x, y)
		case "%":
			z, err = a.Rem(x, y)
		}
		if err != nil {
			t.Errorf("%s %s %s: %v", tc.x, tc.op, tc.y, err)
			continue
		}
		if got := z.String(); got != tc.want {
			t.Errorf("%s %s %s = %s, want %s", tc.x, tc.op, tc.y, got, tc.want)
		}
	}
}

func TestNumberDivisionByZero(t *testing.T) {
	var a Arith
	for _, y := range []string{"0", "0.00", "-0", "0e10"} {
		if _, err := a.Quo(parse(t, &a, "1"), parse(t, &a, y)); !errors.Is(err, ErrDivisionByZero) {
			t.Errorf("1 / %s error = %v, want ErrDivisionByZero", y, err)
		}
		if _, err := a.Rem(parse(t, &a, "1"), parse(t, &a, y)); !errors.Is(err, ErrDivisionByZero) {
			t.Errorf("1 %% %s error = %v, want ErrDivisionByZero", y, err)
		}
	}
}

func TestNumberRound(t *testing.T) {
	tests := []struct {
		x      string
		digits int64
		mode   Rounding
		want   string
	}{
		{"2.5", 0, HalfEven, "2"},
		{"3.5", 0, HalfEven, "4"},
		{"2.5", 0, HalfUp, "3"},
		{"-2.5", 0, HalfUp, "-3"},
		{"-2.5", 0, HalfDown, "-2"},
		{"2.51", 0, HalfDown, "3"},
		{"1.005", 2, HalfUp, "1.01"},
		{"1.005", 2, HalfEven, "1.00"},
		{"1.999", 2, Down, "1.99"},
		{"1.001", 2, Up, "1.01"},
		{"-1.001", 2, Floor, "-1.01"},
		{"-1.009", 2, Ceiling, "-1.00"},
		{"-0.4", 0, HalfEven, "0"},
		{"1234", -2, HalfEven, "1200"},
		{"1250", -2, HalfEven, "1200"},
		{"12", 2, HalfEven, "12"},
		{"1.5", 2, HalfEven, "1.5"},
		{"0.5", 25, HalfEven, "0.5"},
		{"9.99", 1, HalfUp, "10.0"},
		{"123456789012345678901234567890.5", 0, HalfEven, "123456789012345678901234567890"},
		{"123456789012345678901234567891.5", 0, HalfEven, "123456789012345678901234567892"},
		{"-123456789012345678901234567890.05", 1, Floor, "-123456789012345678901234567890.1"},
		{"0.0000000000000000000001", 0, Ceiling, "1"},
		{"0.0000000000000000000001", 0, HalfUp, "0"},
	}
	for _, tc := range tests {
		var a Arith
		z, err := a.Round(parse(t, &a, tc.x), tc.digits, tc.mode)
		if err != nil {
			t.Errorf("Round(%s, %d, %s): %v", tc.x, tc.digits, tc.mode, err)
			continue
		}
		if got := z.String(); got != tc.want {
			t.Errorf("Round(%s, %d, %s) = %s, want %s", tc.x, tc.digits, tc.mode, got, tc.want)
		}
	}
}

func TestNumberCmp(t *testing.T) {
	tests := []struct {
		x, y string
		want int
	}{
		{"1", "1.0", 0},
		{"1.0", "1.00", 0},
		{"0.1", "0.10000000000000000001", -1},
		{"-1", "1", -1},
		{"12345678901234567891", "12345678901234567890", 1},
		{"12345678901234567891", "12345678901234567891.000", 0},
		{"-9223372036854775808", "-9223372036854775807", -1},
		{"1e3", "1000", 0},
		{"2", "10", -1},
	}
	var a Arith
	for _, tc := range tests {
		if got := Cmp(parse(t, &a, tc.x), parse(t, &a, tc.y)); got != tc.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tc.x, tc.y, got, tc.want)
		}
		if got := Cmp(parse(t, &a, tc.y), parse(t, &a, tc.x)); got != -tc.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tc.y, tc.x, got, -tc.want)
		}
	}
}

func TestNumberPowInt(t *testing.T) {
	tests := []struct {
		x    string
		n    int64
		want string
	}{
		{"2", 10, "1024"},
		{"1.1", 2, "1.21"},
		{"2", -2, "0.25"},
		{"10", 30, "1000000000000000000000000000000"},
		{"-3", 3, "-27"},
		{"5", 0, "1"},
	}
	for _, tc := range tests {
		a := Arith{Scale: 16}
		z, err := a.PowInt(parse(t, &a, tc.x), tc.n)
		if err != nil {
			t.Errorf("PowInt(%s, %d): %v", tc.x, tc.n, err)
			continue
		}
		if got := z.String(); got != tc.want {
			t.Errorf("PowInt(%s, %d) = %s, want %s", tc.x, tc.n, got, tc.want)
		}
	}

	a := Arith{Scale: 16}
	if _, err := a.PowInt(parse(t, &a, "10"), 200000); !errors.Is(err, ErrRange) {
		t.Errorf("PowInt(10, 200000) error = %v, want ErrRange", err)
	}
}

func TestNumberFloat(t *testing.T) {
	var a Arith
	tests := []struct {
		f    float64
		want string
	}{
		{1.4142135623730951, "1.4142135623730951"},
		{2, "2"},
		{0.1, "0.1"},
		{1e21, "1000000000000000000000"},
		{1.5e-7, "0.00000015"},
		{-0.0, "0"},
	}
	for _, tc := range tests {
		n, err := a.FromFloat64(tc.f)
		if err != nil {
			t.Fatalf("FromFloat64(%v): %v", tc.f, err)
		}
		if got := n.String(); got != tc.want {
			t.Errorf("FromFloat64(%v) = %s, want %s", tc.f, got, tc.want)
		}
		back, ok := n.Float64()
		if !ok || back != tc.f {
			t.Errorf("FromFloat64(%v).Float64() = %v, %v", tc.f, back, ok)
		}
	}
}

func TestNumberFastPathAllocs(t *testing.T) {
	a := Arith{Scale: 16}
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		a.Reset()
		x, _ := a.Parse("1819.86", false)
		y, _ := a.Parse("1.2", false)
		z, _ := a.Mul(x, y)
		z, _ = a.Add(z, y)
		z, _ = a.Quo(z, y)
		buf = z.Append(buf[:0])
	})
	if allocs != 0 {
		t.Errorf("fast path allocates %v times per run, want 0", allocs)
	}
}

// ratOf converts a number's text to a big.Rat, the reference the fuzz
// test checks against.
func ratOf(t *testing.T, n Number) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		t.Fatalf("big.Rat cannot parse %q", n.String())
	}
	return r
}

// roundRat rounds r to scale digits after the point with mode, using only
// math/big.
func roundRat(r *big.Rat, scale int64, mode Rounding) *big.Rat {
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(abs(scale)), nil))
	if scale < 0 {
		p.Inv(p)
	}
	scaled := new(big.Rat).Mul(r, p)
	num, den := scaled.Num(), scaled.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Sign() != 0 {
		neg := scaled.Sign() < 0
		twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
		half := twice.Cmp(den)
		odd := q.Bit(0) == 1
		if mode.addOne(odd, neg, half) {
			if neg {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	return new(big.Rat).Quo(new(big.Rat).SetInt(q), p)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// numberText builds a decimal text from fuzz input: coef with scale digits
// after the point, and extra digits appended to push it past int64.
func numberText(coef int64, scale uint8, extra uint8) string {
	s := fmt.Sprint(coef)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	s += strings.Repeat("7", int(extra%24))
	s = strings.TrimLeft(s, "0")
	sc := int(scale % 30)
	if len(s) <= sc {
		s = strings.Repeat("0", sc-len(s)+1) + s
	}
	if sc > 0 {
		s = s[:len(s)-sc] + "." + s[len(s)-sc:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func FuzzArithmeticAgreesWithRat(f *testing.F) {
	f.Add(int64(181986), uint8(2), uint8(0), int64(12), uint8(1), uint8(0), uint8(0))
	f.Add(int64(1), uint8(1), uint8(0), int64(2), uint8(1), uint8(0), uint8(1))
	f.Add(int64(-9223372036854775807), uint8(0), uint8(0), int64(-2), uint8(0), uint8(0), uint8(2))
	f.Add(int64(3), uint8(0), uint8(20), int64(7), uint8(3), uint8(5), uint8(3))
	f.Add(int64(-25), uint8(1), uint8(0), int64(1), uint8(0), uint8(0), uint8(4))
	f.Add(int64(999999999), uint8(9), uint8(9), int64(-3), uint8(29), uint8(23), uint8(6))
	f.Fuzz(func(t *testing.T, xc int64, xs, xe uint8, yc int64, ys, ye uint8, mode uint8) {
		a := Arith{Scale: int32(mode % 20), Rounding: Rounding(mode % uint8(len(RoundingNames)))}
		x := parse(t, &a, numberText(xc, xs, xe))
		y := parse(t, &a, numberText(yc, ys, ye))
		xr, yr := ratOf(t, x), ratOf(t, y)

		check := func(op string, z Number, err error, want *big.Rat) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s %s %s: %v", x, op, y, err)
			}
			if got := ratOf(t, z); got.Cmp(want) != 0 {
				t.Fatalf("%s %s %s = %s, want %s", x, op, y, z, want.FloatString(40))
			}
		}

		z, err := a.Add(x, y)
		check("+", z, err, new(big.Rat).Add(xr, yr))
		z, err = a.Sub(x, y)
		check("-", z, err, new(big.Rat).Sub(xr, yr))
		z, err = a.Mul(x, y)
		check("*", z, err, new(big.Rat).Mul(xr, yr))

		if yr.Sign() != 0 {
			target := max(int64(a.Scale), int64(x.scale))
			z, err = a.Quo(x, y)
			check("/", z, err, roundRat(new(big.Rat).Quo(xr, yr), target, a.Rounding))
			if int64(z.scale) > target {
				t.Fatalf("%s / %s = %s has %d digits after the point, want at most %d", x, y, z, z.scale, target)
			}
		}

		digits := int64(mode%7) - 2
		z, err = a.Round(x, digits, a.Rounding)
		want := xr
		if int64(x.scale) > digits {
			want = roundRat(xr, digits, a.Rounding)
		}
		check("round", z, err, want)

		if got, want := Cmp(x, y), xr.Cmp(yr); got != want {
			t.Fatalf("Cmp(%s, %s) = %d, want %d", x, y, got, want)
		}
	})
}
