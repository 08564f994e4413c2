package lua

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/tidwall/gjson"
	glua "github.com/yuin/gopher-lua"
)

// maxDepth bounds the nesting of values that are encoded or decoded, so
// that a table which contains itself is an error instead of a stack
// overflow.
const maxDepth = 1000

// Metatable field that marks a table's JSON kind: "array" or "object".
// Tables from json.decode carry it, with an object's keys in order at
// indexes 1..n of the metatable, so that json.encode keeps the order.
const jsonKindField = "__json"

// scalar converts a JSON scalar to a Lua value: strings, numbers (integers
// beyond 2^53 as bigint), booleans, and nil for null. view is the string
// that r was read from. Strings that point into it are copied, because
// the next edit may overwrite the bytes under view.
func (e *env) scalar(r gjson.Result, view string) glua.LValue {
	switch r.Type {
	case gjson.String:
		if within(r.Str, view) {
			return glua.LString(strings.Clone(r.Str))
		}
		return glua.LString(r.Str)
	case gjson.Number:
		if n, ok := parseJSONInteger(r.Raw); ok {
			if n.big == nil {
				e.numbers.remember(n.f, r.Raw)
			}
			return e.number(n)
		}
		e.numbers.remember(r.Num, r.Raw)
		return glua.LNumber(r.Num)
	case gjson.True:
		return glua.LTrue
	case gjson.False:
		return glua.LFalse
	}
	return glua.LNil
}

// within reports whether s points into view's bytes.
func within(s, view string) bool {
	if len(s) == 0 || len(view) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	base := uintptr(unsafe.Pointer(unsafe.StringData(view)))
	return p >= base && p < base+uintptr(len(view))
}

// decode converts JSON text to Lua values, for json.decode: objects and
// arrays become tables marked with their kind (objects keep their key
// order), null becomes json.null, and integers beyond 2^53 become bigint.
func (e *env) decode(L *glua.LState, text string) (glua.LValue, error) {
	if !record.ValidJSON(unsafe.Slice(unsafe.StringData(text), len(text))) {
		return nil, syntaxError(text)
	}
	return e.decodeValue(L, gjson.Parse(text), 0)
}

func (e *env) decodeValue(L *glua.LState, r gjson.Result, depth int) (glua.LValue, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("JSON nested more than %d levels", maxDepth)
	}
	switch {
	case r.IsArray():
		t := L.NewTable()
		var err error
		r.ForEach(func(_, v gjson.Result) bool {
			var lv glua.LValue
			lv, err = e.decodeValue(L, v, depth+1)
			t.Append(lv)
			return err == nil
		})
		t.Metatable = e.arrayMeta
		return t, err
	case r.IsObject():
		t := L.NewTable()
		mt := L.NewTable()
		mt.RawSetString(jsonKindField, glua.LString("object"))
		var err error
		r.ForEach(func(k, v gjson.Result) bool {
			var lv glua.LValue
			lv, err = e.decodeValue(L, v, depth+1)
			if t.RawGetString(k.Str) == glua.LNil {
				mt.Append(glua.LString(k.Str))
			}
			t.RawSetString(k.Str, lv)
			return err == nil
		})
		t.Metatable = mt
		return t, err
	case r.Type == gjson.Null:
		return e.null, nil
	}
	// Strings from gjson.Parse point into text, an immutable Lua string.
	return e.scalar(r, ""), nil
}

// syntaxError describes why text is not JSON, with the byte offset that
// encoding/json finds.
func syntaxError(text string) error {
	var raw json.RawMessage
	err := json.Unmarshal([]byte(text), &raw)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	}
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return errors.New("invalid JSON")
}

// appendJSON appends v as JSON text. Tables become arrays or objects
// (see appendTable), value proxies their current bytes, bigint integer
// digits and json.null null. nil is null here; field assignment treats it
// as a deletion before calling this.
func (e *env) appendJSON(dst []byte, v glua.LValue, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, fmt.Errorf("value nested more than %d levels (does a table contain itself?)", maxDepth)
	}
	switch v := v.(type) {
	case *glua.LNilType:
		return append(dst, "null"...), nil
	case glua.LBool:
		if v {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case glua.LNumber:
		if raw, ok := e.numbers.lookup(float64(v)); ok {
			return append(dst, raw...), nil
		}
		out, err := appendNumber(dst, float64(v))
		if err != nil {
			return dst, fmt.Errorf("cannot write %s as JSON: %w", formatNumber(float64(v)), err)
		}
		return out, nil
	case glua.LString:
		return appendString(dst, string(v)), nil
	case *glua.LTable:
		return e.appendTable(dst, v, depth)
	case *glua.LUserData:
		switch u := v.Value.(type) {
		case *big.Int:
			return u.Append(dst, 10), nil
		case *node:
			return u.appendJSON(dst)
		}
		if v == e.null {
			return append(dst, "null"...), nil
		}
	}
	return dst, fmt.Errorf("cannot write a %s value as JSON", typeName(v))
}

