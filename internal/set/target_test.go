package set

import (
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

func mustTarget(t testing.TB, path string) *target {
	t.Helper()
	p, err := field.Compile(path)
	if err != nil {
		t.Fatalf("Compile(%q): %v", path, err)
	}
	return newTarget(p)
}

func TestTargetSet(t *testing.T) {
	cases := []struct {
		name, doc, path, raw, want string
	}{
		{"append top level", `{"a":1}`, "status", `"seen"`, `{"a":1,"status":"seen"}`},
		{"append to empty object", `{}`, "a", `1`, `{"a":1}`},
		{"append to empty object with spaces", `{ }`, "a", `1`, `{ "a":1}`},
		{"append keeps spaces before brace", `{"a":1 }`, "b", `2`, `{"a":1 ,"b":2}`},
		{"spaces around the line", `  {"a":1}  `, "b", `2`, `  {"a":1,"b":2}  `},
		{"replace first", `{"a":1,"b":2}`, "a", `"x"`, `{"a":"x","b":2}`},
		{"replace last", `{"a":1,"b":2}`, "b", `null`, `{"a":1,"b":null}`},
		{"replace object", `{"a":{"b":[1,2]},"c":3}`, "a", `0`, `{"a":0,"c":3}`},
		{"replace with spaces kept", `{ "a" : 1 , "b" : 2 }`, "a", `3`, `{ "a" : 3 , "b" : 2 }`},
		{"nested append", `{"a":{"b":1},"c":2}`, "a.x", `true`, `{"a":{"b":1,"x":true},"c":2}`},
		{"nested replace", `{"a":{"b":1},"c":2}`, "a.b", `5`, `{"a":{"b":5},"c":2}`},
		{"nested empty parent", `{"a":{},"c":2}`, "a.x", `1`, `{"a":{"x":1},"c":2}`},
		{"create parents", `{"a":1}`, "b.c.d", `1`, `{"a":1,"b":{"c":{"d":1}}}`},
		{"create under existing", `{"a":{"z":0}}`, "a.b.c", `1`, `{"a":{"z":0,"b":{"c":1}}}`},
		{"array element replace", `{"t":["a","b"]}`, "t.1", `"c"`, `{"t":["a","c"]}`},
		{"array element append", `{"t":["a","b"]}`, "t.2", `"c"`, `{"t":["a","b","c"]}`},
		{"array append -1", `{"t":["a"]}`, "t.-1", `"c"`, `{"t":["a","c"]}`},
		{"empty array append", `{"t":[]}`, "t.0", `1`, `{"t":[1]}`},
		{"array padding", `{"t":[1]}`, "t.3", `4`, `{"t":[1,null,null,4]}`},
		{"object in array", `{"t":[{"a":1}]}`, "t.0.b", `2`, `{"t":[{"a":1,"b":2}]}`},
		{"numeric key on object", `{"m":{"0":"x"}}`, "m.0", `"y"`, `{"m":{"0":"y"}}`},
		{"numeric key appended to object", `{"m":{}}`, "m.0", `"y"`, `{"m":{"0":"y"}}`},
		{"duplicate keys: first", `{"a":1,"a":2}`, "a", `3`, `{"a":3,"a":2}`},
		{"dotted key", `{"id.orig_h":"x"}`, `id\.orig_h`, `"y"`, `{"id.orig_h":"y"}`},
		{"dotted key appended", `{}`, `id\.orig_h`, `"y"`, `{"id.orig_h":"y"}`},
		{"at key", `{"@timestamp":1}`, `\@timestamp`, `2`, `{"@timestamp":2}`},
		{"wildcard characters in key", `{"a*b?":1}`, `a\*b\?`, `2`, `{"a*b?":2}`},
		{"operator characters in key", `{}`, `a\=b\:`, `1`, `{"a=b:":1}`},
		{"key with quote", `{"a\"b":1}`, `a"b`, `2`, `{"a\"b":2}`},
		{"key with quote appended", `{}`, `a"b`, `2`, `{"a\"b":2}`},
		{"key spelled with escapes", `{"\u0073tatus":1}`, `status`, `2`, `{"\u0073tatus":2}`},
		{"key beginning with colon created", `{}`, `a.\:b`, `1`, `{"a":{":b":1}}`},
		{"html characters not escaped", `{}`, `a<&>`, `"<&>"`, `{"a<&>":"<&>"}`},
		{"big integer kept", `{"id":12345678901234567891,"f":1.0,"g":1.50}`, "s", `1`, `{"id":12345678901234567891,"f":1.0,"g":1.50,"s":1}`},
		{"escapes kept", `{"e":"\u00e9\ud83d\ude00","x":"a\"b"}`, "s", `1`, `{"e":"\u00e9\ud83d\ude00","x":"a\"b","s":1}`},
		{"raw unicode kept", `{"e":"é😀𡎚"}`, "s", `"😀"`, `{"e":"é😀𡎚","s":"😀"}`},
		{"string with braces and escapes skipped", `{"a":"}\\\"{","b":1}`, "b", `2`, `{"a":"}\\\"{","b":2}`},
		{"nested containers skipped", `{"a":[{"x":"]"},[1,{}]],"b":1}`, "b", `2`, `{"a":[{"x":"]"},[1,{}]],"b":2}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tgt := mustTarget(t, tc.path)
			got, err := tgt.set(nil, []byte(tc.doc), []byte(tc.raw), nil)
			if err != nil {
				t.Fatalf("set: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("set %s=%s on %s:\n got %s\nwant %s", tc.path, tc.raw, tc.doc, got, tc.want)
			}
		})
	}
}

func TestTargetSetErrors(t *testing.T) {
	cases := []struct {
		name, doc, path, want string
	}{
		{"string parent", `{"a":"x"}`, "a.b", `cannot set a.b: a is a string, not an object`},
		{"number grandparent", `{"a":1}`, "a.b.c", `a is a number, not an object`},
		{"null parent", `{"a":null}`, "a.b", `a is null, not an object`},
		{"array with a key", `{"a":[1]}`, "a.b", `a is an array, not an object`},
		{"boolean in array", `{"a":[true]}`, "a.0.b", `a.0 is a boolean, not an object`},
		{"unterminated string", `{"a":"x,"b":1}`, "b", "not valid JSON"},
		{"missing colon", `{"a" 1}`, "a", "not valid JSON at byte 6"},
		{"not an object", `[1]`, "b", "not valid JSON at byte 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tgt := mustTarget(t, tc.path)
			_, err := tgt.set(nil, []byte(tc.doc), []byte("1"), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("set %s on %s: got error %v, want one containing %q", tc.path, tc.doc, err, tc.want)
			}
		})
	}
}

func TestTargetDelete(t *testing.T) {
	cases := []struct {
		name, doc, path, want string
	}{
		{"first of several", `{"a":1,"b":2,"c":3}`, "a", `{"b":2,"c":3}`},
		{"middle", `{"a":1,"b":2,"c":3}`, "b", `{"a":1,"c":3}`},
		{"last", `{"a":1,"b":2,"c":3}`, "c", `{"a":1,"b":2}`},
		{"only", `{"a":1}`, "a", `{}`},
		{"with spaces", `{ "a" : 1 , "b" : 2 }`, "a", `{ "b" : 2 }`},
		{"last with spaces", `{ "a" : 1 , "b" : 2 }`, "b", `{ "a" : 1 }`},
		{"nested", `{"a":{"x":1,"y":2},"b":3}`, "a.y", `{"a":{"x":1},"b":3}`},
		{"array element", `{"t":[1,2,3]}`, "t.1", `{"t":[1,3]}`},
		{"first array element", `{"t":[1,2,3]}`, "t.0", `{"t":[2,3]}`},
		{"only array element", `{"t":[1]}`, "t.0", `{"t":[]}`},
		{"escaped key", `{"a\"b":1,"c":2}`, `a"b`, `{"c":2}`},
		{"key with backslash before quote", `{"a\\":1,"c":2}`, `a\\`, `{"c":2}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tgt := mustTarget(t, tc.path)
			got, changed, err := tgt.delete(nil, []byte(tc.doc), nil)
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			if !changed {
				t.Fatalf("delete %s on %s: nothing changed", tc.path, tc.doc)
			}
			if string(got) != tc.want {
				t.Errorf("delete %s on %s:\n got %s\nwant %s", tc.path, tc.doc, got, tc.want)
			}
		})
	}

	for _, path := range []string{"x", "a.x", "a.b.c", "t.5"} {
		doc := []byte(`{"a":{"b":1},"t":[1]}`)
		got, changed, err := mustTarget(t, path).delete(nil, doc, nil)
		if err != nil || changed || string(got) != string(doc) {
			t.Errorf("delete of missing %s: got %s, %v, %v; want the document unchanged", path, got, changed, err)
		}
	}
}

func TestTargetGet(t *testing.T) {
	doc := []byte(`{"a":{"b":[10,{"c":"x\"y"}]},"n":12345678901234567891,"f":1.50,"s":"é"}`)
	cases := []struct{ path, want string }{
		{"a.b.0", "10"},
		{"a.b.1.c", `"x\"y"`},
		{"a.b.1", `{"c":"x\"y"}`},
		{"n", "12345678901234567891"},
		{"f", "1.50"},
		{"s", `"é"`},
	}
	for _, tc := range cases {
		raw, found, err := mustTarget(t, tc.path).get(doc, nil)
		if err != nil || !found || raw != tc.want {
			t.Errorf("get %s: got %q, %v, %v; want %q", tc.path, raw, found, err, tc.want)
		}
	}
	if _, found, _ := mustTarget(t, "a.z").get(doc, nil); found {
		t.Errorf("get of a missing field found something")
	}
}

// canonical rewrites a JSON document in one spelling, keeping key order
// and number text, so that outputs that differ only in spaces and in the
// escapes of strings compare equal.
func canonical(r gjson.Result) string {
	var b strings.Builder
	var walk func(r gjson.Result)
	walk = func(r gjson.Result) {
		switch {
		case r.IsObject():
			b.WriteByte('{')
			first := true
			r.ForEach(func(k, v gjson.Result) bool {
				if !first {
					b.WriteByte(',')
				}
				first = false
				b.Write(appendJSONString(nil, k.Str))
				b.WriteByte(':')
				walk(v)
				return true
			})
			b.WriteByte('}')
		case r.IsArray():
			b.WriteByte('[')
			for i, v := range r.Array() {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(v)
			}
			b.WriteByte(']')
		case r.Type == gjson.String:
			b.Write(appendJSONString(nil, r.Str))
		default:
			b.WriteString(r.Raw)
		}
	}
	walk(r)
	return b.String()
}

// escapeKey writes a key for a field path with every character that is
// not a letter or digit escaped.
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// FuzzTargetAgainstSJSON checks that the fast path gives the same
// document as plain sjson, the reference, for any object and path.
func FuzzTargetAgainstSJSON(f *testing.F) {
	seeds := []struct{ doc, path, raw string }{
		{`{"a":1}`, "status", `"seen"`},
		{`{"a":{"b":1},"c":[1,2]}`, "a.b", `2`},
		{`{"a":{"b":1},"c":[1,2]}`, "c.2", `3`},
		{`{"a":{"b":1},"c":[1,2]}`, "c.-1", `3`},
		{`{"a":{"b":1},"c":[1,2]}`, "x.y.z", `{"k":[]}`},
		{`{ "a" : { } , "b" : [ ] }`, "a.q", `null`},
		{`{ "a" : { } , "b" : [ ] }`, "b.0", `null`},
		{`{"a\"b":1,"\u0063":2}`, "c", `true`},
		{`{"a":"x"}`, "a.b", `1`},
		{`{"a":[{"x":1},{"y":2}]}`, "a.1.y", `3`},
		{`{"a":1,"a":2}`, "a", `3`},
		{`{}`, "0", `1`},
	}
	for _, s := range seeds {
		f.Add(s.doc, s.path, s.raw)
	}
	f.Fuzz(func(t *testing.T, doc, path, raw string) {
		if len(doc) > 4096 || len(path) > 64 || len(raw) > 256 {
			return
		}
		root := gjson.Parse(doc)
		if !gjson.Valid(doc) || !root.IsObject() || !gjson.Valid(raw) || strings.ContainsAny(doc+raw, "\n\r") {
			return
		}
		keys := strings.Split(path, ".")
		if len(keys) > 4 {
			return
		}
		escaped := make([]string, len(keys))
		for i, k := range keys {
			if k == "" {
				return
			}
			escaped[i] = escapeKey(k)
			if k == "-1" {
				escaped[i] = k
			}
		}
		p, err := field.Compile(strings.Join(escaped, "."))
		if err != nil {
			return
		}
		tgt := newTarget(p)
		rawJSON := gjson.Parse(raw).Raw

		// set
		got, err := tgt.set(nil, []byte(doc), []byte(rawJSON), nil)
		want, refErr := sjson.SetRawBytes([]byte(doc), tgt.sjson, []byte(rawJSON))
		switch {
		case err != nil && refErr != nil:
			// Both refuse, as for an array padded past sjson's limit.
		case err != nil:
			// The fast path refuses to replace a value that is not a
			// container; sjson would. Check that the refusal is right.
			if !strings.Contains(err.Error(), "not an object") {
				t.Fatalf("set %q on %s: unexpected error %v", path, doc, err)
			}
		case !gjson.ValidBytes(got):
			t.Fatalf("set %q on %s gave invalid JSON %s", path, doc, got)
		case refErr != nil || !gjson.ValidBytes(want):
			t.Logf("sjson failed where the fast path did not: %v", refErr)
		case canonical(gjson.ParseBytes(got)) != canonical(gjson.ParseBytes(want)):
			t.Fatalf("set %q=%s on %s:\nfast  %s\nsjson %s", path, rawJSON, doc, got, want)
		}

		// delete
		got, changed, err := tgt.delete(nil, []byte(doc), nil)
		if err != nil {
			t.Fatalf("delete %q on %s: %v", path, doc, err)
		}
		if changed && !gjson.ValidBytes(got) {
			t.Fatalf("delete %q on %s gave invalid JSON %s", path, doc, got)
		}
		want, refErr = sjson.DeleteBytes([]byte(doc), tgt.sjson)
		// sjson mangles a delete through a string parent, such as a.0 on
		// {"a":"[\""}; the fast path leaves the document alone.
		refBroken := refErr != nil || !gjson.ValidBytes(want)
		if !refBroken && canonical(gjson.ParseBytes(got)) != canonical(gjson.ParseBytes(want)) {
			t.Fatalf("delete %q on %s:\nfast  %s\nsjson %s", path, doc, got, want)
		}

		// get
		value, found, err := tgt.get([]byte(doc), nil)
		ref := gjson.Get(doc, sjsonToGJSON(tgt))
		if err != nil || found != ref.Exists() || (found && value != ref.Raw) {
			t.Fatalf("get %q on %s: got %q, %v, %v; gjson %q", path, doc, value, found, err, ref.Raw)
		}
	})
}

// sjsonToGJSON returns the target's path in gjson syntax.
func sjsonToGJSON(t *target) string {
	escaped := make([]string, len(t.keys))
	for i, k := range t.keys {
		escaped[i] = gjson.Escape(k)
	}
	return strings.Join(escaped, ".")
}

// FuzzTargetMalformed checks that the fast path neither panics nor
// reads out of bounds on bytes that only look like an object, which
// plain lines are without --validate.
func FuzzTargetMalformed(f *testing.F) {
	for _, seed := range []string{`{"a":1}`, `{"a":"x\"}`, `{"a":[1,{"b":}`, `{"a" "b"}`, `{,}`, `{"a":1,}`, `{"\`, `{"a":{"b":[}}`, `{]`} {
		f.Add(seed, "a.b")
		f.Add(seed, "a")
	}
	f.Fuzz(func(t *testing.T, doc, path string) {
		p, err := field.Compile(path)
		if err != nil || p.IsMeta() || len(doc) > 4096 {
			return
		}
		tgt := newTarget(p)
		out, err := tgt.set(nil, []byte(doc), []byte(`"x"`), nil)
		if err == nil && gjson.Valid(doc) && !gjson.ValidBytes(out) {
			t.Fatalf("set %q on valid %s gave invalid %s", path, doc, out)
		}
		tgt.delete(nil, []byte(doc), nil)
		tgt.get([]byte(doc), nil)
	})
}
