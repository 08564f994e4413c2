package kwrite

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReleaseBoundsFreeBuffers checks that the free list keeps buffers
// up to --max-buffered-bytes of capacity and drops the rest, keeping the
// pending records themselves for reuse.
func TestReleaseBoundsFreeBuffers(t *testing.T) {
	tests := []struct {
		name      string
		maxBytes  int
		caps      []int
		wantBytes int
		wantKept  []bool // whether each released record keeps its buffer
	}{
		{"all fit", 4096, []int{1024, 1024, 2048}, 4096, []bool{true, true, true}},
		{"last dropped", 2048, []int{1024, 1024, 512}, 2048, []bool{true, true, false}},
		{"large one dropped, small one kept", 2048, []int{1024, 4096, 512}, 1536, []bool{true, false, true}},
		{"no buffer", 0, []int{0, 0}, 0, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &producer{cfg: &config{maxBufferedBytes: tt.maxBytes}}
			var released []*pending
			for _, n := range tt.caps {
				pd := p.get()
				if n > 0 {
					pd.buf = make([]byte, 8, n)
					pd.rec.Value = pd.buf[:8]
					pd.rec.Headers = []kgo.RecordHeader{{Key: "h", Value: pd.buf[:1]}}
				}
				released = append(released, pd)
			}
			for _, pd := range released {
				p.release(pd)
			}

			if p.freeBytes != tt.wantBytes {
				t.Errorf("free list holds %d bytes of buffers, want %d", p.freeBytes, tt.wantBytes)
			}
			if len(p.free) != len(tt.caps) {
				t.Fatalf("free list holds %d records, want %d", len(p.free), len(tt.caps))
			}
			for i, pd := range released {
				kept := pd.buf != nil
				if kept != tt.wantKept[i] {
					t.Errorf("record %d: buffer kept %v, want %v", i, kept, tt.wantKept[i])
				}
				if !kept && (pd.rec.Value != nil || len(pd.rec.Headers) != 0) {
					t.Errorf("record %d: dropped buffer still referenced by the kgo record", i)
				}
			}

			// Getting every record back empties the free list and its count.
			for range tt.caps {
				p.get()
			}
			if p.freeBytes != 0 || len(p.free) != 0 {
				t.Errorf("after getting all back: %d records, %d bytes left", len(p.free), p.freeBytes)
			}
		})
	}
}
