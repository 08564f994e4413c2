package record

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// readAll reads every record and line error from input.
func readAll(t *testing.T, input string, format Format, max int) (values []string, lines []int64, errs []error, detected Format) {
	t.Helper()
	r := NewReader(strings.NewReader(input), format, max)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return values, lines, errs, r.Format()
		}
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			errs = append(errs, err)
			continue
		}
		values = append(values, string(rec.Value))
		lines = append(lines, rec.Line)
	}
}

func TestReaderPlain(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		values []string
		lines  []int64
	}{
		{"lf", "{\"a\":1}\n{\"b\":2}\n", []string{`{"a":1}`, `{"b":2}`}, []int64{1, 2}},
		{"no final newline", "a\nb", []string{"a", "b"}, []int64{1, 2}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}, []int64{1, 2}},
		{"lone cr kept inside", "a\rb\n", []string{"a\rb"}, []int64{1}},
		{"blank lines are empty records", "\n\na\n\nb\n", []string{"", "", "a", "", "b"}, []int64{1, 2, 3, 4, 5}},
		{"only blank lines", "\n\n", []string{"", ""}, []int64{1, 2}},
		{"spaces are content", "  \n", []string{"  "}, []int64{1}},
		{"empty input", "", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values, lines, errs, format := readAll(t, tc.input, FormatAuto, 0)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if format != FormatPlain {
				t.Errorf("detected %v, want plain", format)
			}
			if strings.Join(values, "|") != strings.Join(tc.values, "|") || len(values) != len(tc.values) {
				t.Errorf("values: got %q, want %q", values, tc.values)
			}
			for i := range lines {
				if i < len(tc.lines) && lines[i] != tc.lines[i] {
					t.Errorf("line numbers: got %v, want %v", lines, tc.lines)
					break
				}
			}
		})
	}
}

func TestReaderEnvelopeDetection(t *testing.T) {
	input := "\n" +
		`{"etl_envelope":1,"topic":"t","value":{"a":1}}` + "\n" +
		"\n" +
		`{"etl_envelope":1,"topic":"t","value":oops}` + "\n" +
		`{"etl_envelope":1,"topic":"t","value_text":"x"}` + "\n"
	values, lines, errs, format := readAll(t, input, FormatAuto, 0)
	if format != FormatEnvelope {
		t.Fatalf("detected %v, want envelope", format)
	}
	if got := strings.Join(values, "|"); got != `{"a":1}|x` {
		t.Errorf("values: got %q", got)
	}
	if len(lines) != 2 || lines[0] != 2 || lines[1] != 5 {
		t.Errorf("line numbers: got %v, want [2 5]", lines)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "line 4:") {
		t.Errorf("errors: got %v, want one for line 4", errs)
	}
}

func TestReaderFormatOverride(t *testing.T) {
	line := `{"etl_envelope":1,"value":1}`
	values, _, _, _ := readAll(t, line+"\n", FormatPlain, 0)
	if len(values) != 1 || values[0] != line {
		t.Errorf("plain override: got %q", values)
	}
	_, _, errs, _ := readAll(t, `{"a":1}`+"\n", FormatEnvelope, 0)
	if len(errs) != 1 || !errors.Is(errs[0], ErrNotEnvelope) {
		t.Errorf("envelope override on a plain line: got %v", errs)
	}
}

func TestReaderLongLines(t *testing.T) {
	big := strings.Repeat("x", 3*readBufferSize+17)
	input := "a\n" + big + "\nb\n" + big + "y"

	values, lines, errs, _ := readAll(t, input, FormatPlain, 0)
	if len(errs) != 0 || len(values) != 4 || values[1] != big || values[3] != big+"y" || lines[3] != 4 {
		t.Fatalf("long lines under the default maximum: %d values, errors %v", len(values), errs)
	}

	values, _, errs, _ = readAll(t, input, FormatPlain, readBufferSize)
	if strings.Join(values, "|") != "a|b" {
		t.Errorf("values around too-long lines: got %d values", len(values))
	}
	if len(errs) != 2 || !errors.Is(errs[0], ErrLineTooLong) || !strings.Contains(errs[0].Error(), "line 2:") || !strings.Contains(errs[1].Error(), "line 4:") {
		t.Errorf("too-long errors: got %v", errs)
	}

	values, _, errs, _ = readAll(t, "12345\n123456\n1234\n", FormatPlain, 5)
	if strings.Join(values, "|") != "12345|1234" || len(errs) != 1 || !strings.Contains(errs[0].Error(), "line 2:") {
		t.Errorf("small maximum: values %q, errors %v", values, errs)
	}
}

func FuzzReaderPlain(f *testing.F) {
	f.Add([]byte("a\nb\r\n\n{\"x\":1}"), 4)
	f.Add([]byte("\n\n\n"), 1)
	f.Add([]byte(`{"etl_envelope":1,"value":1}`+"\nx\n"), 100)
	f.Fuzz(func(t *testing.T, input []byte, max int) {
		if max <= 0 || max > 1<<20 {
			max = 1 << 20
		}
		r := NewReader(bytes.NewReader(input), FormatPlain, max)
		var out [][]byte
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrLineTooLong) {
					t.Fatalf("unexpected error: %v", err)
				}
				out = nil
				break
			}
			out = append(out, append([]byte(nil), rec.Value...))
		}
		if out == nil {
			return
		}
		// Joining the values gives the input back, less CRLF endings and
		// the final newline.
		want := bytes.ReplaceAll(input, []byte("\r\n"), []byte("\n"))
		want = bytes.TrimSuffix(want, []byte("\n"))
		if got := bytes.Join(out, []byte("\n")); !bytes.Equal(got, want) && len(input) > 0 {
			t.Fatalf("values %q do not join to the input %q", out, input)
		}
	})
}

func TestReaderLooksPrettyPrinted(t *testing.T) {
	cases := []struct {
		input string
		want  bool
	}{
		{"{\n  \"a\": 1\n}\n", true},
		{"\n[\n1\n]\n", true},
		{"{\"a\":1}\n", false},
		{"{}\n", false},
	}
	for _, tc := range cases {
		r := NewReader(strings.NewReader(tc.input), FormatAuto, 0)
		if _, err := r.Next(); err != nil {
			t.Fatalf("Next(%q): %v", tc.input, err)
		}
		if got := r.LooksPrettyPrinted(); got != tc.want {
			t.Errorf("LooksPrettyPrinted(%q) = %v, want %v", tc.input, got, tc.want)
		}
	}
}
