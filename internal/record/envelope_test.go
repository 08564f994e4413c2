package record

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	ts := time.UnixMilli(1442018818771)
	cases := []struct {
		name string
		rec  Record
		want string // the encoded line, when checked
	}{
		{
			name: "json object",
			rec:  Record{Topic: "wiki", Partition: 2, Offset: 42, Timestamp: ts, Key: []byte("en"), Value: []byte(`{"a":1.0,"big":12345678901234567891}`)},
			want: `{"etl_envelope":1,"topic":"wiki","partition":2,"offset":42,"timestamp":1442018818771,"key":"en","headers":[],"value":{"a":1.0,"big":12345678901234567891}}`,
		},
		{
			name: "tombstone with null key",
			rec:  Record{Topic: "t", Offset: 1},
			want: `{"etl_envelope":1,"topic":"t","partition":0,"offset":1,"timestamp":null,"key":null,"headers":[],"value":null}`,
		},
		{
			name: "text null is not a tombstone",
			rec:  Record{Topic: "t", Value: []byte("null")},
			want: `{"etl_envelope":1,"topic":"t","partition":0,"offset":0,"timestamp":null,"key":null,"headers":[],"value_text":"null"}`,
		},
		{
			name: "empty value and empty key",
			rec:  Record{Topic: "t", Key: []byte{}, Value: []byte{}},
			want: `{"etl_envelope":1,"topic":"t","partition":0,"offset":0,"timestamp":null,"key":"","headers":[],"value_text":""}`,
		},
		{
			name: "binary value and key",
			rec:  Record{Topic: "t", Key: []byte{0xff, 0x00}, Value: []byte{0x00, 0x01, 0xfe, 0xff}},
			want: `{"etl_envelope":1,"topic":"t","partition":0,"offset":0,"timestamp":null,"key_b64":"/wA=","headers":[],"value_b64":"AAH+/w=="}`,
		},
		{
			name: "text with control characters",
			rec:  Record{Topic: "t", Value: []byte("line1\nline2\t\"q\" \\ \x01 <&> é 😀")},
			want: `{"etl_envelope":1,"topic":"t","partition":0,"offset":0,"timestamp":null,"key":null,"headers":[],"value_text":"line1\nline2\t\"q\" \\ \u0001 <&> é 😀"}`,
		},
		{
			name: "repeated null and binary headers",
			rec: Record{Topic: "t", Value: []byte(`[]`), Headers: []Header{
				{Key: "trace", Value: []byte("a")}, {Key: "trace", Value: []byte("b")},
				{Key: "none", Value: nil}, {Key: "empty", Value: []byte{}}, {Key: "bin", Value: []byte{0x80}},
			}},
			want: `{"etl_envelope":1,"topic":"t","partition":0,"offset":0,"timestamp":null,"key":null,"headers":[{"key":"trace","value":"a"},{"key":"trace","value":"b"},{"key":"none","value":null},{"key":"empty","value":""},{"key":"bin","value_b64":"gA=="}],"value":[]}`,
		},
		{name: "pretty json stays text", rec: Record{Topic: "t", Value: []byte("{\n  \"a\": 1\n}")}},
		{name: "json with surrounding spaces stays text", rec: Record{Topic: "t", Value: []byte(` {"a":1} `)}},
		{name: "unicode escapes kept", rec: Record{Topic: "t", Value: []byte(`{"s":"\ud83d\ude00 \u00e9 <>&"}`)}},
		{name: "scalar json string", rec: Record{Topic: "t", Value: []byte(`"just a string"`)}},
		{name: "invalid json", rec: Record{Topic: "t", Value: []byte(`{"a":}`)}},
		{name: "negative partition", rec: Record{Topic: "t", Partition: -1, Offset: -1, Value: []byte(`1`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line := AppendEnvelope(nil, &tc.rec)
			if tc.want != "" && string(line) != tc.want {
				t.Fatalf("encoded\n got %s\nwant %s", line, tc.want)
			}
			if bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("encoded envelope contains a line break: %q", line)
			}
			var got Record
			if err := DecodeEnvelope(line, &got); err != nil {
				t.Fatalf("decode %s: %v", line, err)
			}
			assertSameRecord(t, &tc.rec, &got)
		})
	}
}

