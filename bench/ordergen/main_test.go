package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

func generateBytes(t *testing.T, limit int64, seed uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := generate(w, limit, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return buf.Bytes()
}

func TestGenerateWritesJSONLines(t *testing.T) {
	out := generateBytes(t, 200_000, 1)
	if int64(len(out)) < 200_000 {
		t.Errorf("wrote %d bytes, want at least 200000", len(out))
	}
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	withStatus := 0
	for i, line := range lines {
		var order map[string]any
		if err := json.Unmarshal(line, &order); err != nil {
			t.Fatalf("line %d is not a JSON object: %v: %s", i+1, err, line)
		}
		if _, ok := order["amount"].(float64); !ok {
			t.Errorf("line %d has no numeric amount: %s", i+1, line)
		}
		if _, ok := order["status"]; ok {
			withStatus++
		}
	}
	if withStatus == 0 || withStatus == len(lines) {
		t.Errorf("%d of %d lines have a status, want some but not all", withStatus, len(lines))
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	if !bytes.Equal(generateBytes(t, 50_000, 7), generateBytes(t, 50_000, 7)) {
		t.Error("two runs with the same seed differ")
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"100MB", 100e6},
		{"1GB", 1e9},
		{"20KB", 20e3},
		{"512", 512},
		{"64B", 64},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "1TB", "ten"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted an invalid size", bad)
		}
	}
}
