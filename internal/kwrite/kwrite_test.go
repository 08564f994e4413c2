package kwrite

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/record"
)

// fidelityLines are envelopes whose every byte must reach the broker as
// written: raw JSON kept as is, text, binary, empty and null values, null
// and empty keys, repeated, null and binary headers, exact timestamps.
const fidelityLines = `{"etl_envelope":1,"topic":"src","partition":2,"offset":7,"timestamp":1442018818771,"key":"k1","headers":[],"value":{"big":12345678901234567891,"f":1.0,"u":"\u00e9\ud83d\ude00","s":"a  b" ,  "z":[ 1 , 2 ]}}
{"etl_envelope":1,"topic":"src","partition":0,"offset":8,"timestamp":1,"key":null,"headers":[{"key":"h","value":"1"},{"key":"h","value":"2"},{"key":"n","value":null},{"key":"e","value":""},{"key":"b","value_b64":"/wA="}],"value_text":"plain text\nwith a newline"}
{"etl_envelope":1,"topic":"src","partition":1,"offset":9,"timestamp":0,"key":"","headers":[],"value_b64":"AP/+"}
{"etl_envelope":1,"topic":"src","partition":1,"offset":10,"timestamp":1442018818772,"key_b64":"gA==","headers":[],"value":null}
{"etl_envelope":1,"topic":"src","partition":1,"offset":11,"timestamp":1442018818773,"key":"k1","headers":[],"value_text":""}
{"etl_envelope":1,"topic":"src","partition":1,"offset":12,"timestamp":1442018818774,"key":"k1","headers":[],"value_text":"null"}
{"etl_envelope":1,"topic":"src","partition":1,"offset":13,"timestamp":1442018818775,"key":"","headers":[{"key":"e","value":""}],"value_text":""}
`

func TestWriteFidelity(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "out"))
	mustRun(t, c, fidelityLines, "out")

	got := consume(t, c, "out")
	lines := strings.Split(strings.TrimSpace(fidelityLines), "\n")
	if len(got) != len(lines) {
		t.Fatalf("read %d records, want %d", len(got), len(lines))
	}
	for i, line := range lines {
		var want record.Record
		if err := record.DecodeEnvelope([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		g := got[i]
		if !sameBytes(g.Value, want.Value) {
			t.Errorf("record %d: value %q, want %q", i, g.Value, want.Value)
		}
		if !sameBytes(g.Key, want.Key) {
			t.Errorf("record %d: key %q (nil %v), want %q (nil %v)", i, g.Key, g.Key == nil, want.Key, want.Key == nil)
		}
		if !g.Timestamp.Equal(want.Timestamp) {
			t.Errorf("record %d: timestamp %d, want %d", i, g.Timestamp.UnixMilli(), want.Timestamp.UnixMilli())
		}
		if len(g.Headers) != len(want.Headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(g.Headers), len(want.Headers))
		}
		for j, h := range want.Headers {
			if g.Headers[j].Key != h.Key || !sameBytes(g.Headers[j].Value, h.Value) {
				t.Errorf("record %d header %d: %q=%q, want %q=%q", i, j, g.Headers[j].Key, g.Headers[j].Value, h.Key, h.Value)
			}
		}
	}

	// The raw JSON value is byte-identical to the envelope's.
	raw := `{"big":12345678901234567891,"f":1.0,"u":"\u00e9\ud83d\ude00","s":"a  b" ,  "z":[ 1 , 2 ]}`
	if string(got[0].Value) != raw {
		t.Errorf("raw value %s, want %s", got[0].Value, raw)
	}
}

// sameBytes compares bytes and also nil against empty.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

func TestWritePlainLines(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "out"))
	before := time.Now().Add(-time.Second)
	mustRun(t, c, "{\"a\":1}\n\nnot json\n", "out")

	got := consume(t, c, "out")
	var vals []string
	for _, r := range got {
		vals = append(vals, string(r.Value))
		if r.Key != nil || len(r.Headers) != 0 {
			t.Errorf("plain line %q got key %q headers %v", r.Value, r.Key, r.Headers)
		}
		if r.Timestamp.Before(before) {
			t.Errorf("plain line %q stamped %v, want the time of producing", r.Value, r.Timestamp)
		}
	}
	if want := []string{`{"a":1}`, "", "not json"}; !reflect.DeepEqual(vals, want) {
		t.Errorf("values %q, want %q", vals, want)
	}
}

func TestWriteKeyFromField(t *testing.T) {
	tests := []struct {
		line string
		key  []byte // nil: null key
	}{
		{`{"id":"user-1"}`, []byte("user-1")},
		{`{"id":"esc\u00e9"}`, []byte("escé")},
		{`{"id":12.50}`, []byte("12.50")},
		{`{"id":12345678901234567891}`, []byte("12345678901234567891")},
		{`{"id":true}`, []byte("true")},
		{`{"id":{"a": 1}}`, []byte(`{"a": 1}`)},
		{`{"id":""}`, []byte{}},
		{`{"id":null}`, nil},
	}
	c := newCluster(t, kfake.SeedTopics(1, "out"))
	var in strings.Builder
	for _, tt := range tests {
		in.WriteString(tt.line + "\n")
	}
	mustRun(t, c, in.String(), "-k", "id", "out")

	got := consume(t, c, "out")
	if len(got) != len(tests) {
		t.Fatalf("read %d records, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		if !sameBytes(got[i].Key, tt.key) {
			t.Errorf("%s: key %q (nil %v), want %q (nil %v)", tt.line, got[i].Key, got[i].Key == nil, tt.key, tt.key == nil)
		}
		if string(got[i].Value) != tt.line {
			t.Errorf("value %q, want %q", got[i].Value, tt.line)
		}
	}
}

