package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCanonicalJSON(t *testing.T) {
	tests := []struct {
		name, a, b string
		same       bool
	}{
		{"key order", `{"a":1,"b":2}`, `{"b":2,"a":1}`, true},
		{"spaces", `{"a": [1, 2]}`, `{"a":[1,2]}`, true},
		{"float rounding", `{"x":43.2}`, `{"x":43.199999999999996}`, true},
		{"trailing zero", `{"x":1512.180}`, `{"x":1512.18}`, true},
		{"big integer rewrite", `{"k":-9214364837600034816}`, `{"k":-9214364837600035000}`, true},
		{"unicode escape", `{"n":"caf\u00e9"}`, `{"n":"café"}`, true},
		{"number against string", `{"t":11645959887980700147}`, `{"t":"11645959887980700147"}`, false},
		{"different value", `{"s":"seen"}`, `{"s":"new"}`, false},
		{"missing field", `{"a":1,"s":"seen"}`, `{"a":1}`, false},
		{"nested difference", `{"c":{"id":1}}`, `{"c":{"id":2}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := canonicalJSON(nil, []byte(tt.a))
			if err != nil {
				t.Fatalf("canonicalJSON(%s): %v", tt.a, err)
			}
			b, err := canonicalJSON(nil, []byte(tt.b))
			if err != nil {
				t.Fatalf("canonicalJSON(%s): %v", tt.b, err)
			}
			if got := string(a) == string(b); got != tt.same {
				t.Errorf("same = %v, want %v: %s and %s", got, tt.same, a, b)
			}
		})
	}
}

func TestCanonicalJSONRejectsTwoValues(t *testing.T) {
	if _, err := canonicalJSON(nil, []byte(`{"a":1} {"b":2}`)); err == nil {
		t.Error("canonicalJSON accepted two values on one line")
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDigestFileIgnoresOrder(t *testing.T) {
	a := writeFile(t, "a", "{\"a\":1}\n{\"b\":2}\n")
	b := writeFile(t, "b", "{\"b\":2}\n{\"a\":1}\n")
	for _, mode := range []checkMode{checkExact, checkJSON, checkCount} {
		da, err := digestFile(a, mode)
		if err != nil {
			t.Fatal(err)
		}
		db, err := digestFile(b, mode)
		if err != nil {
			t.Fatal(err)
		}
		if da != db {
			t.Errorf("%s: digests differ for the same lines in another order", mode)
		}
	}
}

func TestDigestFileSeesDuplicates(t *testing.T) {
	a := writeFile(t, "a", "x\nx\ny\n")
	b := writeFile(t, "b", "x\ny\ny\n")
	da, _ := digestFile(a, checkExact)
	db, _ := digestFile(b, checkExact)
	if da == db {
		t.Error("digests are equal for different multisets of lines")
	}
}

func TestDigestFileLastLineWithoutNewline(t *testing.T) {
	a := writeFile(t, "a", "x\ny")
	b := writeFile(t, "b", "x\ny\n")
	da, _ := digestFile(a, checkExact)
	db, _ := digestFile(b, checkExact)
	if da != db {
		t.Errorf("digest of a file without its last newline %+v, want %+v", da, db)
	}
}

func TestCommonLines(t *testing.T) {
	ref := writeFile(t, "ref", "a\nb\nb\nc\n")
	out := writeFile(t, "out", "b\nb\nb\nd\n")
	counts, err := lineCounts(ref, checkExact)
	if err != nil {
		t.Fatal(err)
	}
	got, err := commonLines(out, counts)
	if err != nil {
		t.Fatal(err)
	}
	if got != 2 {
		t.Errorf("commonLines = %d, want 2", got)
	}
}

func TestDescribeDifferenceNamesField(t *testing.T) {
	want := writeFile(t, "want", "{\"id\":1,\"t\":5}\n{\"id\":2,\"t\":6}\n")
	out := writeFile(t, "out", "{\"id\":1,\"t\":5}\n{\"id\":2,\"t\":\"6\"}\n")
	got := describeDifference(want, out, checkJSON)
	if !strings.Contains(got, "line 2") || !strings.Contains(got, `t: 6 → "6"`) {
		t.Errorf("describeDifference = %q, want line 2 and the field t", got)
	}
}

func TestDescribeDifferenceFewerLines(t *testing.T) {
	want := writeFile(t, "want", "a\nb\n")
	out := writeFile(t, "out", "a\n")
	if got := describeDifference(want, out, checkExact); !strings.Contains(got, "fewer lines") {
		t.Errorf("describeDifference = %q, want fewer lines", got)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		values []time.Duration
		want   time.Duration
	}{
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 2},
		{[]time.Duration{7}, 7},
	}
	for _, tt := range tests {
		if got := median(tt.values); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	path := writeFile(t, "time", "Command exited with non-zero status 1\n1.25 0.50 0.10 20480\n")
	m, err := parseTime(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.maxRSS != 20480*1024 {
		t.Errorf("maxRSS = %d, want %d", m.maxRSS, 20480*1024)
	}
}

func TestReplaceSection(t *testing.T) {
	path := writeFile(t, "doc.md", "# Title\n\n"+sectionBegin+"\nold\n"+sectionEnd+"\n\ntail\n")
	if err := replaceSection(path, "new table\n"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	got := string(data)
	if strings.Contains(got, "old") || !strings.Contains(got, "new table") || !strings.HasSuffix(got, "tail\n") {
		t.Errorf("replaceSection wrote %q", got)
	}
}
