package lua

import (
	"errors"
	"strconv"
	"unsafe"

	"github.com/etelgo/etelgo/internal/jsonscan"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/tidwall/gjson"
)

// document is a record value that a script reads and edits in place.
//
// Reads run gjson over the current bytes. A write splices the new member's
// bytes into a copy of the value and leaves every other byte as it was.
// So a field the script does not touch comes out byte for byte, because
// its big integers, 1.0, escapes, spacing and key order never pass
// through Lua.
// The input bytes themselves are never written to, which keeps the input
// record intact when the script fails.
type document struct {
	buf []byte // current value: the input's bytes until the first write; nil is a tombstone

	// spare are the owned buffers that writes alternate between, so that
	// steady-state edits do not allocate.
	spare [2][]byte
	next  int

	// version counts writes. Value proxies cache where their container
	// sits in buf and look it up again when the version moved on.
	version uint64

	state docState

	// validate checks a plain line as JSON in full; without it, a line
	// that is an object gets jsonscan.CheckObject's check of its root members.
	validate bool
	// plain is set for a value read from a plain line. In an envelope
	// stream a value is JSON only by the rule of record.IsEmbeddableJSON.
	plain bool
	// fault is the error of a plain line that looks like JSON and is not,
	// once root has checked it.
	fault error

	// last is the member found by the last key lookup, because a script
	// that reads a field often writes it next (rec.n = rec.n + 1).
	last struct {
		version uint64
		obj     int // start of the object searched
		key     string
		r       gjson.Result
		at      span
	}

	// elements caches the element spans of one array, so that a loop
	// such as `for i = 1, #arr do f(arr[i]) end` scans the array once
	// instead of once per index. It is filled by arrayLen, and by
	// lookupIndex on the second lookup in the same array.
	elements struct {
		version uint64
		arr     int  // start of the array whose spans are cached
		filled  bool // spans holds the array's elements
		spans   []span
	}
}

// docState records whether buf was found to be JSON. The check runs once
// per value, on the first access, so a script that only reads metadata
// costs no pass over the value.
type docState uint8

const (
	docUnchecked docState = iota
	docJSON
	docNotJSON
)

// span is the location of a JSON value in a document's buf: buf[start:end].
type span struct{ start, end int }

// reset points d at a new value without copying it.
func (d *document) reset(raw []byte) {
	d.buf = raw
	d.version++
	d.state = docUnchecked
	d.fault = nil
}

// setOwned replaces the value with a copy of raw (nil makes a tombstone).
func (d *document) setOwned(raw []byte) {
	if raw == nil {
		d.reset(nil)
		return
	}
	d.spare[d.next] = append(d.spare[d.next][:0], raw...)
	if d.spare[d.next] == nil {
		d.spare[d.next] = []byte{} // an empty value, which is not a tombstone
	}
	dst := d.spare[d.next]
	d.next ^= 1
	d.reset(dst)
}

// root returns the span of the whole value without surrounding white space
// and its first byte, or ok false when the value is a tombstone or not JSON.
func (d *document) root() (s span, kind byte, ok bool) {
	if d.buf == nil {
		return span{}, 0, false
	}
	start, end := 0, len(d.buf)
	for start < end && isSpace(d.buf[start]) {
		start++
	}
	for end > start && isSpace(d.buf[end-1]) {
		end--
	}
	if start == end {
		d.state = docNotJSON // an empty value, which field writes skip in an envelope
		return span{}, 0, false
	}

	if d.state == docUnchecked {
		d.state, d.fault = d.check(start, end)
	}
	if d.state != docJSON {
		return span{}, 0, false
	}
	return span{start, end}, d.buf[start], true
}

// check classifies buf, whose bytes other than the spaces around it are
// buf[start:end], and returns why a plain line that looks like a JSON
// object or array is not JSON.
func (d *document) check(start, end int) (docState, error) {
	if !d.plain {
		if record.IsEmbeddableJSON(d.buf) {
			return docJSON, nil
		}
		return docNotJSON, nil
	}

	first, last := d.buf[start], d.buf[end-1]
	if first == '{' && last == '}' && !d.validate {
		if err := jsonscan.CheckObject(d.buf); err != nil {
			return docNotJSON, err
		}
		return docJSON, nil
	}
	if record.ValidJSON(d.buf) {
		return docJSON, nil
	}
	if first == '{' || first == '[' {
		return docNotJSON, errors.New("the line is not valid JSON")
	}
	return docNotJSON, nil
}

