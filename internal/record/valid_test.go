package record

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidJSON(t *testing.T) {
	valid := []string{
		`{}`, `[]`, `0`, `-0`, `1.5e-3`, `12345678901234567891`, `"a\u00e9\n"`, `true`, `false`, `null`,
		` {"a" : [1, {"b":null}, "é😀"] } `, `[[[[]]]]`, `{"a":{},"b":[]}`, "\t\r\n1\n",
	}
	invalid := []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`,
		`"abc`, `"\x"`, `"\u12"`, "\"a\x01\"", "\"\xff\"", `tru`, `nul`, `[1 2]`, `{"a":1 "b":2}`,
		`1 2`, `[]]`, `{"a":1}}`, `[`, strings.Repeat("[", 100000), "\"\xed\xa0\x80\"",
	}
	for _, s := range valid {
		if !ValidJSON([]byte(s)) {
			t.Errorf("ValidJSON(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidJSON([]byte(s)) {
			t.Errorf("ValidJSON(%q) = true, want false", s)
		}
	}
	deep := strings.Repeat("[", 1000000) + strings.Repeat("]", 1000000)
	if !ValidJSON([]byte(deep)) {
		t.Errorf("deeply nested arrays are valid JSON")
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c"}]}`, `"\ud83d\ude00"`, `-1.5E+10`, "\"\xc3\xa9\"", `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// encoding/json is the reference: valid JSON whose strings are
		// valid UTF-8.
		want := json.Valid(b) && utf8.Valid(b)
		if got := ValidJSON(b); got != want {
			t.Fatalf("ValidJSON(%q) = %v, reference says %v", b, got, want)
		}
	})
}

func TestIndexEmbeddableObject(t *testing.T) {
	tests := []struct {
		in   string
		want []string // key raw, value raw, alternating
	}{
		{`{}`, nil},
		{`{"a":1}`, []string{`"a"`, `1`}},
		{`{ "a" : [1, {"b":2}] , "c\"d":"x,}" ,"e":{"f":{}}}`, []string{`"a"`, `[1, {"b":2}]`, `"c\"d"`, `"x,}"`, `"e"`, `{"f":{}}`}},
		{`{"a":null,"a":true}`, []string{`"a"`, `null`, `"a"`, `true`}},
	}
	for _, tc := range tests {
		var idx ObjectIndex
		if !IndexEmbeddableObject([]byte(tc.in), &idx) {
			t.Errorf("IndexEmbeddableObject(%s) = false", tc.in)
			continue
		}
		var got []string
		for _, m := range idx.Members {
			got = append(got, tc.in[m.KeyFrom:m.KeyTo], tc.in[m.ValueFrom:m.ValueTo])
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") || tc.in[idx.Close] != '}' || idx.Close != len(tc.in)-1 {
			t.Errorf("IndexEmbeddableObject(%s): members %q close %d", tc.in, got, idx.Close)
		}
	}
	for _, s := range []string{`[]`, `{"a":1} `, ` {"a":1}`, "{\"a\":\n1}", `{"a":1,}`, `null`, `{"a":"` + "\xff" + `"}`} {
		var idx ObjectIndex
		if IndexEmbeddableObject([]byte(s), &idx) {
			t.Errorf("IndexEmbeddableObject(%q) = true, want false", s)
		}
	}
}

func FuzzIndexEmbeddableObject(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c"}]}`, `{"a\u0041":1,"b":{}}`, `{}`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var idx ObjectIndex
		got := IndexEmbeddableObject(b, &idx)
		want := IsEmbeddableJSON(b) && b[0] == '{'
		if got != want {
			t.Fatalf("IndexEmbeddableObject(%q) = %v, IsEmbeddableJSON says %v", b, got, want)
		}
		if !got {
			return
		}

		// The members, decoded with encoding/json in order, match the
		// index: each key and value parses alone, and the object is
		// rebuilt from the spans.
		rebuilt := []byte{'{'}
		for i, m := range idx.Members {
			if i > 0 {
				rebuilt = append(rebuilt, ',')
			}
			key, value := b[m.KeyFrom:m.KeyTo], b[m.ValueFrom:m.ValueTo]
			var k string
			if err := json.Unmarshal(key, &k); err != nil || !json.Valid(value) {
				t.Fatalf("member %d of %q: key %q value %q", i, b, key, value)
			}
			if m.Escaped != strings.Contains(string(key), `\`) {
				t.Fatalf("member %d of %q: Escaped = %v", i, b, m.Escaped)
			}
			rebuilt = append(append(append(rebuilt, key...), ':'), value...)
		}
		rebuilt = append(rebuilt, '}')
		var a, c any
		if json.Unmarshal(b, &a) != nil || json.Unmarshal(rebuilt, &c) != nil {
			t.Fatalf("%q rebuilt as %q does not parse", b, rebuilt)
		}
		if idx.Close != len(b)-1 {
			t.Fatalf("close %d in %q", idx.Close, b)
		}
	})
}

// TestValidJSONSpecialBytePositions puts each kind of byte that ends a
// run of plain string bytes at every position of a long string.
func TestValidJSONSpecialBytePositions(t *testing.T) {
	specials := []string{`\"`, `\\`, `\n`, `\u00e9`, "\x01", "\x1f", "é", "😀", "\xff", "\xed\xa0\x80", `"`, "\x7f", " "}
	for _, special := range specials {
		for pos := 0; pos <= 24; pos++ {
			s := `{"k":"` + strings.Repeat("a", pos) + special + strings.Repeat("b", 24-pos) + `"}`
			want := json.Valid([]byte(s)) && utf8.ValidString(s)
			if got := ValidJSON([]byte(s)); got != want {
				t.Errorf("ValidJSON(%q) = %v, want %v", s, got, want)
			}
			var idx ObjectIndex
			if got := IndexEmbeddableObject([]byte(s), &idx); got != want {
				t.Errorf("IndexEmbeddableObject(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
