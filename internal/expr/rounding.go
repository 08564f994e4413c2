package expr

import "fmt"

// Rounding is a rounding mode: how division and round() pick the last
// digit they keep when the exact result has more digits.
type Rounding uint8

const (
	// HalfEven rounds to the nearest, and a tie to the even digit
	// (banker's rounding): 2.5 becomes 2, 3.5 becomes 4.
	HalfEven Rounding = iota
	// HalfUp rounds to the nearest, and a tie away from zero: 2.5 becomes
	// 3, -2.5 becomes -3.
	HalfUp
	// HalfDown rounds to the nearest, and a tie toward zero.
	HalfDown
	// Down rounds toward zero (truncation).
	Down
	// Up rounds away from zero.
	Up
	// Floor rounds toward negative infinity.
	Floor
	// Ceiling rounds toward positive infinity.
	Ceiling
)

// RoundingNames lists the names that ParseRounding accepts, in the order
// of the Rounding constants.
var RoundingNames = []string{"half-even", "half-up", "half-down", "down", "up", "floor", "ceiling"}

// ParseRounding parses a rounding mode name, as listed in RoundingNames.
func ParseRounding(s string) (Rounding, error) {
	for i, name := range RoundingNames {
		if s == name {
			return Rounding(i), nil
		}
	}
	return HalfEven, fmt.Errorf("invalid rounding mode %q: use half-even, half-up, half-down, down, up, floor or ceiling", s)
}

func (r Rounding) String() string {
	if int(r) < len(RoundingNames) {
		return RoundingNames[r]
	}
	return fmt.Sprintf("Rounding(%d)", uint8(r))
}

// addOne reports whether the magnitude of a truncated result must grow
// by one unit in its last digit. It is called only when digits were
// discarded: odd tells whether the truncated magnitude is odd, neg the
// sign of the result, and half compares the discarded part with half a
// unit (-1 below, 0 equal, 1 above).
func (r Rounding) addOne(odd, neg bool, half int) bool {
	switch r {
	case HalfUp:
		return half >= 0
	case HalfDown:
		return half > 0
	case Down:
		return false
	case Up:
		return true
	case Floor:
		return neg
	case Ceiling:
		return !neg
	}
	return half > 0 || (half == 0 && odd)
}