func TestWriteMissingKeyField(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "out"))
	in := "{\"id\":1}\n{\"other\":2}\n{\"id\":3}\n"

	res := run(t, c, in, "-k", "id", "out")
	if res.code != 1 || !strings.Contains(res.stderr, `line 2: the record has no field "id" for --key`) {
		t.Errorf("fail: exit %d, stderr %q", res.code, res.stderr)
	}
	if got := len(consume(t, c, "out")); got != 1 {
		t.Errorf("fail: %d records written, want the one before the bad line", got)
	}

	res = run(t, c, in, "-k", "id", "--on-error", "skip", "out")
	if res.code != 0 || !strings.Contains(res.stderr, "2 records written to out, 0 failed, 1 dropped (--on-error skip)") {
		t.Errorf("skip: exit %d, stderr %q", res.code, res.stderr)
	}
}

// murmur2Partitions holds the partitions that librdkafka 2.0.2 (kcat 1.7.1
// with -X partitioner=murmur2_random, the same hash as the Java client)
// chose for these keys, in topics of 3 and 7 partitions.
var murmur2Partitions = []struct {
	key    string
	p3, p7 int32
}{
	{"a", 1, 5}, {"b", 2, 6}, {"c", 1, 0},
	{"user-1", 2, 3}, {"user-2", 2, 0}, {"user-3", 2, 0}, {"user-42", 1, 1},
	{"order:1001", 1, 1}, {"order:1002", 1, 0},
	{"21", 0, 3}, {"foobar", 0, 0}, {"a-little-bit-long-string", 2, 1},
	{"héllo", 0, 2}, {"0", 2, 3}, {"12345678901234567890", 2, 4},
	{"wikipedia", 2, 5}, {"en.wikipedia", 1, 4}, {"#en.wikipedia", 2, 5},
}

func TestWritePartitionByKey(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(3, "p3"), kfake.SeedTopics(7, "p7"))
	var in strings.Builder
	for _, tt := range murmur2Partitions {
		fmt.Fprintf(&in, "{\"k\":%q}\n", tt.key)
	}
	mustRun(t, c, in.String(), "-k", "k", "p3")
	mustRun(t, c, in.String(), "-k", "k", "p7")

	for _, topic := range []string{"p3", "p7"} {
		got := make(map[string]int32)
		for _, r := range consume(t, c, topic) {
			got[string(r.Key)] = r.Partition
		}
		for _, tt := range murmur2Partitions {
			want := tt.p3
			if topic == "p7" {
				want = tt.p7
			}
			if p, ok := got[tt.key]; !ok || p != want {
				t.Errorf("%s: key %q in partition %d, want %d as librdkafka's murmur2", topic, tt.key, p, want)
			}
		}
	}
}

