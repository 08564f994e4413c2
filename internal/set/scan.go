package set

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/tidwall/gjson"
)

// This file walks JSON bytes to find where a path's value sits, in one
// pass and without allocating. gjson.Get would find the same value, but
// it decodes a string value that has escapes into a new string, which
// is an allocation per record for a field such as a comment with quotes.
//
// The walk checks only what it passes through. That is every member of
// each object on the path up to the wanted one, or all of them when the
// key is missing. Each skipped value is matched up to its closing quote
// or bracket, and bytes after the found value are not read.

// errSyntax is a document that is not JSON where the walk went through.
type errSyntax struct {
	offset int
}

func (e *errSyntax) Error() string {
	return fmt.Sprintf("the line is not valid JSON at byte %d", e.offset+1)
}

// location is the position of a path's value in a document, or of the
// place where a new value would go.
type location struct {
	found bool
	// from and to bound the raw value when found.
	from, to int
	// cutFrom and cutTo bound what a delete removes: the member (key and
	// value) or element, and one comma next to it.
	cutFrom, cutTo int

	// When the value is missing, depth is the number of path keys whose
	// values exist: the deepest existing ancestor is keys[:depth], and
	// the parent exists when depth is len(keys)-1.
	depth int
	// kind is the first byte of that ancestor's value: '{', '[', or
	// another byte for a value that is not a container.
	kind byte
	// ancFrom and ancTo bound that ancestor's value.
	ancFrom, ancTo int
	// close is the index of the ancestor's closing bracket, empty is set
	// when it has no members, and count is its element count when it is
	// an array. They are set only when depth is len(keys)-1.
	close int
	empty bool
	count int
}

// locate walks doc, which must hold a JSON object, along keys. Array
// elements are addressed by decimal keys, as in gjson.
func locate(doc []byte, keys []string) (location, error) {
	var loc location
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return loc, &errSyntax{i}
	}

	// The root's end is not needed: a missing key is appended before the
	// closing brace that the member walk finds.
	end := len(doc)
	from, to := i, end
	for depth, key := range keys {
		var m member
		var err error
		switch doc[from] {
		case '{':
			m, err = objectMember(doc, from, key)
		case '[':
			m, err = arrayElement(doc, from, key)
		default:
			m.missing = true
		}
		if err != nil {
			return loc, err
		}
		if depth == 0 {
			// The root's members after the one found are walked too, so
			// that a fault anywhere in the root's member list fails the
			// record instead of passing through the edit.
			if err := checkRootRest(doc, m); err != nil {
				return loc, err
			}
		}
		if m.missing {
			loc.depth = depth
			loc.kind = doc[from]
			loc.ancFrom, loc.ancTo = from, to
			loc.close, loc.empty, loc.count = m.close, m.empty, m.count
			return loc, nil
		}
		from, to = m.from, m.to
		loc.cutFrom, loc.cutTo = m.cutFrom, m.cutTo
	}
	loc.found = true
	loc.from, loc.to = from, to
	return loc, nil
}

// checkRootRest checks the root object's members after m, which
// objectMember returned for the root, and that only spaces follow the
// root's closing brace.
func checkRootRest(doc []byte, m member) error {
	close := m.close
	if !m.missing {
		// objectMember checked that a comma or the brace follows m.
		close = skipSpace(doc, m.to)
		if doc[close] == ',' {
			var err error
			if close, err = skipMembers(doc, close+1); err != nil {
				return err
			}
		}
	}
	if end := skipSpace(doc, close+1); end != len(doc) {
		return &errSyntax{end}
	}
	return nil
}

// skipMembers walks the members of an object from doc[i], just after its
// opening brace or a comma, and returns the index of the closing brace.
func skipMembers(doc []byte, i int) (int, error) {
	for {
		i = skipSpace(doc, i)
		if i >= len(doc) || doc[i] != '"' {
			return 0, &errSyntax{i}
		}
		end, err := skipString(doc, i)
		if err != nil {
			return 0, err
		}
		i = skipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return 0, &errSyntax{i}
		}
		if end, err = skipValue(doc, skipSpace(doc, i+1)); err != nil {
			return 0, err
		}
		i = skipSpace(doc, end)
		if i >= len(doc) || (doc[i] != ',' && doc[i] != '}') {
			return 0, &errSyntax{i}
		}
		if doc[i] == '}' {
			return i, nil
		}
		i++
	}
}

// CheckObject checks that doc holds one JSON object, as the edit stages
// check a plain line before they edit it: the root's members must be
// "key": value pairs separated by commas, and only spaces may surround
// the braces. Each member's value is matched up to its closing quote or
// bracket, but what lies inside it is not checked, and neither is the
// text of numbers and literals. The error names the byte of the fault.
//
// It walks the line once without allocating; record.ValidJSON checks the
// whole document at about half the speed.
func CheckObject(doc []byte) error {
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return &errSyntax{i}
	}
	close := skipSpace(doc, i+1)
	if close >= len(doc) || doc[close] != '}' {
		var err error
		if close, err = skipMembers(doc, i+1); err != nil {
			return err
		}
	}
	if end := skipSpace(doc, close+1); end != len(doc) {
		return &errSyntax{end}
	}
	return nil
}

