package stage

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/etelgo/etelgo/internal/record"
)

// upper is a test processor: it upper-cases values, fails on values that
// contain "bad", drops values equal to "drop" and doubles values equal to
// "twice".
type upper struct{ buf []byte }

func (u *upper) Process(rec *record.Record, emit Emit) error {
	switch {
	case bytes.Contains(rec.Value, []byte("bad")):
		return errors.New("bad value")
	case string(rec.Value) == "drop":
		return nil
	case string(rec.Value) == "twice":
		if err := emit(rec); err != nil {
			return err
		}
	}
	u.buf = append(u.buf[:0], bytes.ToUpper(rec.Value)...)
	rec.Value = u.buf
	return emit(rec)
}

func upperFactory() (Processor, error) { return &upper{}, nil }

func TestRunStreamPolicies(t *testing.T) {
	input := "a\nbad1\ndrop\ntwice\n\nb\n"
	cases := []struct {
		policy  Policy
		out     string
		counts  Counts
		wantErr string
	}{
		{PolicyFail, "A\n", Counts{In: 2, Out: 1}, "line 2: bad value"},
		{PolicySkip, "A\ntwice\nTWICE\n\nB\n", Counts{In: 6, Out: 5, Skipped: 1}, ""},
		{PolicyPass, "A\nbad1\ntwice\nTWICE\n\nB\n", Counts{In: 6, Out: 6, Passed: 1}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.policy.String(), func(t *testing.T) {
			var out, stderr bytes.Buffer
			counts, err := RunStream("etl-test", upperFactory, strings.NewReader(input), &out, &stderr, StreamOptions{Policy: tc.policy})
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("got error %v, want %q", err, tc.wantErr)
			}
			if out.String() != tc.out {
				t.Errorf("output: got %q, want %q", out.String(), tc.out)
			}
			if counts != tc.counts {
				t.Errorf("counts: got %+v, want %+v", counts, tc.counts)
			}
		})
	}
}

func TestRunStreamEnvelopes(t *testing.T) {
	input := `{"etl_envelope":1,"topic":"t","partition":0,"offset":7,"timestamp":null,"key":"k","headers":[],"value":"x"}` + "\n" +
		"not an envelope\n" +
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":8,"timestamp":null,"key":null,"headers":[],"value":"bad"}` + "\n"

	var out, stderr bytes.Buffer
	_, err := RunStream("etl-test", upperFactory, strings.NewReader(input), &out, &stderr, StreamOptions{Policy: PolicyPass})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"etl_envelope":1,"topic":"t","partition":0,"offset":7,"timestamp":null,"key":"k","headers":[],"value":"X"}` + "\n" +
		"not an envelope\n" +
		`{"etl_envelope":1,"topic":"t","partition":0,"offset":8,"timestamp":null,"key":null,"headers":[],"value":"bad"}` + "\n"
	if out.String() != want {
		t.Errorf("output:\n got %s\nwant %s", out.String(), want)
	}

	out.Reset()
	_, err = RunStream("etl-test", upperFactory, strings.NewReader(input), &out, &stderr, StreamOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 2:") {
		t.Errorf("fail policy on a bad line: got %v, want an error naming line 2", err)
	}
	_, err = RunStream("etl-test", upperFactory, strings.NewReader(input[strings.Index(input, "\n")+17:]), &out, &stderr, StreamOptions{Format: record.FormatEnvelope})
	if err == nil || !strings.Contains(err.Error(), `topic "t" partition 0 offset 8`) {
		t.Errorf("fail policy on a bad record: got %v, want an error naming topic, partition and offset", err)
	}
}

// closedWriter fails every write like a closed pipe.
type closedWriter struct{}

func (closedWriter) Write([]byte) (int, error) { return 0, errors.New("write |1: broken pipe") }

func TestRunStreamWriteError(t *testing.T) {
	var stderr bytes.Buffer
	big := strings.Repeat("line\n", 100000)
	_, err := RunStream("etl-test", upperFactory, strings.NewReader(big), closedWriter{}, &stderr, StreamOptions{})
	if err == nil || !strings.Contains(err.Error(), "write output") {
		t.Errorf("got %v, want a write output error", err)
	}
}
