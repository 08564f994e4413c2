package lua

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// maxExact is 2^53. Every integer up to this size has an exact float64,
// so a Lua number holds it, and a larger one becomes a bigint.
const maxExact = 1 << 53

var errNotFinite = errors.New("NaN and infinity have no JSON form")

// appendNumber appends f as JSON number text.
//
// Every number is written as the shortest text that reads back as the
// same float64, so that a number read from a record is written back as it
// was typed (100000000000001000.0 as 100000000000001000, not as the
// float64's exact 100000000000000992). Whole numbers never get an
// exponent (1e21 as 1000000000000000000000). Other numbers get one only
// below 1e-6 or from 1e21 up, as JavaScript does. Integers beyond 2^53
// from a record are bigints and do not come here.
func appendNumber(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, errNotFinite
	}
	if f == math.Trunc(f) {
		return strconv.AppendFloat(dst, f, 'f', -1, 64), nil
	}
	if abs := math.Abs(f); abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64), nil
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64), nil
}

// formatNumber returns f as tostring shows it: the JSON text, or nan,
// inf and -inf, which have no JSON form.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	b, _ := appendNumber(make([]byte, 0, 24), f)
	return string(b)
}

// parsedNumber is the result of parseNumber: a float64, or an integer
// beyond 2^53 that a float64 would round.
type parsedNumber struct {
	f   float64
	big *big.Int // set when the number is an integer beyond 2^53
}

// parseNumber reads decimal number text as tonumber does: optional sign,
// digits with an optional fraction and exponent ("2e2", "5e-07", ".5"),
// or a hexadecimal integer ("0x1F"). Surrounding white space is ignored.
// Integers beyond 2^53 come back exact, in big. NaN and infinity words
// are rejected; an exponent out of range gives an infinity, as in Lua.
func parseNumber(s string) (parsedNumber, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return parsedNumber{}, false
	}

	sign, digits := "", s
	if digits[0] == '+' || digits[0] == '-' {
		sign, digits = s[:1], s[1:]
	}
	if len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
		return parseInteger(sign, digits[2:], 16)
	}

	integer, ok := scanDecimal(digits)
	if !ok {
		return parsedNumber{}, false
	}
	if integer {
		return parseInteger(sign, digits, 10)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return parsedNumber{}, false
	}
	return parsedNumber{f: f}, true
}

// scanDecimal checks the grammar digits[.digits][(e|E)[sign]digits] with
// at least one digit before the exponent, and reports whether the text is
// a plain integer.
func scanDecimal(s string) (integer, ok bool) {
	i, mantissa := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		mantissa++
	}
	integer = i == len(s)
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			mantissa++
		}
	}
	if mantissa == 0 {
		return false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exponent := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exponent++
		}
		if exponent == 0 {
			return false, false
		}
	}
	return integer, i == len(s)
}

// parseInteger parses digits in base, keeping integers beyond 2^53 exact.
func parseInteger(sign, digits string, base int) (parsedNumber, bool) {
	if digits == "" || strings.ContainsAny(digits, "+-_") {
		return parsedNumber{}, false
	}
	if u, err := strconv.ParseUint(digits, base, 64); err == nil && u <= maxExact {
		f := float64(u)
		if sign == "-" {
			f = -f
		}
		return parsedNumber{f: f}, true
	}
	n, ok := new(big.Int).SetString(sign+digits, base)
	if !ok {
		return parsedNumber{}, false
	}
	return parsedNumber{big: n}, true
}

// parseJSONInteger parses the text of a JSON number known to be valid. It
// returns ok false for numbers with a fraction or exponent, which the
// caller reads as float64.
func parseJSONInteger(raw string) (parsedNumber, bool) {
	if strings.ContainsAny(raw, ".eE") {
		return parsedNumber{}, false
	}
	sign, digits := "", raw
	if raw[0] == '-' {
		sign, digits = "-", raw[1:]
	}
	return parseInteger(sign, digits, 10)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