// assertSameRecord compares every field that an envelope carries,
// including the difference between nil and empty slices.
func assertSameRecord(t *testing.T, want, got *Record) {
	t.Helper()
	if !sameBytes(want.Value, got.Value) {
		t.Errorf("value: got %q (nil %v), want %q (nil %v)", got.Value, got.Value == nil, want.Value, want.Value == nil)
	}
	if !sameBytes(want.Key, got.Key) {
		t.Errorf("key: got %q (nil %v), want %q (nil %v)", got.Key, got.Key == nil, want.Key, want.Key == nil)
	}
	if got.Topic != want.Topic || got.Partition != want.Partition || got.Offset != want.Offset {
		t.Errorf("position: got %q/%d/%d, want %q/%d/%d", got.Topic, got.Partition, got.Offset, want.Topic, want.Partition, want.Offset)
	}
	if !got.Timestamp.Equal(want.Timestamp) {
		t.Errorf("timestamp: got %v, want %v", got.Timestamp, want.Timestamp)
	}
	if len(got.Headers) != len(want.Headers) {
		t.Fatalf("headers: got %d, want %d", len(got.Headers), len(want.Headers))
	}
	for i := range want.Headers {
		if got.Headers[i].Key != want.Headers[i].Key || !sameBytes(got.Headers[i].Value, want.Headers[i].Value) {
			t.Errorf("header %d: got %q=%q, want %q=%q", i, got.Headers[i].Key, got.Headers[i].Value, want.Headers[i].Key, want.Headers[i].Value)
		}
	}
	if !got.HasMeta {
		t.Errorf("decoded record has HasMeta false")
	}
}

func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	cases := []struct {
		line string
		want string
	}{
		{`{"etl_envelope":1,"topic":"t"}`, `"value": missing`},
		{`{"etl_envelope":2,"value":1}`, "unsupported version 2"},
		{`{"topic":"t","value":1}`, "not an envelope"},
		{`{"etl_envelope":1,"value":1,"extra":true}`, `"extra": unknown field`},
		{`{"etl_envelope":1,"value":1,"value_text":"x"}`, "only one of value"},
		{`{"etl_envelope":1,"value":1,"key":"a","key":"b"}`, "only one of key and key_b64 may appear, once"},
		{`{"etl_envelope":1,"value":1,"partition":"0"}`, "must be an integer"},
		{`{"etl_envelope":1,"value":1,"partition":2147483648}`, "must be an integer"},
		{`{"etl_envelope":1,"value":1,"offset":1.5}`, "must be an integer"},
		{`{"etl_envelope":1,"value":1,"key_b64":"!!"}`, "invalid base64"},
		{`{"etl_envelope":1,"value":1,"key":5}`, "must be a string"},
		{`{"etl_envelope":1,"value":1,"headers":{}}`, "must be an array"},
		{`{"etl_envelope":1,"value":1,"headers":[{"value":"x"}]}`, `has no "key"`},
		{`{"etl_envelope":1,"value":1,"headers":[{"key":"a","x":1}]}`, "unknown header field"},
		{`{"etl_envelope":1,"value":1,"timestamp":"yesterday"}`, "invalid RFC 3339"},
		{`{"etl_envelope":1,"value":1,"timestamp":-5}`, "from 0 to"},
		{`{"etl_envelope":1,"value":1,"timestamp":9999999999999}`, "from 0 to"},
		{`{"etl_envelope":1,"value":1,"timestamp":"2300-01-01T00:00:00Z"}`, "outside the range"},
		{`{"etl_envelope":1,"value":1,"key":"a","key_b64":"AA=="}`, "only one of key and key_b64"},
		{`{"etl_envelope":1,"value":1,"headers":[{"key":"a"}]}`, `has no "value"`},
		{`{"etl_envelope":1,"value_text":null}`, "must be a string"},
		{`{"etl_envelope":1,"value":{"a":}`, "not valid JSON"},
		{`[1,2]`, "not a JSON object"},
	}
	for _, tc := range cases {
		var rec Record
		err := DecodeEnvelope([]byte(tc.line), &rec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeEnvelope(%s): got error %v, want one containing %q", tc.line, err, tc.want)
		}
	}
}

