// Package jsonscan walks JSON bytes without decoding them and without
// allocating. The edit stages use it to find where a value sits and to
// check the root object of a plain line.
//
// A walk checks only what it passes through. A skipped value is matched
// up to its closing quote or bracket. What lies inside it is not checked,
// and neither is the text of numbers and literals.
package jsonscan

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// SyntaxError is a document that is not JSON where a walk went through.
type SyntaxError struct {
	// Offset is the index of the faulty byte, from 0.
	Offset int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("the line is not valid JSON at byte %d", e.Offset+1)
}

// CheckObject checks that doc contains one JSON object, as the edit stages
// check a plain line before they edit it: the root's members must be
// "key": value pairs separated by commas, and only spaces may surround
// the braces. The error is a *SyntaxError naming the byte of the fault.
//
// It walks the line once; record.ValidJSON checks the whole document at
// about half the speed.
func CheckObject(doc []byte) error {
	i := SkipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return &SyntaxError{i}
	}
	close := SkipSpace(doc, i+1)
	if close >= len(doc) || doc[close] != '}' {
		var err error
		if close, err = SkipMembers(doc, i+1); err != nil {
			return err
		}
	}
	return CheckEnd(doc, close)
}

// CheckEnd checks that only spaces follow the root's closing brace at
// doc[close].
func CheckEnd(doc []byte, close int) error {
	if end := SkipSpace(doc, close+1); end != len(doc) {
		return &SyntaxError{end}
	}
	return nil
}

// SkipMembers walks the members of an object from doc[i], just after its
// opening brace or a comma, and returns the index of the closing brace.
func SkipMembers(doc []byte, i int) (int, error) {
	for {
		i = SkipSpace(doc, i)
		if i >= len(doc) || doc[i] != '"' {
			return 0, &SyntaxError{i}
		}
		end, err := SkipString(doc, i)
		if err != nil {
			return 0, err
		}
		i = SkipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return 0, &SyntaxError{i}
		}
		if end, err = SkipValue(doc, SkipSpace(doc, i+1)); err != nil {
			return 0, err
		}
		i = SkipSpace(doc, end)
		if i >= len(doc) || (doc[i] != ',' && doc[i] != '}') {
			return 0, &SyntaxError{i}
		}
		if doc[i] == '}' {
			return i, nil
		}
		i++
	}
}

// SkipSpace returns the index of the first byte from doc[i] that is not
// JSON white space, or len(doc).
func SkipSpace(doc []byte, i int) int {
	// Most bytes are above ' ', which ends the loop after one compare.
	for i < len(doc) && doc[i] <= ' ' && IsSpace(doc[i]) {
		i++
	}
	return i
}

// IsSpace reports whether c is JSON white space.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Masks for finding a quote or a backslash in 8 bytes at once: the
// classic "has a zero byte" test applied to the bytes xor'ed with '"' and
// '\\'. The lowest flagged byte is exact; bytes above it may be flagged
// falsely, which the scan never looks at.
const (
	swarOnes   = 0x0101010101010101
	swarHigh   = 0x8080808080808080
	swarQuote  = 0x2222222222222222
	swarEscape = 0x5c5c5c5c5c5c5c5c
)

func quote(v uint64) uint64 {
	q := v ^ swarQuote
	return (q - swarOnes) &^ q & swarHigh
}

func quoteOrEscape(v uint64) uint64 {
	q := v ^ swarQuote
	e := v ^ swarEscape
	return ((q-swarOnes)&^q | (e-swarOnes)&^e) & swarHigh
}

// ScanString returns the index after the string that opens at doc[i],
// and whether the string has escapes.
func ScanString(doc []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for i < len(doc) {
		if i+8 <= len(doc) {
			m := quoteOrEscape(binary.LittleEndian.Uint64(doc[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		}
		switch doc[i] {
		case '"':
			return i + 1, escaped, nil
		case '\\':
			escaped = true
			i += 2
		default:
			i++
		}
	}
	return 0, false, &SyntaxError{start}
}

// SkipString returns the index after the string that opens at doc[i].
//
// It looks for quotes alone, 8 bytes at a time, and counts the
// backslashes before each: an odd run escapes the quote. That is faster
// than ScanString, which stops at each backslash too, on strings
// without escapes (about 5% on the wikiticker lines of BenchmarkCheckObject).
func SkipString(doc []byte, i int) (int, error) {
	start := i
	i++
	for {
		for i+8 <= len(doc) {
			if m := quote(binary.LittleEndian.Uint64(doc[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(doc) && doc[i] != '"' {
			i++
		}
		if i >= len(doc) {
			return 0, &SyntaxError{start}
		}

		// The opening quote ends the run of backslashes at the latest.
		j := i - 1
		for doc[j] == '\\' {
			j--
		}
		if (i-1-j)%2 == 0 {
			return i + 1, nil
		}
		i++
	}
}

// delimiter marks the bytes that end a number or a literal.
var delimiter = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true}

// SkipValue returns the index after the JSON value that starts at doc[i].
// Containers are matched by depth, strings by their closing quote, and
// other values run to the next delimiter. Their text is not checked.
func SkipValue(doc []byte, i int) (int, error) {
	if i >= len(doc) {
		return 0, &SyntaxError{i}
	}
	switch doc[i] {
	case '"':
		return SkipString(doc, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(doc); j++ {
			switch doc[j] {
			case '"':
				end, err := SkipString(doc, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, &SyntaxError{i}
	case ',', ':', '}', ']':
		return 0, &SyntaxError{i}
	}
	j := i + 1
	for j < len(doc) && !delimiter[doc[j]] {
		j++
	}
	return j, nil
}
