package kafka

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/record"
)

// fidelityRecords are the records whose every byte must survive a trip
// through a broker: nil against empty for value, key and header values.
func fidelityRecords() []record.Record {
	ts := time.UnixMilli(1442018818771)
	return []record.Record{
		{Value: []byte(`{"a":1.0,"b":12345678901234567891}`), Key: []byte("k"), Timestamp: ts},
		{Value: nil, Key: []byte("tombstone"), Timestamp: ts.Add(time.Millisecond)},
		{Value: []byte{}, Key: []byte{}, Timestamp: ts},
		{Value: []byte{0xff, 0x00, 0xfe}, Key: nil, Timestamp: time.UnixMilli(0)},
		{Value: []byte("text\nwith newline"), Key: []byte{0x80}, Timestamp: ts, Headers: []record.Header{
			{Key: "h", Value: []byte("1")},
			{Key: "h", Value: []byte("2")},
			{Key: "null", Value: nil},
			{Key: "empty", Value: []byte{}},
			{Key: "bin", Value: []byte{0xc3, 0x28}},
		}},
	}
}

func TestRecordRoundTripThroughBroker(t *testing.T) {
	c, err := kfake.NewCluster(kfake.Ports(0), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	want := fidelityRecords()
	for i := range want {
		kr := &kgo.Record{Topic: "t", Partition: 0}
		ToKgo(kr, &want[i])
		if err := cl.ProduceSync(ctx, kr).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	var got []record.Record
	var rec record.Record
	for len(got) < len(want) {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatal(err)
		}
		fetches.EachRecord(func(kr *kgo.Record) {
			FromKgo(&rec, kr)
			got = append(got, *rec.Clone())
		})
	}

	for i := range want {
		g, w := got[i], want[i]
		if !sameBytes(g.Value, w.Value) || !sameBytes(g.Key, w.Key) {
			t.Errorf("record %d: value %q key %q, want value %q key %q", i, g.Value, g.Key, w.Value, w.Key)
		}
		if !g.Timestamp.Equal(w.Timestamp) {
			t.Errorf("record %d: timestamp %v, want %v", i, g.Timestamp, w.Timestamp)
		}
		if len(g.Headers) != len(w.Headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(g.Headers), len(w.Headers))
		}
		for j := range w.Headers {
			if g.Headers[j].Key != w.Headers[j].Key || !sameBytes(g.Headers[j].Value, w.Headers[j].Value) {
				t.Errorf("record %d header %d: %q=%q, want %q=%q", i, j, g.Headers[j].Key, g.Headers[j].Value, w.Headers[j].Key, w.Headers[j].Value)
			}
		}
		if g.Topic != "t" || g.Partition != 0 || g.Offset != int64(i) || !g.HasMeta {
			t.Errorf("record %d: topic %q partition %d offset %d has meta %v", i, g.Topic, g.Partition, g.Offset, g.HasMeta)
		}
	}
}

// sameBytes compares bytes and also nil against empty.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

func TestFromKgoReusesHeaders(t *testing.T) {
	kr := &kgo.Record{Topic: "t", Value: []byte("v"), Headers: []kgo.RecordHeader{{Key: "a", Value: []byte("1")}}}
	var rec record.Record
	FromKgo(&rec, kr)
	allocs := testing.AllocsPerRun(100, func() { FromKgo(&rec, kr) })
	if allocs != 0 {
		t.Errorf("FromKgo allocates %v times per record, want 0", allocs)
	}
	if len(rec.Headers) != 1 || rec.Headers[0].Key != "a" {
		t.Errorf("headers = %+v", rec.Headers)
	}
}
