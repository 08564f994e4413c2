package kread

import (
	"strings"
	"testing"
)

func TestParseStart(t *testing.T) {
	tests := []struct {
		in   string
		want Start
	}{
		{"beginning", Start{Kind: StartBeginning}},
		{"earliest", Start{Kind: StartBeginning}},
		{"END", Start{Kind: StartEnd}},
		{"latest", Start{Kind: StartEnd}},
		{"0", Start{Kind: StartAt, N: 0}},
		{"42", Start{Kind: StartAt, N: 42}},
		{"-10", Start{Kind: StartFromEnd, N: 10}},
		{"-0", Start{Kind: StartFromEnd, N: 0}},
		{"@1442018818771", Start{Kind: StartTime, N: 1442018818771}},
		{"@2015-09-12T00:46:58.771Z", Start{Kind: StartTime, N: 1442018818771}},
		{"@2015-09-12T02:46:58.771+02:00", Start{Kind: StartTime, N: 1442018818771}},
	}
	for _, tt := range tests {
		got, err := ParseStart(tt.in)
		if err != nil {
			t.Errorf("ParseStart(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseStart(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseStartErrors(t *testing.T) {
	for _, in := range []string{"", "begin", "1.5", "@", "@yesterday", "@-5", "-x", "--1", "@1970-01-01", "-9223372036854775808", "99999999999999999999"} {
		_, err := ParseStart(in)
		if err == nil {
			t.Errorf("ParseStart(%q) succeeded, want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), "--offset") {
			t.Errorf("ParseStart(%q) error %q does not name --offset", in, err)
		}
	}
}

func TestStartResolve(t *testing.T) {
	// A partition whose oldest record is at offset 10 and whose end is 20.
	const logStart, end = 10, 20
	tests := []struct {
		start  string
		atTime int64
		want   int64
	}{
		{"beginning", -1, 10},
		{"end", -1, 20},
		{"15", -1, 15},
		{"3", -1, 10},
		{"99", -1, 20},
		{"-5", -1, 15},
		{"-50", -1, 10},
		{"-0", -1, 20},
		{"@100", 12, 12},
		{"@100", -1, 20},
	}
	for _, tt := range tests {
		s, err := ParseStart(tt.start)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Resolve(logStart, end, tt.atTime); got != tt.want {
			t.Errorf("%s.Resolve(%d, %d, %d) = %d, want %d", tt.start, logStart, end, tt.atTime, got, tt.want)
		}
	}
}

func TestStartStringRoundTrip(t *testing.T) {
	for _, in := range []string{"beginning", "end", "7", "-3", "@1442018818771"} {
		s, err := ParseStart(in)
		if err != nil {
			t.Fatal(err)
		}
		if s.String() != in {
			t.Errorf("ParseStart(%q).String() = %q", in, s.String())
		}
	}
}

func FuzzParseStart(f *testing.F) {
	for _, seed := range []string{"beginning", "end", "0", "-1", "@0", "@2015-09-12T00:46:58Z", "-", "@", "1e3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseStart(in)
		if err != nil {
			return
		}
		// A parsed value prints back to a value that parses the same.
		again, err := ParseStart(s.String())
		if err != nil || again != s {
			t.Errorf("ParseStart(%q) = %+v, but its String %q parses to %+v, %v", in, s, s.String(), again, err)
		}
		if s.N < 0 {
			t.Errorf("ParseStart(%q) = %+v with a negative N", in, s)
		}
		if got := s.Resolve(5, 9, 7); got < 5 || got > 9 {
			t.Errorf("%+v.Resolve(5, 9, 7) = %d, outside the log", s, got)
		}
	})
}
