package lua

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// docOf returns a document over raw and the span of its root.
func docOf(t testing.TB, raw string) (*document, span) {
	t.Helper()
	d := &document{plain: true}
	d.reset([]byte(raw))
	at, _, ok := d.root()
	if !ok {
		t.Fatalf("root of %q: not a JSON value", raw)
	}
	return d, at
}

func TestDocumentSetKey(t *testing.T) {
	for _, c := range []struct {
		name, in, key, value, want string
	}{
		{"replace", `{"a":1,"b":2}`, "a", `"x"`, `{"a":"x","b":2}`},
		{"replace keeps spacing", `{ "a" : 1 , "b":2 }`, "a", `10`, `{ "a" : 10 , "b":2 }`},
		{"append", `{"a":1}`, "b", `[1.0]`, `{"a":1,"b":[1.0]}`},
		{"append keeps trailing space", `{"a":1 }`, "b", `2`, `{"a":1,"b":2 }`},
		{"append to empty", `{}`, "a", `null`, `{"a":null}`},
		{"append to empty with space", `{ }`, "a", `1`, `{"a":1 }`},
		{"dotted key", `{"a.b":1}`, "a.b", `2`, `{"a.b":2}`},
		{"key with @", `{"@timestamp":"x"}`, "@timestamp", `"y"`, `{"@timestamp":"y"}`},
		{"key with wildcard", `{"a*":1,"ab":2}`, "a*", `3`, `{"a*":3,"ab":2}`},
		{"numeric key", `{"0":1}`, "0", `2`, `{"0":2}`},
		{"empty key", `{"":1,"a":2}`, "", `3`, `{"":3,"a":2}`},
		{"escaped key in input", `{"a\u0062":1}`, "ab", `2`, `{"a\u0062":2}`},
		{"first of duplicates", `{"a":1,"a":2}`, "a", `3`, `{"a":3,"a":2}`},
		{"big integer untouched", `{"k":-9223372036854775808,"a":1}`, "a", `2`, `{"k":-9223372036854775808,"a":2}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, at := docOf(t, c.in)
			quoted := appendString(nil, c.key)
			d.setKey(at, c.key, quoted, []byte(c.value))
			if got := string(d.buf); got != c.want {
				t.Errorf("setKey(%q, %s) on %s = %s, want %s", c.key, c.value, c.in, got, c.want)
			}
		})
	}
}

func TestDocumentDeleteKey(t *testing.T) {
	for _, c := range []struct {
		name, in, key, want string
	}{
		{"first", `{"a":1,"b":2,"c":3}`, "a", `{"b":2,"c":3}`},
		{"middle", `{"a":1,"b":2,"c":3}`, "b", `{"a":1,"c":3}`},
		{"last", `{"a":1,"b":2,"c":3}`, "c", `{"a":1,"b":2}`},
		{"only", `{"a":1}`, "a", `{}`},
		{"missing", `{"a":1}`, "z", `{"a":1}`},
		{"pretty", "{\n  \"a\": 1,\n  \"b\": 2\n}", "a", "{\n  \"b\": 2\n}"},
		{"pretty last", "{\n  \"a\": 1,\n  \"b\": 2\n}", "b", "{\n  \"a\": 1\n}"},
		{"nested value", `{"a":{"x":[1,{"y":2}]},"b":2}`, "a", `{"b":2}`},
		{"empty key", `{"":1,"a":2}`, "", `{"a":2}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, at := docOf(t, c.in)
			d.deleteKey(at, c.key)
			if got := string(d.buf); got != c.want {
				t.Errorf("deleteKey(%q) on %q = %q, want %q", c.key, c.in, got, c.want)
			}
		})
	}
}

func TestDocumentAppendElement(t *testing.T) {
	for _, c := range []struct{ in, value, want string }{
		{`[]`, `1`, `[1]`},
		{`[ ]`, `1`, `[1 ]`},
		{`[1,2]`, `{"a":1}`, `[1,2,{"a":1}]`},
		{"[1,\n 2\n]", `3`, "[1,\n 2,3\n]"},
	} {
		d, at := docOf(t, c.in)
		d.appendElement(at, []byte(c.value))
		if got := string(d.buf); got != c.want {
			t.Errorf("appendElement(%s) on %q = %q, want %q", c.value, c.in, got, c.want)
		}
	}
}

func TestDocumentInputUntouched(t *testing.T) {
	input := []byte(`{"a":1,"b":2}`)
	keep := append([]byte(nil), input...)
	d := &document{}
	d.reset(input)
	at, _, _ := d.root()
	d.setKey(at, "a", []byte(`"a"`), []byte(`100`))
	at, _, _ = d.root()
	d.deleteKey(at, "b")
	at, _, _ = d.root()
	d.setKey(at, "c", []byte(`"c"`), []byte(`3`))

	if !bytes.Equal(input, keep) {
		t.Errorf("input changed to %s", input)
	}
	if got, want := string(d.buf), `{"a":100,"c":3}`; got != want {
		t.Errorf("value = %s, want %s", got, want)
	}
}

