package field

import (
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/tidwall/gjson"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct{ path, want string }{
		{"", "empty path"},
		{"@nope", "unknown metadata path"},
		{"@headers.", "unknown metadata path"},
		{"a.*", "wildcard"},
		{"a?b", "wildcard"},
		{"a..b", "empty key"},
		{"a.", "empty key"},
		{`a\`, "lone backslash"},
		{"items.#", "query or modifier"},
		{"a|b", "pipe"},
	}
	for _, tc := range cases {
		_, err := Compile(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%q): got %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
}

func TestGetValuePaths(t *testing.T) {
	value := []byte(`{"user":{"id":12345678901234567891},"id.orig_h":"10.0.0.1","@timestamp":"t","a*b":1,"items":[{"sku":"x"}],"[x]":2,"{y}":3,"a-b":4,"é":5}`)
	rec := &record.Record{Value: value}
	cases := []struct{ path, raw string }{
		{"user.id", "12345678901234567891"},
		{`id\.orig_h`, `"10.0.0.1"`},
		{`\@timestamp`, `"t"`},
		{`a\*b`, "1"},
		{"items.0.sku", `"x"`},
		{"[x]", "2"},
		{"{y}", "3"},
		{"a-b", "4"},
		{"é", "5"},
		{"missing", ""},
	}
	for _, tc := range cases {
		p, err := Compile(tc.path)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.path, err)
		}
		if got := p.Get(rec).Raw; got != tc.raw {
			t.Errorf("Get(%q): got %q, want %q", tc.path, got, tc.raw)
		}
	}

	p, _ := Compile(`id\.orig_h`)
	if keys := p.Keys(); len(keys) != 1 || keys[0] != "id.orig_h" {
		t.Errorf("Keys of an escaped path: got %q", keys)
	}
	p, _ = Compile("user.id")
	if keys := p.Keys(); len(keys) != 2 || keys[0] != "user" || keys[1] != "id" {
		t.Errorf("Keys of a nested path: got %q", keys)
	}
}

func TestGetMetadata(t *testing.T) {
	rec := &record.Record{
		Value: []byte(`{}`), Key: []byte("k1"), Topic: "orders", Partition: 3, Offset: 99,
		Timestamp: time.UnixMilli(1442018818771), HasMeta: true,
		Headers: []record.Header{{Key: "h", Value: []byte("first")}, {Key: "h", Value: []byte("last")}, {Key: "n"}},
	}
	cases := []struct {
		path string
		typ  gjson.Type
		text string
	}{
		{"@key", gjson.String, "k1"},
		{"@headers.h", gjson.String, "last"},
		{"@headers.n", gjson.Null, ""},
		{"@topic", gjson.String, "orders"},
		{"@partition", gjson.Number, "3"},
		{"@offset", gjson.Number, "99"},
		{"@timestamp", gjson.Number, "1442018818771"},
	}
	for _, tc := range cases {
		p, err := Compile(tc.path)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.path, err)
		}
		got := p.Get(rec)
		if got.Type != tc.typ {
			t.Errorf("Get(%q) type: got %v, want %v", tc.path, got.Type, tc.typ)
		}
		if tc.typ != gjson.Null && got.String() != tc.text {
			t.Errorf("Get(%q): got %q, want %q", tc.path, got.String(), tc.text)
		}
	}

	for _, path := range []string{`@headers.a.b`, `@headers.a\.b`} {
		p, err := Compile(path)
		if err != nil {
			t.Fatalf("Compile(%q): %v", path, err)
		}
		if name := p.HeaderName(); name != "a.b" {
			t.Errorf("Compile(%q) header name: got %q, want %q", path, name, "a.b")
		}
	}

	missing, _ := Compile("@headers.absent")
	if missing.Get(rec).Exists() {
		t.Errorf("a missing header exists")
	}
	rec.Key = nil
	key, _ := Compile("@key")
	if got := key.Get(rec); got.Type != gjson.Null {
		t.Errorf("null key: got type %v", got.Type)
	}
}
