package expr

import "fmt"

// MaxScale bounds --scale: a quotient with more digits than this after
// the point is never what a user means. The help text of Flags repeats it.
const MaxScale = 1000

// Flags are the arithmetic flags shared by the stages that evaluate
// expressions, etl-math and etl-filter. They embed it in their kong
// command structs.
type Flags struct {
	Scale    int32  `default:"16" placeholder:"DIGITS" help:"Digits kept after the decimal point by division, 0 to 1000 (default 16). A quotient keeps at least as many as its dividend has, and drops trailing zeros."`
	Rounding string `enum:"half-even,half-up,half-down,down,up,floor,ceiling" default:"half-even" help:"How division and round() drop digits: half-even (2.5 to 2, 3.5 to 4), half-up (2.5 to 3, -2.5 to -3), half-down, down (toward zero), up (away from zero), floor or ceiling (${enum})."`
}

// Options returns the evaluation options that the flags set.
func (f *Flags) Options(strict bool) (Options, error) {
	if f.Scale < 0 || f.Scale > MaxScale {
		return Options{}, fmt.Errorf("invalid --scale %d: use 0 to %d digits", f.Scale, MaxScale)
	}
	rounding, err := ParseRounding(f.Rounding)
	if err != nil {
		return Options{}, err
	}
	return Options{Scale: f.Scale, Rounding: rounding, Strict: strict}, nil
}
