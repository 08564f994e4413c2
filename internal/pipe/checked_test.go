package pipe

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/kafka"
	"github.com/etelgo/etelgo/internal/math"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/set"
)

// TestCheckedValueMark runs etl-set and etl-math as etl-pipe chains them.
// etl-set marks a value it checked and hands on the index of its root
// members, and etl-math trusts the mark and reads through the index. A
// record read from Kafka never carries a mark from an earlier record.
func TestCheckedValueMark(t *testing.T) {
	sp, err := set.Compile([]string{"status=seen"}, set.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := math.Compile([]string{"amount *= 2"}, expr.Options{Scale: expr.DefaultScale, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	s, m := sp.NewProcessor(), mp.NewProcessor()

	cases := []struct {
		value, want string
		marked      bool
	}{
		{`{"amount":1.5}`, `{"amount":3.0,"status":"seen"}`, true},
		// Not JSON: both stages pass it unchanged, unmarked.
		{`{"amount":1.5,}`, `{"amount":1.5,}`, false},
		{`{"amount":2}`, `{"amount":4,"status":"seen"}`, true},
	}
	var rec record.Record
	for _, tc := range cases {
		// The record is reused, as etl-pipe's workers reuse theirs.
		kafka.FromKgo(&rec, &kgo.Record{Topic: "in", Value: []byte(tc.value)})
		if rec.ValueJSON {
			t.Fatalf("%s: a record from Kafka arrives marked", tc.value)
		}
		var got *record.Record
		err := s.Process(&rec, func(r *record.Record) error {
			if tc.marked && r.Index == nil {
				t.Errorf("%s: etl-set hands on no index of the value it checked", tc.value)
			}
			return m.Process(r, func(out *record.Record) error {
				got = out
				return nil
			})
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.value, err)
		}
		if string(got.Value) != tc.want || got.ValueJSON != tc.marked {
			t.Errorf("%s: got %s marked %v; want %s marked %v", tc.value, got.Value, got.ValueJSON, tc.want, tc.marked)
		}
		if got.Index != nil && tc.marked {
			t.Errorf("%s: etl-math edited the value and kept an index of the old bytes", tc.value)
		}
		rec = *got
	}
}
