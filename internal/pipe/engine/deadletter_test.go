package engine

import (
	"errors"
	"testing"

	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
)

// A record that already went through a dead-letter topic gets its error
// headers replaced, not a second set, and keeps its other headers in
// order.
func TestDeadLetterReplacesErrorHeaders(t *testing.T) {
	h := func(key, value string) record.Header { return record.Header{Key: key, Value: []byte(value)} }
	rec := &record.Record{
		Value: []byte(`{"a":1}`),
		Headers: []record.Header{
			h("trace", "t1"),
			h(HeaderError, "old error"),
			h(HeaderStage, "etl-set"),
			h("tenant", "x"),
			h(HeaderSourceTopic, "orders"),
			h(HeaderSourcePartition, "2"),
			h(HeaderSourceOffset, "17"),
			h(HeaderSourceLine, "4"),
			h("etl.sourced", "kept"),
		},
	}
	source := &record.Record{Topic: "orders-dlq", Partition: 0, Offset: 5, HasMeta: true}
	dead := deadLetter(failure{err: errors.New("new error"), stage: "etl-math", rec: rec, source: source})

	want := []record.Header{
		h("trace", "t1"),
		h("tenant", "x"),
		h("etl.sourced", "kept"),
		h(HeaderError, "new error"),
		h(HeaderStage, "etl-math"),
		h(HeaderSourceTopic, "orders-dlq"),
		h(HeaderSourcePartition, "0"),
		h(HeaderSourceOffset, "5"),
	}
	if len(dead.Headers) != len(want) {
		t.Fatalf("dead letter has %d headers, want %d: %q", len(dead.Headers), len(want), dead.Headers)
	}
	for i, w := range want {
		if got := dead.Headers[i]; got.Key != w.Key || string(got.Value) != string(w.Value) {
			t.Errorf("header %d = %s=%q, want %s=%q", i, got.Key, got.Value, w.Key, w.Value)
		}
	}
	if len(rec.Headers) != 9 {
		t.Errorf("the failed record's own headers changed: %q", rec.Headers)
	}
}

// An output's error about one record goes to on_error; any other output
// error stops the pipeline.
func TestFailureOfOutputErrors(t *testing.T) {
	rec := &record.Record{Value: []byte("v")}
	tests := []struct {
		name      string
		err       error
		perRecord bool
	}{
		{"record error", &OutputError{Output: "kafka:out", Err: &output.RecordError{Err: errors.New(`the record has no field "id" for --key`)}}, true},
		{"newline in value", &OutputError{Output: "stdout", Err: record.ErrNewlineInValue}, true},
		{"output error", &OutputError{Output: "file", Err: errors.New("disk full")}, false},
		{"record error outside an output", &output.RecordError{Err: errors.New("x")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := failureOf(tc.err, rec, rec)
			if ok != tc.perRecord {
				t.Fatalf("failureOf(%v) handled = %v, want %v", tc.err, ok, tc.perRecord)
			}
			if ok && f.stage != stageOutput {
				t.Errorf("stage = %q, want %q", f.stage, stageOutput)
			}
		})
	}
}
