package lua

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	glua "github.com/yuin/gopher-lua"
)

// node is a JSON object or array inside a record value: the userdata
// behind `rec` and behind `rec.customer`. A node is a view by path, not a
// copy. It finds its bytes again in the record's current value on every
// access, so it always shows the latest edits.
type node struct {
	rec *recordState
	gen uint64 // rec.gen when the node was made; a later generation is a later record

	parent  *node // nil for the record's whole value
	key     string
	index   int  // 0-based element index, when inArray
	inArray bool // the node is an element of an array, not a member of an object

	// The node's last known location, valid while version equals the
	// document's version.
	version uint64
	at      span
	kind    byte // '{', '[', or the first byte of a scalar
	found   bool
}

// resolve finds the node's bytes in the current value. found is false
// when the path no longer leads anywhere, or the root is a tombstone or
// not JSON.
func (n *node) resolve() (span, byte, bool) {
	d := &n.rec.doc
	if n.version == d.version {
		return n.at, n.kind, n.found
	}

	var at span
	var kind byte
	found := false
	if n.parent == nil {
		at, kind, found = d.root()
	} else if pat, pkind, ok := n.parent.resolve(); ok {
		switch {
		case pkind == '{' && !n.inArray:
			_, at, found = d.lookupKey(pat, n.key)
		case pkind == '[' && n.inArray:
			_, at, found = d.lookupIndex(pat, n.index)
		}
		if found {
			kind = d.buf[at.start]
		}
	}

	n.version, n.at, n.kind, n.found = d.version, at, kind, found
	return at, kind, found
}

// appendJSON appends the node's current JSON text. A whole value that is
// not JSON is written as a JSON string, and a tombstone as null.
func (n *node) appendJSON(dst []byte) ([]byte, error) {
	if n.gen != n.rec.gen {
		return dst, fmt.Errorf("%s belongs to an earlier record, whose value is gone", n.path())
	}
	if at, _, ok := n.resolve(); ok {
		return append(dst, n.rec.doc.buf[at.start:at.end]...), nil
	}
	if n.parent == nil {
		if n.rec.doc.buf == nil {
			return append(dst, "null"...), nil
		}
		return appendString(dst, string(n.rec.doc.buf)), nil
	}
	return dst, errNodeGone(n)
}

// path returns the node's location for messages, such as rec.items[2].sku.
func (n *node) path() string {
	if n.parent == nil {
		return "rec"
	}
	if n.inArray {
		return n.parent.path() + "[" + itoa(n.index+1) + "]"
	}
	if isIdentifier(n.key) {
		return n.parent.path() + "." + n.key
	}
	return n.parent.path() + "[" + quoteLua(n.key) + "]"
}

// samePath reports whether two nodes view the same place of one record.
func (n *node) samePath(o *node) bool {
	for n != nil && o != nil {
		if n.rec != o.rec || n.inArray != o.inArray || n.key != o.key || n.index != o.index {
			return false
		}
		n, o = n.parent, o.parent
	}
	return n == nil && o == nil
}

// newNode wraps n in a userdata with the value metatable.
func (e *env) newNode(n *node) *glua.LUserData {
	ud := e.L.NewUserData()
	ud.Value = n
	ud.Metatable = e.valueMeta
	return ud
}

// checkNode returns argument i as a live node, raising a Lua error when it
// is not one or belongs to a record whose call has ended.
func (e *env) checkNode(L *glua.LState, i int) *node {
	ud, ok := L.Get(i).(*glua.LUserData)
	if ok {
		if n, ok := ud.Value.(*node); ok {
			e.checkLive(L, n)
			return n
		}
	}
	L.ArgError(i, "record value expected, got "+typeName(L.Get(i)))
	return nil
}

// checkLive raises a Lua error for a node of an input record whose call
// has ended, since its bytes belong to the reader by now.
func (e *env) checkLive(L *glua.LState, n *node) {
	if n.gen != n.rec.gen {
		L.RaiseError("%s belongs to an earlier record, whose value is gone; keep a copy instead (json.decode(json.encode(v)) or record.new(rec))", n.path())
	}
}

// child returns what sits at r inside n: a node for an object or array,
// a Lua value for a scalar.
func (e *env) child(n *node, r gjson.Result, container span, key string, index int, inArray bool) glua.LValue {
	if r.IsObject() || r.IsArray() {
		return e.newNode(&node{rec: n.rec, gen: n.gen, parent: n, key: key, index: index, inArray: inArray})
	}
	return e.scalar(r, n.rec.doc.view(container))
}

