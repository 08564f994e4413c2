package jsonscan

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestCheckObject(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string // the error, "" for none
	}{
		{"empty object", `{}`, ""},
		{"spaces around", " \t{ }\r\n", ""},
		{"flat", `{"a":1,"b":"x","c":true,"d":null}`, ""},
		{"nested", `{"a":{"b":[1,{"c":"]"}]},"e":"\"}"}`, ""},
		{"spaces between", `{ "a" : 1 , "b" : [ ] }`, ""},
		{"long strings", `{"comment":"a text longer than eight bytes \\\" with escapes"}`, ""},
		{"nothing", ``, "the line is not valid JSON at byte 1"},
		{"array root", `[1]`, "the line is not valid JSON at byte 1"},
		{"missing value", `{"a":}`, "the line is not valid JSON at byte 6"},
		{"double comma", `{"a":1,,"b":2}`, "the line is not valid JSON at byte 8"},
		{"missing colon", `{"a":1,"b" 2}`, "the line is not valid JSON at byte 12"},
		{"unquoted key", `{"a":1,b:2}`, "the line is not valid JSON at byte 8"},
		{"bytes after", `{"a":1}}`, "the line is not valid JSON at byte 8"},
		{"trailing comma", `{"a":1,}`, "the line is not valid JSON at byte 8"},
		{"unclosed string", `{"a":"x}`, "the line is not valid JSON at byte 6"},
		{"unclosed object", `{"a":{"b":1}`, "the line is not valid JSON at byte 13"},
		{"unclosed nested", `{"a":[1,2}`, "the line is not valid JSON at byte 11"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckObject([]byte(tc.doc))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("CheckObject(%q) = %v, want nil", tc.doc, err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("CheckObject(%q) = %v, want %q", tc.doc, err, tc.want)
			}
			var se *SyntaxError
			if err != nil && !errors.As(err, &se) {
				t.Fatalf("CheckObject(%q) error is %T, want *SyntaxError", tc.doc, err)
			}
		})
	}
}

// FuzzCheckObject checks that every JSON object passes, that nothing
// panics, and that a fault's offset lies within the line.
func FuzzCheckObject(f *testing.F) {
	for _, seed := range []string{`{}`, `{"a":1}`, `{"a":[1,{"b":"c"}],"d":"\u00e9\""}`, `{"a":1,,}`, `{"a" 1}`, `[1]`, ``, `{"a":"`, ` {"a":{}} `} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := CheckObject(doc)
		var se *SyntaxError
		if err != nil {
			if !errors.As(err, &se) {
				t.Fatalf("CheckObject(%q) error is %T, want *SyntaxError", doc, err)
			}
			if se.Offset < 0 || se.Offset > len(doc) {
				t.Fatalf("CheckObject(%q) names byte %d, outside the line", doc, se.Offset+1)
			}
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(doc, &m) == nil && m != nil && err != nil {
			t.Fatalf("CheckObject(%q) = %v for a JSON object", doc, err)
		}
	})
}

// FuzzSkipString checks that SkipString ends a string where ScanString
// does, escapes included, and fails where it fails.
func FuzzSkipString(f *testing.F) {
	for _, seed := range []string{`""`, `"abc"`, `"a\"b"`, `"a\\"`, `"a\\\"b" x`, `"\`, `"12345678\"90123456"`, `"no end`, `"\\\\\\\\\\"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) == 0 || doc[0] != '"' {
			return
		}
		want, _, wantErr := ScanString(doc, 0)
		got, err := SkipString(doc, 0)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Fatalf("SkipString(%q) = %d, %v; ScanString ends at %d, %v", doc, got, err, want, wantErr)
		}
	})
}
