package set

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
)

// process compiles edits, runs them on rec and returns the emitted
// record, cloned, or the error.
func process(t *testing.T, edits []string, opts Options, rec *record.Record) (*record.Record, error) {
	t.Helper()
	prog, err := Compile(edits, opts)
	if err != nil {
		t.Fatalf("Compile(%q): %v", edits, err)
	}
	var out *record.Record
	err = prog.NewProcessor().Process(rec, func(r *record.Record) error {
		if out != nil {
			t.Fatalf("emitted twice")
		}
		out = r.Clone()
		return nil
	})
	if err == nil && out == nil {
		t.Fatalf("nothing emitted")
	}
	return out, err
}

func plain(value string) *record.Record {
	return &record.Record{Value: []byte(value), Line: 7, Partition: -1, Offset: -1}
}

func envelope(value []byte) *record.Record {
	return &record.Record{
		Value: value, Key: []byte("k1"), HasMeta: true, Topic: "orders", Partition: 2, Offset: 42,
		Timestamp: time.UnixMilli(1442018818771), Line: 3,
		Headers: []record.Header{
			{Key: "h", Value: []byte("first")},
			{Key: "trace", Value: []byte("t-1")},
			{Key: "h", Value: []byte("last")},
			{Key: "n", Value: nil},
		},
	}
}

