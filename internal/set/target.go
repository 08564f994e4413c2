package set

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// target is a path into the value that an edit reads, writes or deletes,
// compiled once.
//
// The fast path edits in one pass over the bytes: locate finds the field
// (or its parent), and the result is spliced into a scratch buffer,
// either replacing the raw value or inserting `,"key":value` before the
// parent's closing brace. Only a path whose missing intermediate objects
// or arrays must be created, or an array that needs padding, falls back
// to sjson, which allocates a new slice.
type target struct {
	text   string   // the path as written, for messages
	keys   []string // unescaped keys, outermost first
	member []byte   // `"last":`, for appending to the parent object
	// escaped is set when member spells the key with escapes.
	escaped bool
	sjson   string // the path in sjson's syntax
}

func newTarget(p *field.Path) *target {
	keys := p.Keys()
	t := &target{text: p.String(), keys: keys}

	var spath strings.Builder
	for i, key := range keys {
		if i > 0 {
			spath.WriteByte('.')
		}
		escaped := gjson.Escape(key)

		// sjson reads a leading ':' as "force an object key", so a key
		// that really begins with ':' is escaped.
		if strings.HasPrefix(escaped, ":") {
			spath.WriteByte('\\')
		}
		spath.WriteString(escaped)
	}
	t.sjson = spath.String()
	t.member = appendJSONString(nil, keys[len(keys)-1])
	t.member = append(t.member, ':')
	t.escaped = strings.IndexByte(string(t.member), '\\') >= 0
	return t
}

// get returns the raw JSON value of the field in doc, and whether it
// exists. root is what the record's edits know about doc's root object.
func (t *target) get(doc []byte, root *rootState) (string, bool, error) {
	loc, err := locate(doc, t.keys, root)
	if err != nil || !loc.found {
		return "", false, err
	}
	return field.String(doc[loc.from:loc.to]), true, nil
}

// set appends to dst the document doc with the field set to raw, which
// must be one JSON value without spaces around it, and returns the
// extended dst. root then
// describes the returned document.
func (t *target) set(dst, doc, raw []byte, root *rootState) ([]byte, error) {
	if len(t.keys) == 1 && root != nil && root.indexed {
		// A top-level key of an indexed root: no walk at all.
		m := root.lookup(doc, t.keys[0])
		if !m.missing {
			root.replaced(m.from, m.to, len(raw))
			return splice(dst, doc, m.from, m.to, raw), nil
		}
		root.appended(!m.empty, t.member, t.escaped, len(raw))
		return insert(dst, doc, m.close, !m.empty, t.member, raw), nil
	}

	loc, err := locate(doc, t.keys, root)
	if err != nil {
		return nil, err
	}
	if loc.found {
		root.replaced(loc.from, loc.to, len(raw))
		return splice(dst, doc, loc.from, loc.to, raw), nil
	}

	last := len(t.keys) - 1
	key := t.keys[loc.depth]
	_, isIndex := arrayIndex(key)
	switch {
	case loc.kind == '[' && !isIndex && key != "-1":
		return nil, t.notObject(doc, loc)
	case loc.kind != '{' && loc.kind != '[':
		return nil, t.notObject(doc, loc)
	case loc.depth < last:
		// Intermediate objects or arrays are missing: sjson builds them.
		root.forget()
		return t.slowSet(dst, doc, raw)
	case loc.kind == '{' && loc.depth == 0:
		root.appended(!loc.empty, t.member, t.escaped, len(raw))
		return insert(dst, doc, loc.close, !loc.empty, t.member, raw), nil
	case loc.kind == '{':
		root.replaced(loc.close, loc.close, commaLen(!loc.empty)+len(t.member)+len(raw))
		return insert(dst, doc, loc.close, !loc.empty, t.member, raw), nil
	}

	// The parent is an array: append when the index is the next one;
	// sjson pads an index past the end with nulls.
	if n, _ := arrayIndex(key); key == "-1" || n == loc.count {
		root.replaced(loc.close, loc.close, commaLen(!loc.empty)+len(raw))
		return insert(dst, doc, loc.close, !loc.empty, nil, raw), nil
	}
	root.forget()
	return t.slowSet(dst, doc, raw)
}

// commaLen is the length of the comma that insert writes.
func commaLen(comma bool) int {
	if comma {
		return 1
	}
	return 0
}

func (t *target) slowSet(dst, doc, raw []byte) ([]byte, error) {
	out, err := sjson.SetRawBytes(doc, t.sjson, raw)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", t.text, err)
	}
	return append(dst, out...), nil
}

// notObject is the error for an ancestor that is not an object (or an
// array, for an index), which an edit never replaces silently.
func (t *target) notObject(doc []byte, loc location) error {
	anc := gjson.ParseBytes(doc[loc.ancFrom:loc.ancTo])
	return fmt.Errorf("cannot set %s: %s is %s, not an object", t.text, joinKeys(t.keys[:loc.depth]), describe(anc))
}

// delete appends to dst the document doc without the field and returns
// the extended dst, or returns doc itself and false when the field is
// missing. root then describes the returned document.
func (t *target) delete(dst, doc []byte, root *rootState) ([]byte, bool, error) {
	loc, err := locate(doc, t.keys, root)
	if err != nil {
		return doc, false, err
	}
	last := len(t.keys) - 1
	if !loc.found && t.keys[last] == "-1" && loc.depth == last && loc.kind == '[' && loc.count > 0 {
		// As in sjson, deleting index -1 deletes the last element.
		keys := append(t.keys[:last:last], strconv.Itoa(loc.count-1))
		if loc, err = locate(doc, keys, root); err != nil {
			return doc, false, err
		}
	}
	if !loc.found {
		return doc, false, nil
	}
	if last == 0 {
		root.forget() // a root member went away
	} else {
		root.replaced(loc.cutFrom, loc.cutTo, 0)
	}
	dst = append(dst, doc[:loc.cutFrom]...)
	return append(dst, doc[loc.cutTo:]...), true, nil
}

// splice appends doc with doc[from:to] replaced by raw to dst.
func splice(dst, doc []byte, from, to int, raw []byte) []byte {
	dst = append(dst, doc[:from]...)
	dst = append(dst, raw...)
	return append(dst, doc[to:]...)
}

// insert appends doc to dst with member and raw inserted before the
// closing bracket at doc[close], after a comma when the container has
// members already.
func insert(dst, doc []byte, close int, comma bool, member, raw []byte) []byte {
	dst = append(dst, doc[:close]...)
	if comma {
		dst = append(dst, ',')
	}
	dst = append(dst, member...)
	dst = append(dst, raw...)
	return append(dst, doc[close:]...)
}

// arrayIndex parses key as an array index, as gjson and sjson read it:
// any run of decimal digits, leading zeros included. An index too large
// for an int is the largest int, which no array reaches.
func arrayIndex(key string) (int, bool) {
	if key == "" {
		return 0, false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < '0' || key[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(key, 10, 0)
	if err != nil {
		return math.MaxInt, true
	}
	return int(n), true
}

// joinKeys writes keys back as a path, for messages.
func joinKeys(keys []string) string {
	escaped := make([]string, len(keys))
	for i, k := range keys {
		escaped[i] = gjson.Escape(k)
	}
	return strings.Join(escaped, ".")
}

// describe names the JSON type of r with an article, for messages.
func describe(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return "a string"
	case gjson.Number:
		return "a number"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Null:
		return "null"
	}
	if r.IsArray() {
		return "an array"
	}
	if r.IsObject() {
		return "an object"
	}
	return "not JSON"
}
