package broker

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseTopicSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    TopicSpec
		wantErr string // substring of the error, empty for success
	}{
		{in: "orders", want: TopicSpec{Name: "orders"}},
		{in: "orders:6", want: TopicSpec{Name: "orders", Partitions: 6}},
		{in: "a.b_c-D9:1", want: TopicSpec{Name: "a.b_c-D9", Partitions: 1}},
		{in: "...", want: TopicSpec{Name: "..."}},
		{in: strings.Repeat("t", 249), want: TopicSpec{Name: strings.Repeat("t", 249)}},
		{in: "t:2147483647", want: TopicSpec{Name: "t", Partitions: 2147483647}},
		{in: "", wantErr: "missing topic name"},
		{in: ":3", wantErr: "missing topic name"},
		{in: ".", wantErr: "reserves"},
		{in: "..:2", wantErr: "reserves"},
		{in: strings.Repeat("t", 250), wantErr: "longer than 249"},
		{in: "bad/name", wantErr: "at column 4"},
		{in: "sp ace", wantErr: "at column 3"},
		{in: "é", wantErr: "at column 1"},
		{in: "t:", wantErr: `invalid partition count ""`},
		{in: "t:0", wantErr: `invalid partition count "0"`},
		{in: "t:-1", wantErr: `invalid partition count "-1"`},
		{in: "t:x", wantErr: `invalid partition count "x"`},
		{in: "t:2147483648", wantErr: "invalid partition count"},
		{in: "t:3:4", wantErr: `invalid partition count "3:4"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTopicSpec(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseTopicSpec(%q) = %+v, want an error containing %q", tt.in, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTopicSpec(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTopicSpec(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseTopicSpec(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParseTopicSpec checks that parsing never panics, that an accepted
// name obeys Kafka's rules, and that a parsed spec written back parses to
// the same spec.
func FuzzParseTopicSpec(f *testing.F) {
	for _, seed := range []string{"orders", "orders:6", "", ":", ".", "..:1", "a/b", "t:-1", "t:99999999999", "é:1", "t:3:4"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		spec, err := ParseTopicSpec(in)
		if err != nil {
			return
		}
		if spec.Name == "" || spec.Name == "." || spec.Name == ".." || len(spec.Name) > maxTopicNameLength {
			t.Fatalf("ParseTopicSpec(%q) accepted name %q", in, spec.Name)
		}
		for i := 0; i < len(spec.Name); i++ {
			if !isTopicNameByte(spec.Name[i]) {
				t.Fatalf("ParseTopicSpec(%q) accepted name %q with byte %q", in, spec.Name, spec.Name[i])
			}
		}
		if spec.Partitions < 0 {
			t.Fatalf("ParseTopicSpec(%q) accepted partition count %d", in, spec.Partitions)
		}

		text := spec.Name
		if spec.Partitions > 0 {
			text += ":" + strconv.Itoa(int(spec.Partitions))
		}
		again, err := ParseTopicSpec(text)
		if err != nil || again != spec {
			t.Fatalf("ParseTopicSpec(%q) = %+v, but %q parses to %+v, %v", in, spec, text, again, err)
		}
	})
}
