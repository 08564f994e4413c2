package record

import (
	"bytes"
	"unicode/utf8"
)

// ValidJSON reports whether b is exactly one valid JSON value, optionally
// surrounded by whitespace, whose strings are valid UTF-8. It is the
// check of gjson.Valid and utf8.Valid in one pass over the bytes.
//
// Nesting is tracked on an explicit stack rather than by recursion, so a
// line of a million opening brackets is rejected or accepted without
// growing the goroutine stack.
func ValidJSON(b []byte) bool { return validJSON(b, nil) }

// ObjectIndex locates the members of a JSON object's root, so that an
// edit can find a top-level key without walking the object again.
// Offsets are byte indexes into the object's bytes.
type ObjectIndex struct {
	Members []Member
	Close   int // the index of the root's closing brace
}

// Member is one member of an object: KeyFrom is the index of the key's
// opening quote and KeyTo the index after its closing quote; ValueFrom
// and ValueTo bound the raw value. Escaped is set when the key has
// escapes, so that its raw bytes are not its text.
type Member struct {
	KeyFrom, KeyTo     int
	ValueFrom, ValueTo int
	Escaped            bool
}

// IndexEmbeddableObject reports whether v is an object that
// IsEmbeddableJSON accepts, and when it is, fills idx with the root's
// members in the order they are written. It checks v in the same single
// pass as ValidJSON, and reuses idx's memory.
func IndexEmbeddableObject(v []byte, idx *ObjectIndex) bool {
	idx.Members = idx.Members[:0]
	if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return false
	}
	if bytes.IndexByte(v, '\n') >= 0 || bytes.IndexByte(v, '\r') >= 0 {
		return false
	}
	return validJSON(v, idx)
}

// validJSON is ValidJSON, which also fills idx with the root object's
// members when idx is not nil.
func validJSON(b []byte, idx *ObjectIndex) bool {
	var stack []byte // '{' or '[' for each open container
	var inline [32]byte
	stack = inline[:0]

	i := skipSpace(b, 0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '{':
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == '}' {
				if idx != nil && len(stack) == 0 {
					idx.Close = i
				}
				i++
				break
			}
			stack = append(stack, '{')
			if idx != nil && len(stack) == 1 {
				var ok bool
				if i, ok = idx.member(b, i); !ok {
					return false
				}
				continue
			}
			var ok bool
			if i, ok = objectKey(b, i); !ok {
				return false
			}
			continue
		case c == '[':
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			stack = append(stack, '[')
			continue
		case c == '"':
			var ok bool
			if i, ok = scanString(b, i+1); !ok {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			var ok bool
			if i, ok = scanNumber(b, i); !ok {
				return false
			}
		case c == 't':
			if !hasWord(b, i, "true") {
				return false
			}
			i += 4
		case c == 'f':
			if !hasWord(b, i, "false") {
				return false
			}
			i += 5
		case c == 'n':
			if !hasWord(b, i, "null") {
				return false
			}
			i += 4
		default:
			return false
		}

		// A value ended before i: close containers or go to the next
		// member or element.
		for {
			if idx != nil && len(stack) == 1 && len(idx.Members) > 0 {
				idx.Members[len(idx.Members)-1].ValueTo = i
			}
			i = skipSpace(b, i)
			if len(stack) == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			top := stack[len(stack)-1]
			c := b[i]
			if c == ',' {
				i = skipSpace(b, i+1)
				if top == '{' {
					var ok bool
					if idx != nil && len(stack) == 1 {
						i, ok = idx.member(b, i)
					} else {
						i, ok = objectKey(b, i)
					}
					if !ok {
						return false
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				if idx != nil && len(stack) == 1 {
					idx.Close = i
				}
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return false
		}
	}
}

// objectKey scans a member's key and colon from i and returns the index
// where the member's value may start.
func objectKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	i, ok := scanString(b, i+1)
	if !ok {
		return i, false
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, false
	}
	return skipSpace(b, i+1), true
}

// member scans a root member's key and colon from i, like objectKey, and
// adds the member to the index.
func (idx *ObjectIndex) member(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	from := i

	// Most keys are short ASCII without escapes: scan those here, and
	// leave the rest to scanString.
	to := i + 1
	for to < len(b) && plainStringByte[b[to]] {
		to++
	}
	escaped := false
	if to < len(b) && b[to] == '"' {
		to++
	} else {
		var ok bool
		if to, ok = scanString(b, to); !ok {
			return to, false
		}
		escaped = bytes.IndexByte(b[from+1:to-1], '\\') >= 0
	}

	i = skipSpace(b, to)
	if i >= len(b) || b[i] != ':' {
		return i, false
	}
	i = skipSpace(b, i+1)
	idx.Members = append(idx.Members, Member{KeyFrom: from, KeyTo: to, ValueFrom: i, ValueTo: i, Escaped: escaped})
	return i, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func hasWord(b []byte, i int, word string) bool {
	return len(b)-i >= len(word) && string(b[i:i+len(word)]) == word
}

// plainStringByte marks the bytes that a string may contain as they are:
// ASCII from the space up, except the quote and the backslash.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString scans a string whose opening quote is before i and returns
// the index after its closing quote.
func scanString(b []byte, i int) (int, bool) {
	for {
		for i < len(b) && plainStringByte[b[i]] {
			i++
		}
		if i >= len(b) {
			return i, false
		}

		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(b) {
				return i, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, false
				}
				i += 6
			default:
				return i, false
			}
		case c < 0x20:
			return i, false
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, false
			}
			i += size
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber scans a JSON number from i and returns the index after it.
func scanNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		start := i + 1
		if i = skipDigits(b, start); i == start {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		if i = skipDigits(b, start); i == start {
			return i, false
		}
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