// member is the result of looking up one key in a container.
type member struct {
	missing        bool
	from, to       int // the value
	cutFrom, cutTo int // the bytes that deleting the member removes
	close          int // the container's closing bracket, when missing
	empty          bool
	count          int // array elements, when missing
}

// objectMember looks up key in the object that opens at doc[i]. Like
// gjson, it takes the first member of that name.
func objectMember(doc []byte, i int, key string) (member, error) {
	prevEnd := -1 // end of the previous member's value
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return member{missing: true, close: i, empty: true}, nil
	}
	for {
		if i >= len(doc) || doc[i] != '"' {
			return member{}, &errSyntax{i}
		}
		keyFrom := i
		keyTo, escaped, err := scanString(doc, i)
		if err != nil {
			return member{}, err
		}
		i = skipSpace(doc, keyTo)
		if i >= len(doc) || doc[i] != ':' {
			return member{}, &errSyntax{i}
		}
		from := skipSpace(doc, i+1)
		var to int
		if from < len(doc) && doc[from] == '"' {
			to, _, err = scanString(doc, from)
		} else {
			to, err = skipValue(doc, from)
		}
		if err != nil {
			return member{}, err
		}
		next := skipSpace(doc, to)
		if next >= len(doc) || (doc[next] != ',' && doc[next] != '}') {
			return member{}, &errSyntax{next}
		}

		if (escaped || keyTo-keyFrom-2 == len(key)) && keyEquals(doc[keyFrom+1:keyTo-1], escaped, key) {
			m := member{from: from, to: to}
			switch {
			case prevEnd >= 0:
				// Not the first member: cut from the end of the previous
				// value, which takes the comma between them.
				m.cutFrom, m.cutTo = prevEnd, to
			case doc[next] == ',':
				// The first of several: cut up to the next key.
				m.cutFrom, m.cutTo = keyFrom, skipSpace(doc, next+1)
			default:
				m.cutFrom, m.cutTo = keyFrom, to
			}
			return m, nil
		}

		if doc[next] == '}' {
			return member{missing: true, close: next}, nil
		}
		prevEnd = to
		i = skipSpace(doc, next+1)
	}
}

// arrayElement looks up the element with the decimal index key in the
// array that opens at doc[i]. A key that is not an index finds nothing.
func arrayElement(doc []byte, i int, key string) (member, error) {
	want, isIndex := arrayIndex(key)
	prevEnd := -1
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == ']' {
		return member{missing: true, close: i, empty: true}, nil
	}
	for n := 0; ; n++ {
		from := i
		to, err := skipValue(doc, from)
		if err != nil {
			return member{}, err
		}
		next := skipSpace(doc, to)
		if next >= len(doc) || (doc[next] != ',' && doc[next] != ']') {
			return member{}, &errSyntax{next}
		}
		if isIndex && n == want {
			m := member{from: from, to: to}
			switch {
			case prevEnd >= 0:
				m.cutFrom, m.cutTo = prevEnd, to
			case doc[next] == ',':
				m.cutFrom, m.cutTo = from, skipSpace(doc, next+1)
			default:
				m.cutFrom, m.cutTo = from, to
			}
			return m, nil
		}
		if doc[next] == ']' {
			return member{missing: true, close: next, count: n + 1}, nil
		}
		prevEnd = to
		i = skipSpace(doc, next+1)
	}
}

// keyEquals reports whether the raw JSON string content raw (without
// quotes), which has escapes when escaped is set, spells key.
func keyEquals(raw []byte, escaped bool, key string) bool {
	if !escaped {
		return string(raw) == key
	}
	// An escape takes more bytes than the character it stands for.
	if len(raw) <= len(key) {
		return false
	}
	// A key written with escapes is rare; decoding it allocates.
	return gjson.Parse(`"`+field.String(raw)+`"`).Str == key
}

func skipSpace(doc []byte, i int) int {
	// Most bytes are above ' ', which ends the loop after one compare.
	for i < len(doc) && doc[i] <= ' ' && isSpace(doc[i]) {
		i++
	}
	return i
}

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

func quoteOrEscape(v uint64) uint64 {
	q := v ^ swarQuote
	e := v ^ swarEscape
	return ((q-swarOnes)&^q | (e-swarOnes)&^e) & swarHigh
}

// skipString returns the index after the string that opens at doc[i].
func skipString(doc []byte, i int) (int, error) {
	end, _, err := scanString(doc, i)
	return end, err
}

// scanString returns the index after the string that opens at doc[i],
// and whether the string has escapes.
func scanString(doc []byte, i int) (end int, escaped bool, err error) {
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
	return 0, false, &errSyntax{start}
}

// delimiter marks the bytes that end a number or a literal.
var delimiter = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true}

// skipValue returns the index after the JSON value that starts at doc[i].
// Containers are matched by depth, strings by their closing quote, and
// other values run to the next delimiter; their text is not checked.
func skipValue(doc []byte, i int) (int, error) {
	if i >= len(doc) {
		return 0, &errSyntax{i}
	}
	switch doc[i] {
	case '"':
		return skipString(doc, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(doc); j++ {
			switch doc[j] {
			case '"':
				end, err := skipString(doc, j)
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
		return 0, &errSyntax{i}
	case ',', ':', '}', ']':
		return 0, &errSyntax{i}
	}
	j := i + 1
	for j < len(doc) && !delimiter[doc[j]] {
		j++
	}
	return j, nil
}