// openValue sets the metatable of value proxies.
func (e *env) openValue(L *glua.LState) {
	mt := L.NewTable()
	L.SetFuncs(mt, map[string]glua.LGFunction{
		"__index":    e.valueIndex,
		"__newindex": e.valueNewIndex,
		"__len":      e.valueLen,
		"__tostring": e.valueToString,
		"__pairs":    e.valuePairs,
		"__ipairs":   e.valueIPairs,
		"__eq": func(L *glua.LState) int {
			a, b := e.checkNode(L, 1), e.checkNode(L, 2)
			L.Push(glua.LBool(a.samePath(b)))
			return 1
		},
	})
	mt.RawSetString("__metatable", glua.LString("record value"))
	e.valueMeta = mt
}

// valueIndex reads rec.name or arr[i]. Missing members, null, and reads
// from values that are not objects or arrays are all nil.
func (e *env) valueIndex(L *glua.LState) int {
	n := e.checkNode(L, 1)
	at, kind, ok := n.resolve()
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	d := &n.rec.doc

	switch kind {
	case '{':
		if key, isString := L.Get(2).(glua.LString); isString {
			if r, _, found := d.lookupKey(at, string(key)); found {
				L.Push(e.child(n, r, at, string(key), 0, false))
				return 1
			}
		}
	case '[':
		if i, isIndex := arrayIndex(L.Get(2)); isIndex {
			if r, _, found := d.lookupIndex(at, i-1); found {
				L.Push(e.child(n, r, at, "", i-1, true))
				return 1
			}
		}
	}
	L.Push(glua.LNil)
	return 1
}

// valueNewIndex writes rec.name = v or arr[i] = v. On an object, nil
// deletes the member; on an array, nil writes null so that the indexes of
// the following elements stay the same. Deleting from a value that is not
// an object (a tombstone, text) does nothing, as deleting a missing key.
func (e *env) valueNewIndex(L *glua.LState) int {
	n := e.checkNode(L, 1)
	target, value := L.Get(2), L.Get(3)
	at, kind, ok := n.resolve()
	if !ok && n.parent == nil && n.rec.skipsValueEdits() {
		return 0 // a tombstone or an envelope value that is not JSON passes unchanged
	}
	if !ok || (kind != '{' && kind != '[') {
		if value == glua.LNil && kind != '[' {
			return 0 // nothing to delete, as for a missing key
		}
		L.RaiseError("cannot set %s on %s: %s", keyText(target), n.path(), e.describe(n))
	}
	d := &n.rec.doc

	if kind == '{' {
		key, isString := target.(glua.LString)
		if !isString {
			L.RaiseError("cannot set %s on %s: JSON object keys are strings (write [\"%s\"])", keyText(target), n.path(), keyText(target))
		}
		if value == glua.LNil {
			d.deleteKey(at, string(key))
			return 0
		}
		e.encodeArg(L, value, n, string(key), 0)
		e.keyScratch = appendString(e.keyScratch[:0], string(key))
		d.setKey(at, string(key), e.keyScratch, e.scratch)
		return 0
	}

	i, isIndex := arrayIndex(target)
	if !isIndex {
		L.RaiseError("cannot set %s on the array %s: array indexes are whole numbers from 1", keyText(target), n.path())
	}
	length := d.arrayLen(at)
	if i > length+1 {
		L.RaiseError("cannot set %s[%d]: the array has %d elements, so the next one is %d", n.path(), i, length, length+1)
	}
	e.encodeArg(L, value, n, "", i)
	if i == length+1 {
		d.appendElement(at, e.scratch)
		return 0
	}
	_, elem, _ := d.lookupIndex(at, i-1)
	d.splice(elem.start, elem.end, e.scratch)
	return 0
}

// encodeArg encodes v as JSON into e.scratch, raising a Lua error that
// names the target, n.key or n[index], on failure.
func (e *env) encodeArg(L *glua.LState, v glua.LValue, n *node, key string, index int) {
	out, err := e.appendJSON(e.scratch[:0], v, 0)
	if err != nil {
		target := n.path() + "[" + itoa(index) + "]"
		if key != "" || index == 0 {
			target = n.path() + "." + key
		}
		L.RaiseError("cannot set %s: %v", target, err)
	}
	e.scratch = out
}

