package lua

import "math"

// numberTexts remembers the JSON text of the numbers that the running
// call read from records and from json.decode, by their float64 value.
//
// Lua holds a number as a float64 only, so 1.50 reads as 1.5. When a
// float64 that equals a number read in the same call is written as JSON,
// the text it was read with is written instead, so that `rec.b = rec.a`
// copies 1.50, 1e3 or -0.0 as typed. Arithmetic that changes the value
// gives another float64, which is written in the usual form. A value read
// with two different texts (1 and 1.0) is written in the usual form too,
// because either text could be the intended one.
type numberTexts struct {
	// entries lists the values in the order read. Most calls read a few
	// numbers, which a scan finds faster than a map; byIndex indexes the
	// entries once there are more than scanLimit.
	entries []readNumber
	byIndex map[uint64]int
	text    []byte // the texts, back to back; reused from call to call
}

const scanLimit = 8

// readNumber is a value and the text it was read with, text[start:end].
// start is -1 for a value read with two different texts.
type readNumber struct {
	bits       uint64
	start, end int32
}

// reset clears the texts at the start of a call.
func (t *numberTexts) reset() {
	if len(t.entries) > scanLimit {
		clear(t.byIndex)
	}
	t.entries = t.entries[:0]
	t.text = t.text[:0]
}

// find returns the index of the entry for bits, or -1.
func (t *numberTexts) find(bits uint64) int {
	if len(t.entries) > scanLimit {
		if i, ok := t.byIndex[bits]; ok {
			return i
		}
		return -1
	}
	for i := range t.entries {
		if t.entries[i].bits == bits {
			return i
		}
	}
	return -1
}

// remember records that f was read from the JSON text raw.
func (t *numberTexts) remember(f float64, raw string) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return // out of the float64 range: writing it stays an error
	}
	if !isJSONNumber(raw) {
		return // a nested value of a plain line is not checked in full
	}

	bits := math.Float64bits(f)
	if i := t.find(bits); i >= 0 {
		old := &t.entries[i]
		if old.start >= 0 && string(t.text[old.start:old.end]) != raw {
			old.start, old.end = -1, -1
		}
		return
	}
	start := len(t.text)
	t.text = append(t.text, raw...)
	t.entries = append(t.entries, readNumber{bits: bits, start: int32(start), end: int32(len(t.text))})

	switch n := len(t.entries); {
	case n == scanLimit+1:
		if t.byIndex == nil {
			t.byIndex = make(map[uint64]int)
		}
		for i, e := range t.entries {
			t.byIndex[e.bits] = i
		}
	case n > scanLimit+1:
		t.byIndex[bits] = n - 1
	}
}

// lookup returns the text that f was read with in this call.
func (t *numberTexts) lookup(f float64) ([]byte, bool) {
	if len(t.entries) == 0 {
		return nil, false
	}
	i := t.find(math.Float64bits(f))
	if i < 0 || t.entries[i].start < 0 {
		return nil, false
	}
	e := t.entries[i]
	return t.text[e.start:e.end], true
}

// isJSONNumber reports whether s is a number by the JSON grammar:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}
