package lua

import (
	"math"
	"strconv"
	"testing"
)

func TestAppendNumber(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-3, "-3"},
		{0.1, "0.1"},
		{1.5, "1.5"},
		{1e21, "1000000000000000000000"},
		{1e22, "10000000000000000000000"},
		{1e23, "100000000000000000000000"},
		{1 << 60, "1152921504606847000"},
		{-(1 << 63), "-9223372036854776000"},
		{100000000000001000.0, "100000000000001000"},
		{math.Copysign(0, -1), "-0"},
		{-1e21, "-1000000000000000000000"},
		{9007199254740993, "9007199254740992"}, // the float64 is 2^53
		{123456.789, "123456.789"},
		{1e-6, "0.000001"},
		{5e-7, "5e-07"},
		{1.5e-10, "1.5e-10"},
		{1e20 + 0.5, "100000000000000000000"},
		{1.0 / 3, "0.3333333333333333"},
	} {
		got, err := appendNumber(nil, c.f)
		if err != nil || string(got) != c.want {
			t.Errorf("appendNumber(%v) = %q, %v; want %q", c.f, got, err, c.want)
		}
	}

	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := appendNumber(nil, f); err == nil {
			t.Errorf("appendNumber(%v) succeeded, want an error", f)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // formatNumber of the float, or the bigint digits; "" for not a number
	}{
		{"10", "10"},
		{" 42 ", "42"},
		{"-7", "-7"},
		{"+7", "7"},
		{"2e2", "200"},
		{"5e-07", "5e-07"},
		{"1E3", "1000"},
		{"0.1", "0.1"},
		{".5", "0.5"},
		{"5.", "5"},
		{"1e400", "inf"},
		{"0x1F", "31"},
		{"-0x10", "-16"},
		{"9007199254740992", "9007199254740992"},
		{"9007199254740993", "big:9007199254740993"},
		{"-9223372036854775808", "big:-9223372036854775808"},
		{"12345678901234567891", "big:12345678901234567891"},
		{"0xFFFFFFFFFFFFFFFFFF", "big:4722366482869645213695"},
		{"", ""},
		{"abc", ""},
		{"1e", ""},
		{"e5", ""},
		{".", ""},
		{"1.2.3", ""},
		{"inf", ""},
		{"NaN", ""},
		{"1_000", ""},
		{"0x", ""},
		{"--1", ""},
		{"1 2", ""},
	} {
		n, ok := parseNumber(c.in)
		got := ""
		switch {
		case !ok:
		case n.big != nil:
			got = "big:" + n.big.String()
		default:
			got = formatNumber(n.f)
		}
		if got != c.want {
			t.Errorf("parseNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzParseNumber checks that parseNumber never panics, that decimal
// text it accepts reads as strconv reads it, and that every float64 it
// formats reads back as the same float64.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1", "2e2", "5e-07", "-0.5", "12345678901234567891", "0x10", " 3 ", "1e400", ".5e1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseNumber(s)
		if !ok {
			return
		}
		if n.big != nil {
			if n.big.IsInt64() && math.Abs(float64(n.big.Int64())) <= maxExact {
				t.Fatalf("parseNumber(%q) = bigint %s, which fits a float64", s, n.big)
			}
			return
		}
		if math.IsInf(n.f, 0) || math.IsNaN(n.f) {
			return
		}
		text, err := appendNumber(nil, n.f)
		if err != nil {
			t.Fatalf("appendNumber(%v): %v", n.f, err)
		}
		back, err := strconv.ParseFloat(string(text), 64)
		if err != nil || back != n.f {
			t.Fatalf("parseNumber(%q) = %v, written as %q, which reads back as %v (%v)", s, n.f, text, back, err)
		}
	})
}