func TestPlainValues(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		in    string
		want  string
	}{
		{"set string", []string{"status=seen"}, `{"a":1}`, `{"a":1,"status":"seen"}`},
		{"set empty string", []string{"s="}, `{}`, `{"s":""}`},
		{"string escaping", []string{"s=a\"b\\c\n\t\x01<&>é😀"}, `{}`, `{"s":"a\"b\\c\n\t\u0001<&>é😀"}`},
		{"set JSON", []string{"n:=12345678901234567891", "f:=1.50", "o:={ \"a\" : [ 1 , 2 ] }"}, `{}`, `{"n":12345678901234567891,"f":1.50,"o":{"a":[1,2]}}`},
		{"set JSON string", []string{`s:="<&>"`}, `{}`, `{"s":"<&>"}`},
		{"replace keeps order", []string{"b=x"}, `{"a":1,"b":2,"c":3}`, `{"a":1,"b":"x","c":3}`},
		{"copy keeps number text", []string{"x==a", "y==b"}, `{"a":1.0,"b":12345678901234567891}`, `{"a":1.0,"b":12345678901234567891,"x":1.0,"y":12345678901234567891}`},
		{"copy keeps escapes", []string{"x==s"}, `{"s":"\u00e9\ud83d\ude00\""}`, `{"s":"\u00e9\ud83d\ude00\"","x":"\u00e9\ud83d\ude00\""}`},
		{"copy object", []string{"x==o"}, `{"o":{"a":[1]}}`, `{"o":{"a":[1]},"x":{"a":[1]}}`},
		{"copy missing does nothing", []string{"x==nope"}, `{"a":1}`, `{"a":1}`},
		{"copy into nested", []string{"u.id==id"}, `{"id":5,"u":{}}`, `{"id":5,"u":{"id":5}}`},
		{"move renames", []string{"name==username-"}, `{"username":"x","a":1}`, `{"a":1,"name":"x"}`},
		{"move in place of itself", []string{"a==a-"}, `{"a":1,"b":2}`, `{"b":2,"a":1}`},
		{"move into own child", []string{"a.b==a-"}, `{"a":{"x":1},"c":2}`, `{"c":2,"a":{"b":{"x":1}}}`},
		{"move out of child", []string{"a==a.b-"}, `{"a":{"b":7}}`, `{"a":7}`},
		{"move missing does nothing", []string{"x==nope-"}, `{"a":1}`, `{"a":1}`},
		{"delete", []string{"b-"}, `{"a":1,"b":2,"c":3}`, `{"a":1,"c":3}`},
		{"delete missing", []string{"x-", "a.b.c-"}, `{"a":1}`, `{"a":1}`},
		{"default where missing", []string{"r//=unknown"}, `{"a":1}`, `{"a":1,"r":"unknown"}`},
		{"default where null", []string{"r//=unknown"}, `{"r":null}`, `{"r":"unknown"}`},
		{"default leaves a value", []string{"r//=unknown"}, `{"r":""}`, `{"r":""}`},
		{"default leaves false", []string{"r//:=1"}, `{"r":false}`, `{"r":false}`},
		{"default copy", []string{"r//==a"}, `{"a":1}`, `{"a":1,"r":1}`},
		{"default move skipped keeps source", []string{"r//==a-"}, `{"a":1,"r":2}`, `{"a":1,"r":2}`},
		{"template", []string{"full%={first} {last}"}, `{"first":"Ada","last":"Lovelace"}`, `{"first":"Ada","last":"Lovelace","full":"Ada Lovelace"}`},
		{"template kinds", []string{"t%=[{s}|{n}|{b}|{z}|{m}|{o}]"}, `{"s":"a\"b\u00e9","n":1.50,"b":true,"z":null,"o":{"k":"v"}}`, `{"s":"a\"b\u00e9","n":1.50,"b":true,"z":null,"o":{"k":"v"},"t":"[a\"b\u00e9|1.50|true|||{\"k\":\"v\"}]"}`},
		{"template braces", []string{"t%={{{a}}}"}, `{"a":1}`, `{"a":1,"t":"{1}"}`},
		{"template escaped key", []string{`t%={a\}b}`}, `{"a}b":1}`, `{"a}b":1,"t":"1"}`},
		{"edits see earlier edits", []string{"a=1", "b==a", "c%={b}!", "a-"}, `{}`, `{"b":"1","c":"1!"}`},
		{"many edits in turn", []string{"a=1", "b=2", "c=3", "d=4", "e==a", "b-"}, `{"z":0}`, `{"z":0,"a":"1","c":"3","d":"4","e":"1"}`},
		{"escaped keys", []string{`id\.orig_h=1`, `\@timestamp:=2`, `a\=b=3`, `x\-=4`, `\*=5`}, `{"id.orig_h":0}`, `{"id.orig_h":"1","@timestamp":2,"a=b":"3","x-":"4","*":"5"}`},
		{"create parents", []string{"a.b.c=1"}, `{}`, `{"a":{"b":{"c":"1"}}}`},
		{"array element", []string{"t.1=x", "t.-1=y"}, `{"t":[0,1]}`, `{"t":[0,"x","y"]}`},
		{"spaces around the line", []string{"b:=2"}, ` {"a":1} `, ` {"a":1,"b":2} `},
		{"unicode beyond the BMP kept", []string{"x=1"}, `{"p":"𡎚 \ud840\udf9a"}`, `{"p":"𡎚 \ud840\udf9a","x":"1"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := process(t, tc.edits, Options{}, plain(tc.in))
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if string(out.Value) != tc.want {
				t.Errorf("edits %q on %s:\n got %s\nwant %s", tc.edits, tc.in, out.Value, tc.want)
			}
		})
	}
}

func TestPlainBlankLines(t *testing.T) {
	for _, in := range []string{"", "  ", "\t"} {
		out, err := process(t, []string{"a=1", "@key=x"}, Options{}, plain(in))
		if err != nil {
			t.Fatalf("Process(%q): %v", in, err)
		}
		if string(out.Value) != in {
			t.Errorf("blank line %q came out as %q", in, out.Value)
		}
	}
}

func TestPlainErrors(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		opts  Options
		in    string
		want  string
	}{
		{"array line", []string{"a=1"}, Options{}, `[1]`, "the line is an array, not a JSON object"},
		{"string line", []string{"a-"}, Options{}, `"x"`, "the line is a string, not a JSON object"},
		{"text line", []string{"a=1"}, Options{}, `hello`, "the line is not valid JSON"},
		{"cut line", []string{"a=1"}, Options{}, `{"a":`, "the line is not valid JSON"},
		{"deeply nested line", []string{"a=1"}, Options{}, strings.Repeat("[", 50_000_000), "the line is not valid JSON"},
		{"deeply nested object", []string{"a=1"}, Options{Validate: true}, "{" + strings.Repeat(`"a":{`, 5_000_000) + "}", "the line is not valid JSON"},
		{"read of a bad line", []string{"@key==a"}, Options{}, `[1]`, "plain line carries no metadata"},
		{"copy from a bad line", []string{"b==a"}, Options{}, `[1]`, "the line is an array"},
		{"string parent", []string{"a.b=1"}, Options{}, `{"a":"x"}`, `edit "a.b=1": cannot set a.b: a is a string, not an object`},
		{"malformed inside", []string{"a=1"}, Options{}, `{"a":}`, "not valid JSON at byte 6"},
		{"double comma after the field", []string{"a=2"}, Options{}, `{"a":1,,"b":2}`, "not valid JSON at byte 8"},
		{"missing colon after the field", []string{"a=2"}, Options{}, `{"a":1,"b" 2}`, "not valid JSON at byte 12"},
		{"unquoted key after the field", []string{"a=2"}, Options{}, `{"a":1,b:2}`, "not valid JSON at byte 8"},
		{"bytes after the object", []string{"a=2"}, Options{}, `{"a":1}}`, "not valid JSON at byte 8"},
		{"unclosed array in the field", []string{"a=2"}, Options{}, `{"a":[1,2}`, "not valid JSON"},
		{"missing colon in the field", []string{"a=2"}, Options{}, `{"a" 1}`, "not valid JSON at byte 6"},
		{"fault after the fields of three edits", []string{"x==a", "b-", "c//=1"}, Options{}, `{"a":1,"b":2,"c":3,,}`, "not valid JSON at byte 20"},
		{"fault after a missing field of three edits", []string{"x==z", "y-", "c//=1"}, Options{}, `{"a":1,"b":2 "c"}`, "not valid JSON at byte 14"},
		{"malformed with validate", []string{"a=1"}, Options{Validate: true}, `{"a":1 "b":2}`, "the line is not valid JSON"},
		{"metadata on a plain line", []string{"@key=x"}, Options{}, `{}`, "@key: a plain line carries no metadata"},
		{"metadata read on a plain line", []string{"k==@topic"}, Options{}, `{}`, "@topic: a plain line carries no metadata"},
		{"metadata in a template on a plain line", []string{"k%={@key}"}, Options{}, `{}`, "plain line carries no metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := process(t, tc.edits, tc.opts, plain(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("edits %q on %s: got error %v, want one containing %q", tc.edits, tc.in, err, tc.want)
			}
		})
	}

	// Without --validate the root's member list is checked, but inside a
	// nested value only the brackets and quotes: a fault there comes out
	// as it went in.
	out, err := process(t, []string{"a:=2"}, Options{}, plain(`{"a":1,"b":[1 2]}`))
	if err != nil || out == nil || string(out.Value) != `{"a":2,"b":[1 2]}` {
		t.Errorf("edit before a nested fault: got %v, %q", err, out.Value)
	}
	_, err = process(t, []string{"a:=2"}, Options{Validate: true}, plain(`{"a":1,"b":[1 2]}`))
	if err == nil || !strings.Contains(err.Error(), "the line is not valid JSON") {
		t.Errorf("edit before a fault with validation: got %v", err)
	}
}

// TestRootWalkedOncePerRecord counts the walks of the root's members to
// its closing brace: one per plain line whatever the number of edits
// (BenchmarkProcessThreeEdits shows the speed), none for a value that
// was checked in full already.
func TestRootWalkedOncePerRecord(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		opts  Options
		rec   func() *record.Record
		want  int
	}{
		{"one edit", []string{"a=1"}, Options{}, func() *record.Record { return plain(`{"a":0,"b":2}`) }, 1},
		{"three edits", []string{"x==a", "b-", "c//=1"}, Options{}, func() *record.Record { return plain(`{"a":1,"b":2,"c":null}`) }, 1},
		{"move and template", []string{"x==a-", "t%={x}-{b}", "n.m=1"}, Options{}, func() *record.Record { return plain(`{"a":1,"b":2}`) }, 1},
		{"validated line", []string{"x==a", "b-"}, Options{Validate: true}, func() *record.Record { return plain(`{"a":1,"b":2}`) }, 0},
		{"envelope value", []string{"x==a", "b-"}, Options{}, func() *record.Record { return envelope([]byte(`{"a":1,"b":2}`)) }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			walks := 0
			onRootCheck = func() { walks++ }
			defer func() { onRootCheck = nil }()

			if _, err := process(t, tc.edits, tc.opts, tc.rec()); err != nil {
				t.Fatal(err)
			}
			if walks != tc.want {
				t.Errorf("edits %q walked the root to its end %d times, want %d", tc.edits, walks, tc.want)
			}
		})
	}
}

// TestFailedEditLeavesRecord checks the Processor contract: when one of
// several edits fails, the record is exactly as it was.
func TestFailedEditLeavesRecord(t *testing.T) {
	value := []byte(`{"a":1,"b":"x"}`)
	rec := envelope(value)
	headers := rec.Headers
	before := rec.Clone()

	_, err := process(t, []string{"a=2", "@key=new", "@headers.h=one", "@headers.trace-", "@timestamp:=1", "b.c=1"}, Options{}, rec)
	if err == nil {
		t.Fatalf("Process: got no error")
	}
	if string(rec.Value) != string(before.Value) || &rec.Value[0] != &value[0] {
		t.Errorf("value changed: %s", rec.Value)
	}
	if string(rec.Key) != "k1" || !rec.Timestamp.Equal(before.Timestamp) {
		t.Errorf("key or timestamp changed: %q %v", rec.Key, rec.Timestamp)
	}
	if len(rec.Headers) != 4 || &rec.Headers[0] != &headers[0] {
		t.Fatalf("headers replaced: %+v", rec.Headers)
	}
	for i, h := range rec.Headers {
		if h.Key != before.Headers[i].Key || string(h.Value) != string(before.Headers[i].Value) {
			t.Errorf("header %d changed: %q=%q", i, h.Key, h.Value)
		}
	}
}

func TestEnvelopeValues(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		value []byte
		want  []byte
	}{
		{"object edited", []string{"a=1"}, []byte(`{}`), []byte(`{"a":"1"}`)},
		{"tombstone skipped", []string{"a=1", "b-", "c==d"}, nil, nil},
		{"text skipped", []string{"a=1"}, []byte(`{not json}`), []byte(`{not json}`)},
		{"text null skipped", []string{"a=1"}, []byte(`null`), []byte(`null`)},
		{"text with spaces skipped", []string{"a=1"}, []byte(` {"a":1}`), []byte(` {"a":1}`)},
		{"bytes skipped", []string{"a=1"}, []byte{0xff, '{', '}'}, []byte{0xff, '{', '}'}},
		{"empty value skipped", []string{"a=1"}, []byte{}, []byte{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := process(t, append(tc.edits, "@key=edited"), Options{}, envelope(tc.value))
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if (out.Value == nil) != (tc.want == nil) || string(out.Value) != string(tc.want) {
				t.Errorf("value: got %q, want %q", out.Value, tc.want)
			}
			if string(out.Key) != "edited" {
				t.Errorf("the metadata edit was not applied: key %q", out.Key)
			}
		})
	}

	_, err := process(t, []string{"a=1"}, Options{}, envelope([]byte(`[1,2]`)))
	if err == nil || !strings.Contains(err.Error(), "the value is an array, not a JSON object") {
		t.Errorf("value edit on an array value: got %v", err)
	}
	out, err := process(t, []string{"@key=x"}, Options{}, envelope([]byte(`[1,2]`)))
	if err != nil || string(out.Value) != `[1,2]` || string(out.Key) != "x" {
		t.Errorf("metadata edit on an array value: got %v, %+v", err, out)
	}
}

func TestMetadataEdits(t *testing.T) {
	value := []byte(`{"id":"o-1","n":12345678901234567891,"z":null,"o":{"a":1},"s":"a\"b","region":"eu","ts":"2015-09-12T00:46:58.771Z"}`)
	cases := []struct {
		name  string
		edits []string
		check func(t *testing.T, r *record.Record)
	}{
		{"key from a string", []string{"@key==id"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "o-1") }},
		{"key from a big number", []string{"@key==n"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "12345678901234567891") }},
		{"key from an escaped string", []string{"@key==s"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, `a"b`) }},
		{"key from an object", []string{"@key==o"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, `{"a":1}`) }},
		{"key from null", []string{"@key==z"}, func(t *testing.T, r *record.Record) {
			if r.Key != nil {
				t.Errorf("key: got %q, want null", r.Key)
			}
		}},
		{"key from missing", []string{"@key==nope"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "k1") }},
		{"key text", []string{"@key="}, func(t *testing.T, r *record.Record) {
			if r.Key == nil || len(r.Key) != 0 {
				t.Errorf("key: got %q, want empty and not null", r.Key)
			}
		}},
		{"key JSON string", []string{`@key:="a\u00e9"`}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "aé") }},
		{"key JSON null", []string{"@key:=null"}, func(t *testing.T, r *record.Record) {
			if r.Key != nil {
				t.Errorf("key: got %q, want null", r.Key)
			}
		}},
		{"key deleted", []string{"@key-"}, func(t *testing.T, r *record.Record) {
			if r.Key != nil {
				t.Errorf("key: got %q, want null", r.Key)
			}
		}},
		{"key default kept", []string{"@key//=x"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "k1") }},
		{"key default applied", []string{"@key-", "@key//=x"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "x") }},
		{"key template", []string{"@key%={region}/{id}/{@partition}"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "eu/o-1/2") }},
		{"key moved from value", []string{"@key==id-"}, func(t *testing.T, r *record.Record) {
			wantBytes(t, "key", r.Key, "o-1")
			if strings.Contains(string(r.Value), `"id"`) {
				t.Errorf("the moved field is still in the value: %s", r.Value)
			}
		}},
		{"key survives later value edits", []string{"@key==id", "a=1", "b=2", "c=3"}, func(t *testing.T, r *record.Record) { wantBytes(t, "key", r.Key, "o-1") }},
		{"value from key", []string{"k==@key", "t==@topic", "p==@partition", "off==@offset", "stamp==@timestamp"}, func(t *testing.T, r *record.Record) {
			wantSuffix(t, r.Value, `,"k":"k1","t":"orders","p":2,"off":42,"stamp":1442018818771}`)
		}},
		{"value from header takes the last", []string{"h==@headers.h"}, func(t *testing.T, r *record.Record) { wantSuffix(t, r.Value, `,"h":"last"}`) }},
		{"value from null header", []string{"h==@headers.n"}, func(t *testing.T, r *record.Record) { wantSuffix(t, r.Value, `,"h":null}`) }},
		{"value from missing header", []string{"h==@headers.nope"}, func(t *testing.T, r *record.Record) { wantSuffix(t, r.Value, `"2015-09-12T00:46:58.771Z"}`) }},
		{"value from null key", []string{"@key-", "k==@key"}, func(t *testing.T, r *record.Record) { wantSuffix(t, r.Value, `,"k":null}`) }},
		{"template from metadata", []string{"t%={@topic}:{@headers.h}:{@key}"}, func(t *testing.T, r *record.Record) { wantSuffix(t, r.Value, `,"t":"orders:last:k1"}`) }},
		{"header set replaces repeats at the first", []string{"@headers.h=new"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "h=new", "trace=t-1", "n=<null>")
		}},
		{"header appended", []string{"@headers.x=1"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "h=first", "trace=t-1", "h=last", "n=<null>", "x=1")
		}},
		{"header deleted everywhere", []string{"@headers.h-"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "trace=t-1", "n=<null>")
		}},
		{"header null", []string{"@headers.trace:=null"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "h=first", "trace=<null>", "h=last", "n=<null>")
		}},
		{"header default where null", []string{"@headers.n//=v", "@headers.trace//=v"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "h=first", "trace=t-1", "h=last", "n=v")
		}},
		{"header moved into value", []string{"trace==@headers.trace-"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "h=first", "h=last", "n=<null>")
			wantSuffix(t, r.Value, `,"trace":"t-1"}`)
		}},
		{"header from header", []string{"@headers.copy==@headers.h"}, func(t *testing.T, r *record.Record) {
			wantHeaders(t, r.Headers, "h=first", "trace=t-1", "h=last", "n=<null>", "copy=last")
		}},
		{"topic from a field", []string{"@topic%={region}-orders"}, func(t *testing.T, r *record.Record) {
			if r.Topic != "eu-orders" {
				t.Errorf("topic: got %q", r.Topic)
			}
		}},
		{"partition and offset", []string{"@partition:=5", "@offset=7"}, func(t *testing.T, r *record.Record) {
			if r.Partition != 5 || r.Offset != 7 {
				t.Errorf("partition, offset: got %d, %d", r.Partition, r.Offset)
			}
		}},
		{"partition deleted", []string{"@partition-", "@offset-", "@topic-"}, func(t *testing.T, r *record.Record) {
			if r.Partition != -1 || r.Offset != -1 || r.Topic != "" {
				t.Errorf("partition, offset, topic: got %d, %d, %q", r.Partition, r.Offset, r.Topic)
			}
		}},
		{"timestamp from milliseconds", []string{"@timestamp:=1000"}, func(t *testing.T, r *record.Record) {
			if r.Timestamp.UnixMilli() != 1000 {
				t.Errorf("timestamp: got %v", r.Timestamp)
			}
		}},
		{"timestamp from an RFC 3339 field", []string{"@timestamp==ts"}, func(t *testing.T, r *record.Record) {
			if r.Timestamp.UnixMilli() != 1442018818771 {
				t.Errorf("timestamp: got %v", r.Timestamp)
			}
		}},
		{"timestamp deleted", []string{"@timestamp-"}, func(t *testing.T, r *record.Record) {
			if !r.Timestamp.IsZero() {
				t.Errorf("timestamp: got %v, want unset", r.Timestamp)
			}
		}},
		{"timestamp default", []string{"@timestamp-", "@timestamp//:=5"}, func(t *testing.T, r *record.Record) {
			if r.Timestamp.UnixMilli() != 5 {
				t.Errorf("timestamp: got %v", r.Timestamp)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := process(t, tc.edits, Options{}, envelope(append([]byte(nil), value...)))
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			tc.check(t, out)
		})
	}

	_, err := process(t, []string{"@partition==id"}, Options{}, envelope(value))
	if err == nil || !strings.Contains(err.Error(), `edit "@partition==id": set @partition: invalid partition "o-1"`) {
		t.Errorf("partition from a string field: got %v", err)
	}

	// An envelope value that is not valid JSON is text: reading a field
	// of it finds nothing.
	out, err := process(t, []string{"@key==a"}, Options{}, envelope([]byte(`{"a":}`)))
	if err != nil || string(out.Key) != "k1" {
		t.Errorf("key from a text value: got %v, %q", err, out.Key)
	}
}

