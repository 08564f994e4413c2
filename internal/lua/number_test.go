package lua

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
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

func TestNumberTextKept(t *testing.T) {
	const doc = `{"a":1.50,"b":1.0,"c":1e3,"e":5e-7,"z":-0.0,"big":12345678901234567891,"i":7}`
	runCases(t, []scriptCase{
		{"copy keeps 1.50", `rec.a2 = rec.a`, `{"a":1.50}`, []string{`{"a":1.50,"a2":1.50}`}, ""},
		{"copy keeps 1.0", `rec.b2 = rec.b`, `{"b":1.0}`, []string{`{"b":1.0,"b2":1.0}`}, ""},
		{"self keeps 1e3", `rec.c = rec.c`, `{"c":1e3}`, []string{`{"c":1e3}`}, ""},
		{"copy keeps 5e-7", `rec.e2 = rec.e`, `{"e":5e-7}`, []string{`{"e":5e-7,"e2":5e-7}`}, ""},
		{"copy keeps -0.0", `rec.z2 = rec.z`, `{"z":-0.0}`, []string{`{"z":-0.0,"z2":-0.0}`}, ""},
		{"zero is not minus zero", `rec.n = 0`, `{"z":-0.0}`, []string{`{"z":-0.0,"n":0}`}, ""},
		{"copy keeps bigint", `rec.big2 = rec.big`, doc, []string{`{"a":1.50,"b":1.0,"c":1e3,"e":5e-7,"z":-0.0,"big":12345678901234567891,"i":7,"big2":12345678901234567891}`}, ""},
		{"copies of all", `rec.all = {rec.a, rec.b, rec.c, rec.e, rec.z, rec.big, rec.i}`, doc, []string{`{"a":1.50,"b":1.0,"c":1e3,"e":5e-7,"z":-0.0,"big":12345678901234567891,"i":7,"all":[1.50,1.0,1e3,5e-7,-0.0,12345678901234567891,7]}`}, ""},
		{"through a local", `local x = rec.a rec.a = nil rec.x = x`, `{"a":1.50,"k":1}`, []string{`{"k":1,"x":1.50}`}, ""},
		{"nested copy", `rec.o.y = rec.o.x`, `{"o":{"x":2.50}}`, []string{`{"o":{"x":2.50,"y":2.50}}`}, ""},
		{"emitted number", `return rec.a`, `{"a":1.50}`, []string{`1.50`}, ""},
		{"json.encode", `return json.encode({rec.c})`, `{"c":1e3}`, []string{`[1e3]`}, ""},
		{"json.decode", `rec.v = json.decode('{"p":2.50}').p`, `{}`, []string{`{"v":2.50}`}, ""},
		{"arithmetic", `rec.a = rec.a * 2`, `{"a":1.50}`, []string{`{"a":3}`}, ""},
		{"arithmetic with no change", `rec.c = rec.c + 0`, `{"c":1e3}`, []string{`{"c":1e3}`}, ""},
		{"small arithmetic", `rec.e = rec.e * 2`, `{"e":5e-7}`, []string{`{"e":0.000001}`}, ""},
		{"two texts of one value", `local a, b = rec.a, rec.b rec.x = a rec.y = b`, `{"a":1,"b":1.0}`, []string{`{"a":1,"b":1.0,"x":1,"y":1}`}, ""},
		{"same text twice", `rec.x = rec.a + rec.b - rec.b`, `{"a":1.50,"b":1.50}`, []string{`{"a":1.50,"b":1.50,"x":1.50}`}, ""},
		{"still numbers", `return tostring(type(rec.a)) .. " " .. tostring(rec.a == 1.5) .. " " .. tostring(rec.a < 2) .. " " .. tostring(math.floor(rec.a)) .. " " .. tostring(rec.a)`, `{"a":1.50}`, []string{`number true true 1 1.5`}, ""},
		{"invalid nested number", `rec.o.y = rec.o.x`, `{"o":{"x":01.50}}`, []string{`{"o":{"x":01.50,"y":1.5}}`}, ""},
		{"out of range", `rec.y = rec.x`, `{"x":1e700}`, nil, "cannot write inf as JSON"},
	})
}

func TestNumberTextsForgetBetweenRecords(t *testing.T) {
	opts := Options{Source: `function process(rec) if rec.a then last = rec.a else rec.b = last end return rec end`}
	res := runScript(t, opts, `{"a":1.50}`, `{"k":1}`)
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := []string{`{"a":1.50}`, `{"k":1,"b":1.5}`}
	if len(res.values) != 2 || res.values[0] != want[0] || res.values[1] != want[1] {
		t.Errorf("got %q, want %q", res.values, want)
	}
}

func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "-0.0": true, "1.50": true, "1e3": true, "5E-7": true, "1e+2": true, "123": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "1e+": false, "+1": false, "0x1": false, "1 ": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestNumberTextsMany crosses the size at which numberTexts indexes its
// entries with a map.
func TestNumberTextsMany(t *testing.T) {
	var nt numberTexts
	for round := 0; round < 2; round++ {
		nt.reset()
		for i := 0; i < 3*scanLimit; i++ {
			nt.remember(float64(i)+0.5, strconv.Itoa(i)+".50")
		}
		nt.remember(2.5, "2.5") // a second text makes 2.5 ambiguous
		for i := 0; i < 3*scanLimit; i++ {
			raw, ok := nt.lookup(float64(i) + 0.5)
			want := strconv.Itoa(i) + ".50"
			if i == 2 {
				if ok {
					t.Errorf("round %d: 2.5 read with two texts gave %q", round, raw)
				}
				continue
			}
			if !ok || string(raw) != want {
				t.Errorf("round %d: lookup(%v) = %q, %v; want %q", round, float64(i)+0.5, raw, ok, want)
			}
		}
		if raw, ok := nt.lookup(1000); ok {
			t.Errorf("round %d: lookup of a value never read = %q", round, raw)
		}
	}
}

// FuzzIsJSONNumber checks isJSONNumber against encoding/json: text that
// starts with a minus sign or a digit and has no white space is valid
// JSON exactly when it is a number.
func FuzzIsJSONNumber(f *testing.F) {
	for _, s := range []string{"0", "-0.0", "1.50", "1e3", "5E-7", "01", "1.", ".5", "1e+", "-", "12345678901234567891"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := isJSONNumber(s)
		if s == "" || strings.ContainsAny(s, " \t\r\n") || !(s[0] == '-' || isDigit(s[0])) {
			if got {
				t.Fatalf("isJSONNumber(%q) = true", s)
			}
			return
		}
		if want := json.Valid([]byte(s)); got != want {
			t.Fatalf("isJSONNumber(%q) = %v, json.Valid = %v", s, got, want)
		}
	})
}
