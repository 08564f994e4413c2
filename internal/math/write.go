package math

import (
	"fmt"
	"unsafe"

	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/field"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// target is the destination of an assignment in the value, prepared once.
type target struct {
	path    string   // the gjson path, as written
	keys    []string // the unescaped keys, outermost first
	parents []string // parents[j] is the gjson path of keys[:j+1]
}

func newTarget(p *field.Path) *target {
	text := p.GJSON()
	t := &target{path: text, keys: p.Keys()}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '.':
			t.parents = append(t.parents, text[:i])
		}
	}
	return t
}

// set writes raw, a JSON text, at t in the JSON object doc, and returns
// the new value in dst's memory. doc is not changed. old is the field's
// current JSON text when the caller read it from doc, or "".
//
// An existing field is replaced in place. A missing one is appended after
// the last member of its nearest existing parent, with the missing parent
// objects created around it. A parent that is not an object is an error.
func (t *target) set(dst, doc, raw []byte, old string) ([]byte, error) {
	if at, ok := offsetIn(doc, old); ok {
		return splice(dst, doc, at, at+len(old), raw), nil
	}

	text := unsafe.String(unsafe.SliceData(doc), len(doc))
	if r := gjson.Get(text, t.path); r.Exists() {
		if !located(text, r) {
			return sjson.SetRawBytes(doc, t.path, raw)
		}
		return splice(dst, doc, r.Index, r.Index+len(r.Raw), raw), nil
	}

	start, end := objectBounds(doc)
	depth := 0
	for j := len(t.parents) - 1; j >= 0; j-- {
		r := gjson.Get(text, t.parents[j])
		if !r.Exists() {
			continue
		}
		if !r.IsObject() {
			return nil, fmt.Errorf("cannot set %s: %s is %s, not an object", t.path, t.parents[j], describe(r))
		}
		if !located(text, r) {
			return sjson.SetRawBytes(doc, t.path, raw)
		}
		start, end, depth = r.Index, r.Index+len(r.Raw), j+1
		break
	}
	return insertMember(dst, doc, start, end, t.keys[depth:], raw), nil
}

// splice writes doc to dst with doc[from:to] replaced by raw.
func splice(dst, doc []byte, from, to int, raw []byte) []byte {
	dst = append(dst[:0], doc[:from]...)
	dst = append(dst, raw...)
	return append(dst, doc[to:]...)
}

// offsetIn returns where s lies in doc, when s is a non-empty string that
// points into doc's memory.
func offsetIn(doc []byte, s string) (int, bool) {
	if s == "" || len(doc) == 0 {
		return 0, false
	}
	at := int(uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.SliceData(doc))))
	return at, at > 0 && at <= len(doc)-len(s)
}

// located reports whether gjson found the place of r in text. gjson leaves
// Index at 0 when it did not, and 0 is never a field inside an object.
func located(text string, r gjson.Result) bool {
	return r.Index > 0 && r.Index+len(r.Raw) <= len(text) && text[r.Index:r.Index+len(r.Raw)] == r.Raw
}

// insertMember writes doc to dst with a new member added at the end of
// the object doc[start:end]: "k1":{"k2":raw} for keys k1, k2.
func insertMember(dst, doc []byte, start, end int, keys []string, raw []byte) []byte {
	last := end - 2 // the byte before the closing brace
	for last > start && isSpace(doc[last]) {
		last--
	}
	dst = append(dst[:0], doc[:last+1]...)
	if last > start {
		dst = append(dst, ',')
	}
	for i, key := range keys {
		dst = expr.AppendJSONString(dst, key)
		dst = append(dst, ':')
		if i < len(keys)-1 {
			dst = append(dst, '{')
		}
	}
	dst = append(dst, raw...)
	for range len(keys) - 1 {
		dst = append(dst, '}')
	}
	return append(dst, doc[last+1:]...)
}

// objectBounds returns where the object that doc holds begins and ends,
// without the white space around it.
func objectBounds(doc []byte) (int, int) {
	start, end := 0, len(doc)
	for start < end && isSpace(doc[start]) {
		start++
	}
	for end > start && isSpace(doc[end-1]) {
		end--
	}
	return start, end
}

// describe names the type of a JSON value for messages.
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
	return "an object"
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