func wantBytes(t *testing.T, label string, got []byte, want string) {
	t.Helper()
	if got == nil || string(got) != want {
		t.Errorf("%s: got %q, want %q", label, got, want)
	}
}

func wantSuffix(t *testing.T, value []byte, suffix string) {
	t.Helper()
	if !strings.HasSuffix(string(value), suffix) {
		t.Errorf("value: got %s, want it to end with %s", value, suffix)
	}
}

func wantHeaders(t *testing.T, headers []record.Header, want ...string) {
	t.Helper()
	var got []string
	for _, h := range headers {
		v := string(h.Value)
		if h.Value == nil {
			v = "<null>"
		}
		got = append(got, h.Key+"="+v)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("headers: got %q, want %q", got, want)
	}
}

// TestProcessorReuse runs one Processor over records in turn, including
// a record whose value is the Processor's own previous output.
func TestProcessorReuse(t *testing.T) {
	prog, err := Compile([]string{"n:=1", "m==n", "k-"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	proc := prog.NewProcessor()
	var last []byte
	emit := func(r *record.Record) error { last = r.Value; return nil }

	for i, in := range []string{`{"k":1}`, `{"a":"x","k":2}`, `{}`} {
		if err := proc.Process(plain(in), emit); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if string(last) != `{"n":1,"m":1}` {
		t.Fatalf("third record: got %s", last)
	}

	again := plain("")
	again.Value = last
	if err := proc.Process(again, emit); err != nil {
		t.Fatal(err)
	}
	if string(last) != `{"n":1,"m":1}` {
		t.Errorf("own output fed back: got %s", last)
	}
}

// TestProcessorAllocations checks that the hot path allocates nothing
// once its buffers have grown.
func TestProcessorAllocations(t *testing.T) {
	cases := [][]string{
		{"status=seen"},
		{"channel=x", "comment-", "copy==user", "d//=1", "t%={user}:{delta}"},
	}
	line := []byte(`{"channel":"#en","comment":"a \"quoted\" word","user":"Ada","delta":-3}`)
	for _, edits := range cases {
		prog, err := Compile(edits, Options{})
		if err != nil {
			t.Fatal(err)
		}
		proc := prog.NewProcessor()
		emit := func(*record.Record) error { return nil }
		rec := plain("")
		allocs := testing.AllocsPerRun(100, func() {
			*rec = record.Record{Value: line}
			if err := proc.Process(rec, emit); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("edits %q: %v allocations per record, want 0", edits, allocs)
		}
	}
}

func TestMetaPathErrorsWrapSentinel(t *testing.T) {
	_, err := process(t, []string{"@key=x"}, Options{}, plain(`{}`))
	if !errors.Is(err, field.ErrNoMetadata) {
		t.Errorf("got %v, want field.ErrNoMetadata", err)
	}
}

func TestMetadataTextIntoJSON(t *testing.T) {
	rec := envelope([]byte(`{}`))
	rec.Key = []byte("a\xffb\"\n<&>😀")
	out, err := process(t, []string{"k==@key", "t%=[{@key}]"}, Options{}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"k":"a\uFFFDb\"\n<&>😀","t":"[a\uFFFDb\"\n<&>😀]"}`
	want = strings.ReplaceAll(want, `\uFFFD`, "\uFFFD")
	if string(out.Value) != want {
		t.Errorf("value: got %s, want %s", out.Value, want)
	}
}

func TestDuplicateKeysFirstWins(t *testing.T) {
	cases := []struct {
		edits []string
		want  string
	}{
		{[]string{"dup:=3"}, `{"dup":3,"dup":2}`},
		{[]string{"x==dup"}, `{"dup":1,"dup":2,"x":1}`},
		{[]string{"dup-"}, `{"dup":2}`},
	}
	for _, tc := range cases {
		out, err := process(t, tc.edits, Options{}, plain(`{"dup":1,"dup":2}`))
		if err != nil || out == nil || string(out.Value) != tc.want {
			t.Errorf("edits %q: got %v, %v; want %s", tc.edits, out, err, tc.want)
		}
	}
}