func TestWriteExplicitPartition(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(3, "out"), kfake.SeedTopics(3, "kept"))
	mustRun(t, c, "{\"k\":\"a\"}\n{\"k\":\"b\"}\n", "-k", "k", "--partition", "2", "out")
	for _, r := range consume(t, c, "out") {
		if r.Partition != 2 {
			t.Errorf("--partition 2: record %q in partition %d", r.Value, r.Partition)
		}
	}

	in := `{"etl_envelope":1,"topic":"x","partition":1,"offset":0,"timestamp":null,"key":"a","headers":[],"value":1}
{"etl_envelope":1,"topic":"x","partition":0,"offset":1,"timestamp":null,"key":"a","headers":[],"value":2}
`
	mustRun(t, c, in, "--keep-partition", "kept")
	got := map[string]int32{}
	for _, r := range consume(t, c, "kept") {
		got[string(r.Value)] = r.Partition
	}
	if want := map[string]int32{"1": 1, "2": 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("--keep-partition: partitions %v, want %v", got, want)
	}

	res := run(t, c, in, "--partition", "5", "out")
	if res.code != 1 || !strings.Contains(res.stderr, "partition") {
		t.Errorf("partition out of range: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestWriteTopicFrom(t *testing.T) {
	c := newCluster(t)
	in := "{\"type\":\"a\",\"n\":1}\n{\"type\":\"b\",\"n\":2}\n{\"n\":3}\n{\"type\":\"a\",\"n\":4}\n"

	res := run(t, c, in, "--topic-from", "type", "rest")
	if res.code != 0 || !strings.Contains(res.stderr, "4 records written to 3 topics, 0 failed") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	for topic, want := range map[string]int{"a": 2, "b": 1, "rest": 1} {
		if got := len(consume(t, c, topic)); got != want {
			t.Errorf("topic %s has %d records, want %d", topic, got, want)
		}
	}

	res = run(t, c, in, "--topic-from", "type")
	if res.code != 1 || !strings.Contains(res.stderr, `line 3: the record has no field "type" for --topic-from`) {
		t.Errorf("without TOPIC: exit %d, stderr %q", res.code, res.stderr)
	}
	res = run(t, c, "{\"type\":\"bad name\"}\n", "--topic-from", "type")
	if res.code != 1 || !strings.Contains(res.stderr, `invalid topic "bad name"`) {
		t.Errorf("bad topic: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestWriteTooLarge(t *testing.T) {
	c := newCluster(t, kfake.BrokerConfigs(map[string]string{"message.max.bytes": "1000"}), kfake.SeedTopics(1, "small"))
	big := strings.Repeat("x", 2000)
	in := "\"a\"\n\"" + big + "\"\n\"c\"\n"

	res := run(t, c, in, "small")
	if res.code != 1 {
		t.Errorf("fail: exit %d, want 1", res.code)
	}
	for _, want := range []string{"line 2", "record of 2002 bytes", `topic "small" partition 0`, "MESSAGE_TOO_LARGE"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("fail: stderr %q does not contain %q", res.stderr, want)
		}
	}
	if got := len(consume(t, c, "small")); got < 1 {
		t.Errorf("fail: %d records written, want the one accepted before", got)
	}

	res = run(t, c, in, "--on-error", "skip", "small")
	if res.code != 1 || !strings.Contains(res.stderr, "2 records written to small, 1 failed") {
		t.Errorf("skip: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestWriteTopicMaxMessageBytes(t *testing.T) {
	c := newCluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	limit := "1000"
	if _, err := kadm.NewClient(cl).CreateTopic(t.Context(), 1, 1, map[string]*string{"max.message.bytes": &limit}, "limited"); err != nil {
		t.Fatal(err)
	}

	// The large record fails alone; the small ones around it, batched
	// together in one linger, are all written.
	in := "\"a\"\n\"b\"\n\"" + strings.Repeat("x", 1500) + "\"\n\"d\"\n"
	res := run(t, c, in, "--on-error", "skip", "--linger", "1s", "limited")
	if res.code != 1 || !strings.Contains(res.stderr, "3 records written to limited, 1 failed") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestWriteCompression(t *testing.T) {
	c := newCluster(t)
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		topic := "z-" + codec
		in := strings.Repeat(`{"compressible":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`+"\n", 100)
		mustRun(t, c, in, "-z", codec, topic)
		got := consume(t, c, topic)
		if len(got) != 100 || string(got[0].Value) != `{"compressible":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}` {
			t.Errorf("-z %s: read %d records", codec, len(got))
		}
	}
}

func TestWriteAcks(t *testing.T) {
	c := newCluster(t)
	for _, acks := range []string{"all", "leader", "none"} {
		mustRun(t, c, "1\n2\n", "--acks", acks, "acks-"+acks)
	}
	mustRun(t, c, "1\n2\n", "--no-idempotence", "no-idem")
	if got := len(consume(t, c, "no-idem")); got != 2 {
		t.Errorf("--no-idempotence: %d records", got)
	}
}

func TestWriteBadEnvelope(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "out"))
	in := `{"etl_envelope":1,"value":1}
{"etl_envelope":1,"value":}
{"etl_envelope":1,"value":3}
`
	res := run(t, c, in, "out")
	if res.code != 1 || !strings.Contains(res.stderr, "line 2") {
		t.Errorf("fail: exit %d, stderr %q", res.code, res.stderr)
	}
	res = run(t, c, in, "--on-error", "pass", "out")
	if res.code != 0 || !strings.Contains(res.stderr, "2 records written to out, 0 failed, 1 dropped (--on-error pass)") {
		t.Errorf("pass: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestWriteUsageErrors(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "missing topic"},
		{[]string{"bad topic"}, `invalid topic "bad topic"`},
		{[]string{"-k", "a..b", "t"}, `invalid --key "a..b"`},
		{[]string{"--topic-from", "@nope", "t"}, `invalid --topic-from "@nope"`},
		{[]string{"--partition=-3", "t"}, "invalid --partition -3"},
		{[]string{"--partition", "1", "--keep-partition", "t"}, "contradict"},
		{[]string{"-z", "brotli", "t"}, "--compression"},
		{[]string{"--batch-max-bytes", "100", "t"}, "invalid --batch-max-bytes"},
	}
	for _, tt := range tests {
		res := run(t, c, "", tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

func TestWriteSASL(t *testing.T) {
	c := newCluster(t, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "alice", "secret"))
	t.Setenv("ETL_SASL_PASSWORD", "secret")
	mustRun(t, c, "1\n", "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-user", "alice", "out")
}

func TestWriteEmptyRecordFirst(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "out"))
	mustRun(t, c, `{"etl_envelope":1,"key":"","headers":[],"value_text":""}`+"\n", "out")
	got := consume(t, c, "out")
	if len(got) != 1 || got[0].Key == nil || got[0].Value == nil {
		t.Errorf("an empty key and value came out null: %+v", got)
	}
}
