package field

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/record"
)

func metaRecord() *record.Record {
	return &record.Record{
		Value: []byte(`{}`), Key: []byte("k"), HasMeta: true, Topic: "t", Partition: 1, Offset: 9,
		Timestamp: time.UnixMilli(1000),
		Headers: []record.Header{
			{Key: "a", Value: []byte("1")},
			{Key: "b", Value: []byte("2")},
			{Key: "a", Value: []byte("3")},
			{Key: "c", Value: nil},
			{Key: "a", Value: []byte("4")},
		},
	}
}

func headerList(headers []record.Header) string {
	var parts []string
	for _, h := range headers {
		v := string(h.Value)
		if h.Value == nil {
			v = "null"
		}
		parts = append(parts, h.Key+"="+v)
	}
	return strings.Join(parts, " ")
}

func mustCompile(t *testing.T, path string) *Path {
	t.Helper()
	p, err := Compile(path)
	if err != nil {
		t.Fatalf("Compile(%q): %v", path, err)
	}
	return p
}

func TestSetMetaHeaders(t *testing.T) {
	cases := []struct {
		name    string
		path    string
		value   []byte
		delete  bool
		headers string
	}{
		{"set a repeated name", "@headers.a", []byte("x"), false, "a=x b=2 c=null"},
		{"set a new name", "@headers.d", []byte("x"), false, "a=1 b=2 a=3 c=null a=4 d=x"},
		{"set null", "@headers.b", nil, false, "a=1 b=null a=3 c=null a=4"},
		{"delete a repeated name", "@headers.a", nil, true, "b=2 c=null"},
		{"delete a missing name", "@headers.z", nil, true, "a=1 b=2 a=3 c=null a=4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := metaRecord()
			p := mustCompile(t, tc.path)
			var err error
			if tc.delete {
				err = p.DeleteMeta(rec)
			} else {
				err = p.SetMeta(rec, tc.value)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := headerList(rec.Headers); got != tc.headers {
				t.Errorf("headers: got %q, want %q", got, tc.headers)
			}
		})
	}
}

func TestSetMetaFields(t *testing.T) {
	rec := metaRecord()
	set := func(path, value string) {
		t.Helper()
		if err := mustCompile(t, path).SetMeta(rec, []byte(value)); err != nil {
			t.Fatalf("SetMeta(%s, %q): %v", path, value, err)
		}
	}

	set("@key", "new")
	set("@topic", "orders")
	set("@partition", "-1")
	set("@offset", "12345678901")
	set("@timestamp", "1442018818771")
	if string(rec.Key) != "new" || rec.Topic != "orders" || rec.Partition != -1 || rec.Offset != 12345678901 || rec.Timestamp.UnixMilli() != 1442018818771 {
		t.Errorf("got key %q topic %q partition %d offset %d timestamp %d", rec.Key, rec.Topic, rec.Partition, rec.Offset, rec.Timestamp.UnixMilli())
	}

	set("@timestamp", "2015-09-12T00:46:58.771Z")
	if rec.Timestamp.UnixMilli() != 1442018818771 {
		t.Errorf("RFC 3339 timestamp: got %d", rec.Timestamp.UnixMilli())
	}

	if err := mustCompile(t, "@key").SetMeta(rec, nil); err != nil || rec.Key != nil {
		t.Errorf("null key: got %q, %v", rec.Key, err)
	}
	if err := mustCompile(t, "@timestamp").SetMeta(rec, nil); err != nil || !rec.Timestamp.IsZero() {
		t.Errorf("null timestamp: got %v, %v", rec.Timestamp, err)
	}

	for _, path := range []string{"@key", "@topic", "@partition", "@offset", "@timestamp"} {
		if err := mustCompile(t, path).DeleteMeta(rec); err != nil {
			t.Fatalf("DeleteMeta(%s): %v", path, err)
		}
	}
	if rec.Key != nil || rec.Topic != "" || rec.Partition != -1 || rec.Offset != -1 || !rec.Timestamp.IsZero() {
		t.Errorf("after deletes: key %q topic %q partition %d offset %d timestamp %v", rec.Key, rec.Topic, rec.Partition, rec.Offset, rec.Timestamp)
	}
}

func TestSetMetaErrors(t *testing.T) {
	cases := []struct{ path, value, want string }{
		{"@partition", "x", "invalid partition"},
		{"@partition", "2147483648", "invalid partition"},
		{"@partition", "-2", "invalid partition"},
		{"@offset", "1.5", "invalid offset"},
		{"@timestamp", "soon", "invalid timestamp"},
		{"a.b", "x", "not a metadata path"},
	}
	for _, tc := range cases {
		rec := metaRecord()
		err := mustCompile(t, tc.path).SetMeta(rec, []byte(tc.value))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetMeta(%s, %q): got %v, want an error containing %q", tc.path, tc.value, err, tc.want)
		}
	}

	plain := &record.Record{Value: []byte(`{}`)}
	if err := mustCompile(t, "@key").SetMeta(plain, []byte("x")); !errors.Is(err, ErrNoMetadata) {
		t.Errorf("SetMeta on a plain line: got %v, want ErrNoMetadata", err)
	}
	if err := mustCompile(t, "@headers.h").DeleteMeta(plain); !errors.Is(err, ErrNoMetadata) {
		t.Errorf("DeleteMeta on a plain line: got %v, want ErrNoMetadata", err)
	}
	if err := mustCompile(t, "a").DeleteMeta(plain); !errors.Is(err, ErrNotMeta) {
		t.Errorf("DeleteMeta on a value path: got %v, want ErrNotMeta", err)
	}
}