// view returns the bytes of s as a string without copying. The string is
// valid only until the next write, so callers copy what they keep.
func (d *document) view(s span) string {
	b := d.buf[s.start:s.end]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// lookup finds the member named by the gjson path component comp (an
// escaped object key or an array index) inside the container at c. The
// Result's Index is relative to c.start and its strings point into buf.
func (d *document) lookup(c span, comp string) gjson.Result {
	return gjson.Get(d.view(c), comp)
}

// lookupKey finds the object member key inside the object at c. It
// returns the value's span within buf.
func (d *document) lookupKey(obj span, key string) (gjson.Result, span, bool) {
	if key == "" {
		// A gjson path cannot name the empty key, so walk the members.
		return d.scanKey(obj, key)
	}
	if c := &d.last; c.version == d.version && c.obj == obj.start && c.key == key {
		return c.r, c.at, true
	}
	r := d.lookup(obj, escapeKey(key))
	if !r.Exists() || r.Index <= 0 {
		return r, span{}, false
	}
	at := span{obj.start + r.Index, obj.start + r.Index + len(r.Raw)}
	d.last.version, d.last.obj, d.last.key, d.last.r, d.last.at = d.version, obj.start, key, r, at
	return r, at, true
}

// scanKey finds key by walking the object's members, for the keys that a
// gjson path cannot express.
func (d *document) scanKey(obj span, key string) (gjson.Result, span, bool) {
	var found gjson.Result
	var at span
	ok := false
	parsed := gjson.Result{Type: gjson.JSON, Raw: d.view(obj)}
	parsed.ForEach(func(k, v gjson.Result) bool {
		if k.Str == key {
			found, ok = v, true
			at = span{obj.start + v.Index, obj.start + v.Index + len(v.Raw)}
			return false
		}
		return true
	})
	return found, at, ok
}

// lookupIndex finds element i (0-based) of the array at arr.
func (d *document) lookupIndex(arr span, i int) (gjson.Result, span, bool) {
	c := &d.elements
	cached := c.version == d.version && c.arr == arr.start
	if cached && !c.filled {
		d.scanElements(arr) // a second lookup in this array: index it
	}
	if cached {
		if i < 0 || i >= len(c.spans) {
			return gjson.Result{}, span{}, false
		}
		at := c.spans[i]
		return gjson.Parse(d.view(at)), at, true
	}

	c.version, c.arr, c.filled = d.version, arr.start, false
	r := d.lookup(arr, strconv.Itoa(i))
	if !r.Exists() || r.Index <= 0 {
		return r, span{}, false
	}
	at := arr.start + r.Index
	return r, span{at, at + len(r.Raw)}, true
}

// arrayLen counts the elements of the array at arr.
func (d *document) arrayLen(arr span) int {
	c := &d.elements
	if !c.filled || c.version != d.version || c.arr != arr.start {
		d.scanElements(arr)
	}
	return len(c.spans)
}

// scanElements fills the element cache with the spans of the array at arr.
func (d *document) scanElements(arr span) {
	c := &d.elements
	c.version, c.arr, c.filled = d.version, arr.start, true
	c.spans = c.spans[:0]
	parsed := gjson.Result{Type: gjson.JSON, Raw: d.view(arr)}
	parsed.ForEach(func(_, v gjson.Result) bool {
		start := arr.start + v.Index
		c.spans = append(c.spans, span{start, start + len(v.Raw)})
		return true
	})
}

// splice replaces buf[start:end] with the concatenation of parts, writing
// into the spare buffer so that buf (possibly the input) stays intact.
func (d *document) splice(start, end int, parts ...[]byte) {
	n := len(d.buf) - (end - start)
	for _, p := range parts {
		n += len(p)
	}
	dst := d.spare[d.next][:0]
	if cap(dst) < n {
		dst = make([]byte, 0, n+n/4)
	}
	dst = append(dst, d.buf[:start]...)
	for _, p := range parts {
		dst = append(dst, p...)
	}
	dst = append(dst, d.buf[end:]...)

	d.spare[d.next] = dst
	d.next ^= 1
	d.buf = dst
	d.version++
}

// setKey sets member key of the object at obj to the JSON text value: in
// place when the key exists, appended after the last member otherwise.
// quotedKey is key as a JSON string, used only when the key is added.
func (d *document) setKey(obj span, key string, quotedKey, value []byte) {
	if _, at, ok := d.lookupKey(obj, key); ok {
		d.splice(at.start, at.end, value)
		return
	}
	at, empty := d.insertionPoint(obj)
	if empty {
		d.splice(at, at, quotedKey, colon, value)
		return
	}
	d.splice(at, at, comma, quotedKey, colon, value)
}

// appendElement adds value as the last element of the array at arr.
func (d *document) appendElement(arr span, value []byte) {
	at, empty := d.insertionPoint(arr)
	if empty {
		d.splice(at, at, value)
		return
	}
	d.splice(at, at, comma, value)
}

// insertionPoint returns the offset just after the last member of the
// container at c (before any white space and the closing bracket), and
// whether the container is empty.
func (d *document) insertionPoint(c span) (int, bool) {
	i := c.end - 1 // the closing bracket
	for i > c.start+1 && isSpace(d.buf[i-1]) {
		i--
	}
	return i, i == c.start+1
}

// deleteKey removes member key, with the comma that joined it to its
// neighbour, from the object at obj. A missing key is not an error.
func (d *document) deleteKey(obj span, key string) {
	prevEnd, keyStart, valueEnd, nextKey := -1, -1, -1, -1
	parsed := gjson.Result{Type: gjson.JSON, Raw: d.view(obj)}
	parsed.ForEach(func(k, v gjson.Result) bool {
		if keyStart >= 0 {
			nextKey = k.Index
			return false
		}
		if k.Str == key {
			keyStart, valueEnd = k.Index, v.Index+len(v.Raw)
			return true
		}
		prevEnd = v.Index + len(v.Raw)
		return true
	})
	if keyStart < 0 {
		return
	}

	// With a next member, cut up to its key, which takes the comma after
	// the member. Otherwise cut from the previous value's end, which takes
	// the comma before it. Either way the other members keep their spacing.
	switch {
	case nextKey >= 0:
		d.splice(obj.start+keyStart, obj.start+nextKey)
	case prevEnd >= 0:
		d.splice(obj.start+prevEnd, obj.start+valueEnd)
	default:
		d.splice(obj.start+keyStart, obj.start+valueEnd)
	}
}

var (
	comma = []byte{','}
	colon = []byte{':'}
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// escapeKey returns key as one gjson path component.
func escapeKey(key string) string { return gjson.Escape(key) }

// skipsValueEdits reports whether field writes on the record's value are
// skipped, as every stage skips value edits: for a tombstone, and for an
// envelope value that is not JSON. Call it after the root was resolved.
func (st *recordState) skipsValueEdits() bool {
	return st.doc.buf == nil || (!st.doc.plain && st.doc.state == docNotJSON)
}
