package lua

import (
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/record"
)

// kafkaRecord returns a record as an envelope line would carry it.
func kafkaRecord(value string) *record.Record {
	return &record.Record{
		Value: []byte(value),
		Key:   []byte("k1"),
		Headers: []record.Header{
			{Key: "trace", Value: []byte("t1")},
			{Key: "dup", Value: []byte("first")},
			{Key: "nil", Value: nil},
			{Key: "dup", Value: []byte("second")},
		},
		Topic:     "orders",
		Partition: 2,
		Offset:    42,
		Timestamp: time.UnixMilli(1442018818771),
		Line:      7,
		HasMeta:   true,
	}
}

func TestMetaRead(t *testing.T) {
	for _, c := range []struct {
		expr string
		want string
	}{
		{`m.key`, `k1`},
		{`m.topic`, `orders`},
		{`m.partition`, `2`},
		{`m.offset`, `42`},
		{`m.timestamp`, `1442018818771`},
		{`m.line`, `7`},
		{`m.headers.trace`, `t1`},
		{`m.headers.dup`, `second`},
		{`m.headers["nil"]`, `nil`},
		{`m.headers.missing`, `nil`},
		{`#m.headers`, `4`},
		{`(function() local s = "" for k, v in pairs(m.headers) do s = s .. k .. "=" .. tostring(v) .. ";" end return s end)()`, `trace=t1;dup=first;nil=null;dup=second;`},
		{`meta(record.new({a = 1})).key`, `k1`},
	} {
		res := runRecords(t, inline(`local m = meta(rec) return tostring(`+c.expr+`)`), kafkaRecord(`{}`))
		if res.err != nil || len(res.values) != 1 || res.values[0] != c.want {
			t.Errorf("%s = %q (%v), want %q", c.expr, res.values, res.err, c.want)
		}
	}
}

func TestMetaPlainLine(t *testing.T) {
	res := runScript(t, inline(`local m = meta(rec) return tostring(m.key) .. tostring(m.topic) .. tostring(m.partition) .. tostring(m.offset) .. tostring(m.timestamp) .. m.line .. #m.headers`), `{}`)
	if want := "nilnilnilnilnil10"; res.err != nil || len(res.values) != 1 || res.values[0] != want {
		t.Errorf("plain line metadata = %q (%v), want %q", res.values, res.err, want)
	}
}

func TestMetaWrite(t *testing.T) {
	in := kafkaRecord(`{"id":"u7"}`)
	res := runRecords(t, inline(`
		local m = meta(rec)
		m.key = rec.id
		m.headers.trace = nil
		m.headers.dup = "one"
		m.headers["new"] = 5
		m.topic = "users"
		m.timestamp = 1000`), in)
	if res.err != nil || len(res.recs) != 1 {
		t.Fatalf("run: %q, %v", res.values, res.err)
	}
	out := res.recs[0]
	if string(out.Key) != "u7" || out.Topic != "users" || out.Timestamp.UnixMilli() != 1000 || out.Partition != 2 || out.Offset != 42 {
		t.Errorf("metadata = key %q topic %q timestamp %v partition %d offset %d", out.Key, out.Topic, out.Timestamp, out.Partition, out.Offset)
	}
	if got, want := headerText(out.Headers), "dup=one;nil=<null>;new=5;"; got != want {
		t.Errorf("headers = %s, want %s", got, want)
	}
	if got, want := headerText(in.Headers), "trace=t1;dup=first;nil=<null>;dup=second;"; got != want {
		t.Errorf("input headers changed to %s", got)
	}
	if string(in.Key) != "k1" {
		t.Errorf("input key changed to %q", in.Key)
	}
}

func TestMetaWriteWholeHeaders(t *testing.T) {
	for _, c := range []struct{ code, want string }{
		{`meta(rec).headers = {b = "2", a = "1"}`, "a=1;b=2;"},
		{`meta(rec).headers = {{"x", "1"}, {"x", "2"}}`, "x=1;x=2;"},
		{`meta(rec).headers = {{key = "x", value = json.null}}`, "x=<null>;"},
		{`meta(rec).headers = nil`, ""},
		{`meta(rec).key = nil`, "trace=t1;dup=first;nil=<null>;dup=second;"},
	} {
		res := runRecords(t, inline(c.code), kafkaRecord(`{}`))
		if res.err != nil || len(res.recs) != 1 {
			t.Fatalf("%s: %v", c.code, res.err)
		}
		if got := headerText(res.recs[0].Headers); got != c.want {
			t.Errorf("%s: headers %s, want %s", c.code, got, c.want)
		}
	}

	res := runRecords(t, inline(`meta(rec).key = nil`), kafkaRecord(`{}`))
	if res.err != nil || res.recs[0].Key != nil {
		t.Errorf("key after setting nil = %q, want a null key", res.recs[0].Key)
	}
}

func TestMetaErrors(t *testing.T) {
	for _, c := range []struct{ code, want string }{
		{`meta(rec).offset = 1`, "meta.offset is read-only because"},
		{`meta(rec).partition = 1`, "meta.partition is read-only"},
		{`return meta(rec).kee`, `unknown metadata field "kee"`},
		{`meta(rec).key = {}`, "cannot set meta.key to a table value"},
		{`meta(rec).timestamp = "now"`, "use milliseconds since the epoch"},
		{`meta(rec.o)`, "meta takes a record, but rec.o is a value inside one"},
		{`meta({})`, "record value expected, got table"},
		{`meta(rec).headers = {1}`, "meta.headers[1] is a number"},
	} {
		res := runRecords(t, inline(c.code), kafkaRecord(`{"o":{}}`))
		if !strings.Contains(errText(res.err), c.want) {
			t.Errorf("%s: error %q, want one containing %q", c.code, errText(res.err), c.want)
		}
	}
}

func headerText(headers []record.Header) string {
	var b strings.Builder
	for _, h := range headers {
		v := string(h.Value)
		if h.Value == nil {
			v = "<null>"
		}
		b.WriteString(h.Key + "=" + v + ";")
	}
	return b.String()
}
