package field

import (
	"testing"

	"github.com/etelgo/etelgo/internal/record"
)

// FuzzGetIndexed checks that a read through the index of the root
// members finds what gjson finds by walking the value.
func FuzzGetIndexed(f *testing.F) {
	for _, seed := range []struct{ doc, path string }{
		{`{"a":1,"b":{"c":[1,"x"]}}`, "b.c.1"},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":1,"a":{"b":5}}`, "a.b"},
		{`{"a":{"c":1},"a":{"b":5},"a":{"b":6}}`, "a.b"},
		{`{"a\u0062":"q\"r","ab":3}`, "ab"},
		{`{"n":12345678901234567891,"s":"\u00e9"}`, "s"},
		{`{"x":{"y":null}}`, "x.z"},
		{`{}`, "a"},
	} {
		f.Add(seed.doc, seed.path)
	}
	f.Fuzz(func(t *testing.T, doc, path string) {
		p, err := Compile(path)
		if err != nil || p.IsMeta() {
			return
		}
		var idx record.ObjectIndex
		if !record.IndexEmbeddableObject([]byte(doc), &idx) {
			return
		}
		walked := p.Get(&record.Record{Value: []byte(doc)})
		indexed := p.Get(&record.Record{Value: []byte(doc), Index: &idx})
		if walked.Exists() != indexed.Exists() || walked.Type != indexed.Type || walked.Raw != indexed.Raw ||
			walked.Str != indexed.Str || walked.Num != indexed.Num {
			t.Fatalf("%q in %s: walked %#v, indexed %#v", path, doc, walked, indexed)
		}
		if walked.Index > 0 && walked.Index != indexed.Index {
			t.Fatalf("%q in %s: walked at %d, indexed at %d", path, doc, walked.Index, indexed.Index)
		}
	})
}
