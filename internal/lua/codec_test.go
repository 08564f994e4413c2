package lua

import (
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// newTestEnv returns a Lua state with the libraries, for codec tests.
func newTestEnv(t testing.TB) *env {
	t.Helper()
	script, err := Compile(Options{Source: "", Inline: true})
	if err != nil {
		t.Fatal(err)
	}
	e, err := newEnv(script)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.close)
	return e
}

func TestAppendString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\", `"q\"b\\"`},
		{"\n\r\t\x01\x1f", `"\n\r\t\u0001\u001f"`},
		{"é’®", `"é’®"`},
		{"a\xffb", `"a\ufffdb"`},
		{"\xe2\x80", `"\ufffd\ufffd"`},
		{"</script>", `"</script>"`},
	} {
		if got := string(appendString(nil, c.in)); got != c.want {
			t.Errorf("appendString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzJSONRoundTrip checks that json.decode never panics on any text and
// that json.encode of what it decoded is the same JSON value, with big
// integers exact.
func FuzzJSONRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":[1,2,{"c":null}],"big":12345678901234567891}`,
		`[]`, `{}`, `null`, `"s\u00e9"`, `-9223372036854775808`, `1.5e300`, `[1.0,2.50]`,
		`{"a":`, `[1,]`, `{"a":1,"a":2}`, "\"\xff\"",
	} {
		f.Add(s)
	}
	e := newTestEnv(f)
	f.Fuzz(func(t *testing.T, text string) {
		v, err := e.decode(e.L, text)
		if err != nil {
			// JSON text is UTF-8 (RFC 8259), and json.decode rejects
			// strings that are not, which encoding/json accepts.
			if json.Valid([]byte(text)) && utf8.ValidString(text) && !strings.Contains(err.Error(), "nested") {
				t.Fatalf("json.decode(%q) failed on valid JSON: %v", text, err)
			}
			return
		}
		out, err := e.appendJSON(nil, v, 0)
		if errors.Is(err, errNotFinite) {
			return // a number beyond the float64 range, such as 1e700, reads as inf
		}
		if err != nil {
			t.Fatalf("json.encode(json.decode(%q)): %v", text, err)
		}
		if !json.Valid(out) {
			t.Fatalf("json.encode(json.decode(%q)) = %q, not JSON", text, out)
		}
		if hasDuplicateKeys(text) || !utf8Text(text) {
			return
		}
		if !reflect.DeepEqual(numbersAsValues(t, []byte(text)), numbersAsValues(t, out)) {
			t.Fatalf("json.encode(json.decode(%q)) = %s, a different value", text, out)
		}
	})
}

// utf8Text reports whether the JSON text holds only valid UTF-8, which
// encoding keeps; other bytes become U+FFFD.
func utf8Text(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

// numbersAsValues decodes JSON with numbers in a form that compares as
// they reach Lua: float64, except integers whose text is not the shortest
// text of a float64, which stay exact digits as bigints do.
func numbersAsValues(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			text := v.String()
			f, _ := strconv.ParseFloat(text, 64)
			if strings.ContainsAny(text, ".eE") {
				return f
			}
			// An integer is a float64 when it is the shortest text of one.
			if strconv.FormatFloat(f, 'f', -1, 64) == strings.TrimPrefix(text, "+") {
				return f
			}
			n, _ := new(big.Int).SetString(text, 10)
			return n.String()
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = walk(v[k])
			}
		}
		return v
	}
	return walk(v)
}
