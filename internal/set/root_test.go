package set

import (
	"reflect"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
)

// indexedRoot returns a root state that indexed doc, as classify does
// for a value checked in full.
func indexedRoot(t testing.TB, doc []byte) *rootState {
	t.Helper()
	r := &rootState{checked: true}
	if !record.IndexEmbeddableObject(doc, &r.index) {
		t.Fatalf("IndexEmbeddableObject(%s) = false", doc)
	}
	r.indexed = true
	return r
}

// checkIndex fails when root claims an index that differs from a fresh
// index of doc.
func checkIndex(t *testing.T, step string, doc []byte, root *rootState) {
	t.Helper()
	if !root.indexed {
		return
	}
	var fresh record.ObjectIndex
	if !record.IndexEmbeddableObject(doc, &fresh) {
		t.Fatalf("%s: the document %s is no longer an embeddable object", step, doc)
	}
	if !reflect.DeepEqual(fresh.Members, root.index.Members) && !(len(fresh.Members) == 0 && len(root.index.Members) == 0) || fresh.Close != root.index.Close {
		t.Fatalf("%s: index after the edit %+v, a fresh index of %s is %+v", step, root.index, doc, fresh)
	}
}

func TestRootIndexFollowsEdits(t *testing.T) {
	doc := []byte(`{"id":1,"user":{"name":"a"},"tags":["x"],"a\"b":2}`)
	edits := []struct {
		path, raw string // raw "" deletes
	}{
		{"status", `"seen"`},  // append at the root
		{"id", `12345`},       // replace a root value, longer
		{"user.name", `"bc"`}, // replace inside a root value
		{"user.age", `3`},     // append inside a root value
		{"tags.-1", `"y"`},    // append to an array inside a root value
		{`a\"b`, `true`},      // a key with escapes
		{"user.name", ""},     // delete inside a root value
		{"x.y", `1`},          // sjson builds the missing object: the index is dropped
	}
	plain := append([]byte(nil), doc...)
	root := indexedRoot(t, doc)
	for _, e := range edits {
		p, err := field.Compile(e.path)
		if err != nil {
			t.Fatal(err)
		}
		tgt := newTarget(p)
		var got, want []byte
		if e.raw == "" {
			got, _, err = tgt.delete(nil, doc, root)
			if err == nil {
				want, _, err = tgt.delete(nil, plain, nil)
			}
		} else {
			got, err = tgt.set(nil, doc, []byte(e.raw), root)
			if err == nil {
				want, err = tgt.set(nil, plain, []byte(e.raw), nil)
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", e.path, err)
		}
		if string(got) != string(want) {
			t.Fatalf("%s: indexed %s, walked %s", e.path, got, want)
		}
		checkIndex(t, e.path, got, root)
		doc, plain = got, want
	}
	if root.indexed {
		t.Errorf("the index survived a change that sjson made")
	}
}

// FuzzRootIndex applies the same edits to a document with and without
// the index of its root: the results must be byte-identical, and after
// each edit the index must be what a fresh index of the result is.
func FuzzRootIndex(f *testing.F) {
	f.Add(`{"a":1,"b":{"c":[1,2]},"d\u0041":"x"}`, "a", "b.c.-1", "b.e", "dA", `{"k":null}`)
	f.Add(`{}`, "a", "a", "b", "a.b", `[1]`)
	f.Add(`{"a":1,"a":2}`, "a", "z", "a", "a", `"q"`)
	f.Fuzz(func(t *testing.T, doc, p1, p2, p3, p4, raw string) {
		if len(doc) > 4096 || len(raw) > 256 || !record.ValidJSON([]byte(raw)) || strings.ContainsAny(raw, "\n\r") {
			return
		}
		cur := []byte(doc)
		var idx record.ObjectIndex
		if !record.IndexEmbeddableObject(cur, &idx) {
			return
		}
		// Edits splice raw values without spaces around them.
		raw = strings.TrimSpace(raw)
		root := indexedRoot(t, cur)
		plain := append([]byte(nil), cur...)
		for i, path := range []string{p1, p2, p3, p4} {
			p, err := field.Compile(path)
			if err != nil || p.IsMeta() {
				continue
			}
			tgt := newTarget(p)
			var got, want []byte
			var gotErr, wantErr error
			if i == 2 {
				got, _, gotErr = tgt.delete(nil, cur, root)
				want, _, wantErr = tgt.delete(nil, plain, nil)
			} else {
				got, gotErr = tgt.set(nil, cur, []byte(raw), root)
				want, wantErr = tgt.set(nil, plain, []byte(raw), nil)
			}
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("edit %d %q on %s: indexed error %v, walked error %v", i, path, cur, gotErr, wantErr)
			}
			if gotErr != nil {
				continue
			}
			if string(got) != string(want) {
				t.Fatalf("edit %d %q on %s: indexed %s, walked %s", i, path, cur, got, want)
			}
			checkIndex(t, path, got, root)
			cur, plain = got, want
		}
	})
}