func TestDecodeEnvelopeHandWritten(t *testing.T) {
	line := []byte(`{ "value" : {"a": 1} , "etl_envelope": 1, "key":"k\u00e9", "timestamp":"2015-09-12T00:46:58.771Z", "headers":[{"key":"h","value_b64":"AAE="}] }`)
	var rec Record
	if err := DecodeEnvelope(line, &rec); err != nil {
		t.Fatal(err)
	}
	if string(rec.Value) != `{"a": 1}` {
		t.Errorf("value: got %q", rec.Value)
	}
	if string(rec.Key) != "ké" {
		t.Errorf("key: got %q", rec.Key)
	}
	if rec.Timestamp.UnixMilli() != 1442018818771 {
		t.Errorf("timestamp: got %d", rec.Timestamp.UnixMilli())
	}
	if rec.Partition != -1 || rec.Offset != -1 {
		t.Errorf("absent partition and offset: got %d and %d, want -1", rec.Partition, rec.Offset)
	}
	if len(rec.Headers) != 1 || !bytes.Equal(rec.Headers[0].Value, []byte{0, 1}) {
		t.Errorf("headers: got %+v", rec.Headers)
	}
}

func FuzzEnvelopeRoundTrip(f *testing.F) {
	f.Add([]byte(`{"a":1}`), []byte("k"), "h", []byte("v"), int64(5), true)
	f.Add([]byte{0xff, 0}, []byte(nil), "", []byte(nil), int64(-1), false)
	f.Add([]byte("null"), []byte{}, "x\"y", []byte{}, int64(0), true)
	f.Add([]byte(" 1"), []byte("\n"), "é", []byte("\x00"), int64(1<<40), false)
	f.Fuzz(func(t *testing.T, value, key []byte, hkey string, hvalue []byte, offset int64, tombstone bool) {
		if tombstone {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		if !utf8Valid(hkey) {
			t.Skip("header keys are strings in Kafka")
		}
		rec := Record{Topic: "topic", Partition: 1, Offset: offset, Key: key, Value: value,
			Headers: []Header{{Key: hkey, Value: hvalue}}}
		if offset < -1 {
			rec.Offset = -1
		}
		line := AppendEnvelope(nil, &rec)
		if bytes.IndexByte(line, '\n') >= 0 {
			t.Fatalf("envelope contains a line break: %q", line)
		}
		var got Record
		if err := DecodeEnvelope(line, &got); err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		assertSameRecord(t, &rec, &got)
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"etl_envelope":1,"topic":"t","partition":0,"offset":1,"timestamp":5,"key":"k","headers":[{"key":"a","value":"b"}],"value":{"x":1}}`))
	f.Add([]byte(`{"etl_envelope":1,"value_b64":"AAE="}`))
	f.Add([]byte(`{"etl_envelope":1,"headers":[{"key":"a","value":null}],"value":null}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var rec Record
		if err := DecodeEnvelope(line, &rec); err != nil {
			return
		}
		// Whatever decodes must encode and decode to the same record.
		again := AppendEnvelope(nil, &rec)
		var rec2 Record
		if err := DecodeEnvelope(again, &rec2); err != nil {
			t.Fatalf("re-decode %q: %v", again, err)
		}
		assertSameRecord(t, &rec, &rec2)
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