// appendTable writes a table as a JSON array or object.
//
// A table marked by json.array or json.decode is an array: elements 1..n,
// with nil gaps written as null. One marked by json.object or json.decode
// is an object, keys in decoded order first, then new keys sorted. An
// unmarked table is an array when its keys are exactly 1..n, an object
// when they are all strings, and {} when empty; other key sets are errors.
func (e *env) appendTable(dst []byte, t *glua.LTable, depth int) ([]byte, error) {
	kind := ""
	var order *glua.LTable
	if mt, ok := t.Metatable.(*glua.LTable); ok {
		if k, ok := mt.RawGetString(jsonKindField).(glua.LString); ok {
			kind, order = string(k), mt
		}
	}

	strKeys, maxIndex, count := 0, 0, 0
	var bad glua.LValue
	t.ForEach(func(k, _ glua.LValue) {
		count++
		switch k := k.(type) {
		case glua.LString:
			strKeys++
		case glua.LNumber:
			if i := int(k); float64(i) == float64(k) && i >= 1 {
				maxIndex = max(maxIndex, i)
				return
			}
			bad = k
		default:
			bad = k
		}
	})
	if bad != nil {
		return dst, fmt.Errorf("cannot write a table with the key %s as JSON: keys must be strings (object) or 1, 2, 3... (array)", keyText(bad))
	}
	if strKeys > 0 && strKeys < count {
		return dst, errors.New("cannot write a table that mixes string keys and list indexes as JSON")
	}

	switch {
	case kind == "array":
		if strKeys > 0 {
			return dst, errors.New("cannot write an array table with string keys as JSON")
		}
		return e.appendArray(dst, t, maxIndex, depth)
	case strKeys > 0 || count == 0:
		return e.appendObject(dst, t, order, depth)
	case kind == "object":
		return dst, errors.New("cannot write an object table with number keys as JSON")
	case maxIndex != count:
		return dst, fmt.Errorf("cannot write a list with gaps as JSON (indexes up to %d, %d set): fill the gaps with json.null or mark it with json.array", maxIndex, count)
	}
	return e.appendArray(dst, t, maxIndex, depth)
}

func (e *env) appendArray(dst []byte, t *glua.LTable, n, depth int) ([]byte, error) {
	dst = append(dst, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = e.appendJSON(dst, t.RawGetInt(i), depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

func (e *env) appendObject(dst []byte, t *glua.LTable, order *glua.LTable, depth int) ([]byte, error) {
	var keys []string
	written := map[string]bool{}
	if order != nil {
		for i := 1; i <= order.Len(); i++ {
			if k, ok := order.RawGetInt(i).(glua.LString); ok && !written[string(k)] {
				written[string(k)] = true
				keys = append(keys, string(k))
			}
		}
	}
	var added []string
	t.ForEach(func(k, _ glua.LValue) {
		if s := string(k.(glua.LString)); !written[s] {
			added = append(added, s)
		}
	})
	sort.Strings(added)
	keys = append(keys, added...)

	dst = append(dst, '{')
	first := true
	for _, k := range keys {
		v := t.RawGetString(k)
		if v == glua.LNil {
			continue // a decoded key that the script set to nil
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = e.appendJSON(dst, v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendString appends s as a JSON string. Bytes that are not UTF-8 are
// written as U+FFFD, as encoding/json does, because JSON text is UTF-8.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// typeName names a Lua value's type for messages, telling the userdata
// of this package apart.
func typeName(v glua.LValue) string {
	if ud, ok := v.(*glua.LUserData); ok {
		switch ud.Value.(type) {
		case *big.Int:
			return "bigint"
		case *node:
			return "record value"
		case *metaProxy:
			return "metadata"
		case *headersProxy:
			return "headers"
		}
	}
	return v.Type().String()
}

// keyText shows a table key in a message.
func keyText(k glua.LValue) string {
	if n, ok := k.(glua.LNumber); ok {
		return formatNumber(float64(n))
	}
	if s, ok := k.(glua.LString); ok {
		return fmt.Sprintf("%q", string(s))
	}
	if b, ok := k.(glua.LBool); ok {
		return b.String()
	}
	return typeName(k)
}
