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