func TestDocumentRoot(t *testing.T) {
	for _, c := range []struct {
		in       string
		plain    bool
		validate bool
		kind     byte
		ok       bool
	}{
		{` {"a":1} `, true, false, '{', true},
		{`[1]`, true, false, '[', true},
		{`"text"`, true, false, '"', true},
		{`12`, true, false, '1', true},
		{`hello`, true, false, 0, false},
		{``, true, false, 0, false},
		{`   `, true, false, 0, false},
		{`{"a":1,"b":[1 2]}`, true, false, '{', true}, // nested values are matched, not checked
		{`{"a":}`, true, false, 0, false},
		{`{"a":1,,"b":2}`, true, false, 0, false},
		{`{a:1}`, true, false, 0, false},
		{`{"a":1,"b":[1 2]}`, true, true, 0, false},
		{`{"a":1}`, true, true, '{', true},
		{`[1,2}`, true, false, 0, false},
		{`{"a":1}`, false, false, '{', true},
		{` {"a":1}`, false, false, 0, false}, // value_text in an envelope
		{`{"a":1} `, false, false, 0, false},
		{`null`, false, false, 0, false},
		{`"text"`, false, false, '"', true},
	} {
		d := &document{validate: c.validate, plain: c.plain}
		d.reset([]byte(c.in))
		_, kind, ok := d.root()
		if kind != c.kind || ok != c.ok {
			t.Errorf("root(%q, plain %v, validate %v) = %q, %v; want %q, %v", c.in, c.plain, c.validate, kind, ok, c.kind, c.ok)
		}
	}
}

// FuzzDocumentEdits checks setKey and deleteKey against sjson, the
// reference: both must give the same JSON, and a replacement must leave
// every byte outside the member as it was.
func FuzzDocumentEdits(f *testing.F) {
	f.Add(`{"a":1,"b":{"c":[1,2]}}`, "a", `"x"`, false)
	f.Add(`{"a":1,"b":2}`, "b", `null`, true)
	f.Add(`{}`, "new", `{"n":1.0}`, false)
	f.Add(`{ "a" : 1 }`, "a", `2`, true)
	f.Add(`{"x.y":1,"@t":2}`, "x.y", `3`, false)
	f.Add(`{"@t":2}`, "@t", `3`, true)
	f.Add(`{"k":12345678901234567891}`, "z", `true`, false)
	f.Fuzz(func(t *testing.T, in, key, value string, del bool) {
		if !json.Valid([]byte(in)) || !json.Valid([]byte(value)) || !gjson.Valid(in) || !gjson.Valid(value) {
			return
		}
		d := &document{validate: true}
		d.reset([]byte(in))
		at, kind, ok := d.root()
		if !ok || kind != '{' || key == "" || hasDuplicateKeys(in) {
			return
		}

		var want []byte
		var err error
		path := gjson.Escape(key)
		if del {
			d.deleteKey(at, key)
			want, err = sjson.DeleteBytes([]byte(in), path)
		} else {
			d.setKey(at, key, appendString(nil, key), []byte(value))
			want, err = sjson.SetRawBytes([]byte(in), path, []byte(value))
		}
		// sjson reads a leading colon as "force an object key", so such keys
		// have no reference to compare with.
		if err != nil || !json.Valid(want) || strings.HasPrefix(key, ":") {
			return
		}

		if !json.Valid(d.buf) {
			t.Fatalf("edit of %q (key %q, value %q, delete %v) gave invalid JSON %q", in, key, value, del, d.buf)
		}
		if !sameJSON(t, d.buf, want) {
			t.Fatalf("edit of %q (key %q, value %q, delete %v) = %q, sjson gives %q", in, key, value, del, d.buf, want)
		}
	})
}

// hasDuplicateKeys reports whether any object in the JSON text repeats a
// key, which makes "the member" ambiguous.
func hasDuplicateKeys(s string) bool {
	dup := false
	var walk func(r gjson.Result)
	walk = func(r gjson.Result) {
		if !r.IsObject() && !r.IsArray() {
			return
		}
		seen := map[string]bool{}
		r.ForEach(func(k, v gjson.Result) bool {
			if r.IsObject() {
				if seen[k.Str] {
					dup = true
				}
				seen[k.Str] = true
			}
			walk(v)
			return !dup
		})
	}
	walk(gjson.Parse(s))
	return dup
}

// sameJSON compares two JSON texts as values, numbers by their text.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(raw []byte) any {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decode %q: %v", raw, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
