package output

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/etelgo/etelgo/internal/record"
)

type countDone struct{ ok, failed int }

func (c *countDone) Delivered(err error, _ *record.Record) {
	if err != nil {
		c.failed++
	} else {
		c.ok++
	}
}

func readAll(t *testing.T, path, compression string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	switch compression {
	case "gzip":
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = gz
	case "zstd":
		zr, err := zstd.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func TestFileRotation(t *testing.T) {
	for _, compression := range []string{"none", "gzip", "zstd"} {
		t.Run(compression, func(t *testing.T) {
			dir := t.TempDir()
			f, err := NewFile(FileOptions{Path: filepath.Join(dir, "out-%n.jsonl"), MaxRecords: 4, Compression: compression, Format: record.FormatPlain})
			if err != nil {
				t.Fatal(err)
			}
			done := &countDone{}
			for i := 0; i < 10; i++ {
				rec := &record.Record{Value: []byte(`{"i":` + string(rune('0'+i)) + `}`)}
				if err := f.Write(context.Background(), rec, done); err != nil {
					t.Fatal(err)
				}
				// A file that is still open has delivered nothing.
				if want := (i + 1) / 4 * 4; done.ok != want {
					t.Fatalf("after %d records, %d delivered, want %d", i+1, done.ok, want)
				}
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, ".out-*")); len(tmp) != 1 {
				t.Errorf("temporary files while writing: %v, want one", tmp)
			}
			if err := f.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if done.ok != 10 || done.failed != 0 {
				t.Errorf("delivered %d, failed %d", done.ok, done.failed)
			}

			names, _ := filepath.Glob(filepath.Join(dir, "*"))
			sort.Strings(names)
			if len(names) != 3 {
				t.Fatalf("files %v, want 3 with no temporary file left", names)
			}
			var all strings.Builder
			for _, name := range names {
				all.WriteString(readAll(t, name, compression))
			}
			if lines := strings.Count(all.String(), "\n"); lines != 10 || !strings.HasPrefix(all.String(), `{"i":0}`) {
				t.Errorf("files hold %q", all.String())
			}
		})
	}
}

func TestFileRotateByTime(t *testing.T) {
	dir := t.TempDir()
	f, err := NewFile(FileOptions{Path: filepath.Join(dir, "t.jsonl"), RotateInterval: 50 * time.Millisecond, Format: record.FormatPlain})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	done := &countDone{}
	f.Write(context.Background(), &record.Record{Value: []byte("a")}, done)
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		ok := done.ok
		f.mu.Unlock()
		if ok == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the file was not closed by its age")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The same name again gets a suffix instead of replacing the file.
	f.Write(context.Background(), &record.Record{Value: []byte("b")}, done)
	f.Flush(context.Background())
	if got := readAll(t, filepath.Join(dir, "t-1.jsonl"), "none"); got != "b\n" {
		t.Errorf("second file holds %q", got)
	}
	if got := readAll(t, filepath.Join(dir, "t.jsonl"), "none"); got != "a\n" {
		t.Errorf("first file holds %q", got)
	}
}

func TestExpandPath(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	got := expandPath("/d/%Y/%m/%d/%H%M%S-%n-%%-%q.jsonl", at, 12)
	if want := "/d/2026/03/04/050607-000012-%-%q.jsonl"; got != want {
		t.Errorf("expandPath = %q, want %q", got, want)
	}
}

func TestRetriesDelay(t *testing.T) {
	r := Retries{Max: 5, Backoff: 100 * time.Millisecond, MaxBackoff: 350 * time.Millisecond}
	want := []time.Duration{100, 200, 350, 350}
	for i, w := range want {
		if got := r.Delay(i + 1); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
}

func TestLinesDeliverOnFlush(t *testing.T) {
	var buf bytes.Buffer
	l := NewLines("stdout", &buf, record.FormatPlain)
	done := &countDone{}
	l.Write(context.Background(), &record.Record{Value: []byte("x")}, done)
	if done.ok != 0 || buf.Len() != 0 {
		t.Fatalf("delivered before the flush")
	}
	if err := l.Write(context.Background(), &record.Record{Value: []byte("a\nb")}, done); err != record.ErrNewlineInValue {
		t.Errorf("plain value with a line break: %v", err)
	}
	l.Flush(context.Background())
	if done.ok != 1 || buf.String() != "x\n" {
		t.Errorf("after flush: delivered %d, output %q", done.ok, buf.String())
	}
}
