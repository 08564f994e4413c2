package set

import (
	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/jsonscan"
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
//
// The walk through the root also checks the root's members after the
// one it finds, up to the closing brace, unless root.checked is set.
// After that check it sets root.checked. The edits of one record share
// the root state, so the root is walked to its end once per record: an
// edit splices one whole value into a root that passed, and the result
// passes too. When root holds an index of the root's members, the first
// key is found there without walking. A nil root checks every time.
func locate(doc []byte, keys []string, root *rootState) (location, error) {
	var loc location
	i := jsonscan.SkipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return loc, &jsonscan.SyntaxError{Offset: i}
	}

	// The root's end is not needed: a missing key is appended before the
	// closing brace that the member walk finds.
	end := len(doc)
	from, to := i, end
	for depth, key := range keys {
		var m member
		var err error
		switch {
		case depth == 0 && root != nil && root.indexed:
			m = root.lookup(doc, key)
		case doc[from] == '{':
			m, err = objectMember(doc, from, key)
		case doc[from] == '[':
			m, err = arrayElement(doc, from, key)
		default:
			m.missing = true
		}
		if err != nil {
			return loc, err
		}
		if depth == 0 && (root == nil || !root.checked) {
			// The root's members after the one found are walked too, so
			// that a fault anywhere in the root's member list fails the
			// record instead of passing through the edit.
			if err := checkRootRest(doc, m); err != nil {
				return loc, err
			}
			if root != nil {
				root.checked = true
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
	if onRootCheck != nil {
		onRootCheck()
	}
	close := m.close
	if !m.missing {
		// objectMember checked that a comma or the brace follows m.
		close = jsonscan.SkipSpace(doc, m.to)
		if doc[close] == ',' {
			var err error
			if close, err = jsonscan.SkipMembers(doc, close+1); err != nil {
				return err
			}
		}
	}
	return jsonscan.CheckEnd(doc, close)
}

// onRootCheck, when set, is called at each walk of the root's members
// to its end; tests count the walks with it.
var onRootCheck func()

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
	i = jsonscan.SkipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return member{missing: true, close: i, empty: true}, nil
	}
	for {
		if i >= len(doc) || doc[i] != '"' {
			return member{}, &jsonscan.SyntaxError{Offset: i}
		}
		keyFrom := i
		keyTo, escaped, err := jsonscan.ScanString(doc, i)
		if err != nil {
			return member{}, err
		}
		i = jsonscan.SkipSpace(doc, keyTo)
		if i >= len(doc) || doc[i] != ':' {
			return member{}, &jsonscan.SyntaxError{Offset: i}
		}
		from := jsonscan.SkipSpace(doc, i+1)
		var to int
		if from < len(doc) && doc[from] == '"' {
			to, err = jsonscan.SkipString(doc, from)
		} else {
			to, err = jsonscan.SkipValue(doc, from)
		}
		if err != nil {
			return member{}, err
		}
		next := jsonscan.SkipSpace(doc, to)
		if next >= len(doc) || (doc[next] != ',' && doc[next] != '}') {
			return member{}, &jsonscan.SyntaxError{Offset: next}
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
				m.cutFrom, m.cutTo = keyFrom, jsonscan.SkipSpace(doc, next+1)
			default:
				m.cutFrom, m.cutTo = keyFrom, to
			}
			return m, nil
		}

		if doc[next] == '}' {
			return member{missing: true, close: next}, nil
		}
		prevEnd = to
		i = jsonscan.SkipSpace(doc, next+1)
	}
}

// arrayElement looks up the element with the decimal index key in the
// array that opens at doc[i]. A key that is not an index finds nothing.
func arrayElement(doc []byte, i int, key string) (member, error) {
	want, isIndex := arrayIndex(key)
	prevEnd := -1
	i = jsonscan.SkipSpace(doc, i+1)
	if i < len(doc) && doc[i] == ']' {
		return member{missing: true, close: i, empty: true}, nil
	}
	for n := 0; ; n++ {
		from := i
		to, err := jsonscan.SkipValue(doc, from)
		if err != nil {
			return member{}, err
		}
		next := jsonscan.SkipSpace(doc, to)
		if next >= len(doc) || (doc[next] != ',' && doc[next] != ']') {
			return member{}, &jsonscan.SyntaxError{Offset: next}
		}
		if isIndex && n == want {
			m := member{from: from, to: to}
			switch {
			case prevEnd >= 0:
				m.cutFrom, m.cutTo = prevEnd, to
			case doc[next] == ',':
				m.cutFrom, m.cutTo = from, jsonscan.SkipSpace(doc, next+1)
			default:
				m.cutFrom, m.cutTo = from, to
			}
			return m, nil
		}
		if doc[next] == ']' {
			return member{missing: true, close: next, count: n + 1}, nil
		}
		prevEnd = to
		i = jsonscan.SkipSpace(doc, next+1)
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