// describe names what n is, for a write that needs an object or array.
func (e *env) describe(n *node) string {
	at, kind, ok := n.resolve()
	switch {
	case ok:
		_ = at
		return "it is " + kindName(kind) + ", not an object or array"
	case n.parent != nil:
		return "it no longer exists"
	case n.rec.doc.buf == nil:
		return "the value is a tombstone (null); set a whole value with record.set_raw"
	case n.rec.doc.fault != nil:
		return n.rec.doc.fault.Error()
	}
	return "the value is not JSON; read and set it whole with record.raw and record.set_raw"
}

// kindName names the JSON type that starts with byte c.
func kindName(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// valueLen is # : the element count of an array, 0 for anything else, as
// for a Lua table without list entries.
func (e *env) valueLen(L *glua.LState) int {
	n := e.checkNode(L, 1)
	at, kind, ok := n.resolve()
	if ok && kind == '[' {
		L.Push(glua.LNumber(n.rec.doc.arrayLen(at)))
		return 1
	}
	L.Push(glua.LNumber(0))
	return 1
}

// valueToString returns the current JSON text of the value.
func (e *env) valueToString(L *glua.LState) int {
	n := e.checkNode(L, 1)
	if n.parent == nil && n.rec.doc.buf != nil {
		if _, _, ok := n.resolve(); !ok {
			L.Push(glua.LString(n.rec.doc.buf)) // text that is not JSON
			return 1
		}
	}
	out, err := n.appendJSON(e.scratch[:0])
	if err != nil {
		L.RaiseError("%v", err)
	}
	e.scratch = out
	L.Push(glua.LString(out))
	return 1
}

// valuePairs returns an iterator over the members of an object (key,
// value) or the elements of an array (index, value), in the order of the
// value's bytes when pairs was called. Null comes as json.null, so that
// every member is visited.
func (e *env) valuePairs(L *glua.LState) int {
	return e.iterate(L, false)
}

// valueIPairs is ipairs: the elements of an array, all of them (null as
// json.null), and nothing for an object.
func (e *env) valueIPairs(L *glua.LState) int {
	return e.iterate(L, true)
}

func (e *env) iterate(L *glua.LState, arraysOnly bool) int {
	n := e.checkNode(L, 1)
	var items []glua.LValue
	if at, kind, ok := n.resolve(); ok && (kind == '[' || (kind == '{' && !arraysOnly)) {
		d := &n.rec.doc
		parsed := gjson.Result{Type: gjson.JSON, Raw: d.view(at)}
		i := 0
		parsed.ForEach(func(k, v gjson.Result) bool {
			var key glua.LValue
			var child glua.LValue
			if kind == '[' {
				key = glua.LNumber(i + 1)
				child = e.child(n, v, at, "", i, true)
			} else {
				name := k.Str
				if within(name, parsed.Raw) {
					name = strings.Clone(name)
				}
				key = glua.LString(name)
				child = e.child(n, v, at, name, 0, false)
			}
			if v.Type == gjson.Null {
				child = e.null
			}
			items = append(items, key, child)
			i++
			return true
		})
	}

	next := 0
	L.Push(L.NewFunction(func(L *glua.LState) int {
		if next >= len(items) {
			L.Push(glua.LNil)
			return 1
		}
		L.Push(items[next])
		L.Push(items[next+1])
		next += 2
		return 2
	}))
	L.Push(L.Get(1))
	L.Push(glua.LNil)
	return 3
}

// arrayIndex returns a Lua key as a 1-based array index.
func arrayIndex(v glua.LValue) (int, bool) {
	f, ok := v.(glua.LNumber)
	if !ok {
		return 0, false
	}
	i := int(f)
	return i, float64(i) == float64(f) && i >= 1
}

// errNodeGone is the error for a proxy whose path no longer exists.
func errNodeGone(n *node) error {
	return &goneError{path: n.path()}
}

type goneError struct{ path string }

func (e *goneError) Error() string {
	return e.path + " no longer exists in the record (it was replaced or deleted)"
}

func itoa(i int) string { return strconv.Itoa(i) }

// isIdentifier reports whether s can follow a dot in Lua source.
func isIdentifier(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

// quoteLua quotes s as a Lua string literal for messages.
func quoteLua(s string) string { return strconv.Quote(s) }
