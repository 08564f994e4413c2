package output

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

func TestFileDateDirectories(t *testing.T) {
	dir := t.TempDir()
	pattern := filepath.Join(dir, "%Y", "%m", "%n", "out-%n.jsonl")
	before := time.Now().UTC()
	f, err := NewFile(FileOptions{Path: pattern, MaxRecords: 2, Format: record.FormatPlain})
	if err != nil {
		t.Fatal(err)
	}
	done := &countDone{}
	for i := range 5 {
		rec := &record.Record{Value: []byte(strconv.Itoa(i))}
		if err := f.Write(context.Background(), rec, done); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := f.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	if done.ok != 5 || done.failed != 0 {
		t.Errorf("delivered %d, failed %d, want 5 and 0", done.ok, done.failed)
	}

	// Each rotation opens a file in a new directory, because %n is in the
	// directory part. The test may run across the end of a month.
	for seq, want := range []string{"0\n1\n", "2\n3\n", "4\n"} {
		name := expandPath(pattern, before, seq)
		if _, err := os.Stat(name); err != nil {
			name = expandPath(pattern, after, seq)
		}
		if got := readAll(t, name, "none"); got != want {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "%Y")); !os.IsNotExist(err) {
		t.Errorf("directory named after the pattern: Lstat error %v, want not exist", err)
	}

	// A later start finds a stale temporary file in an expanded directory.
	stale := filepath.Join(filepath.Dir(expandPath(pattern, after, 0)), ".out-000009.jsonl.tmp-7")
	if err := os.WriteFile(stale, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := NewFile(FileOptions{Path: pattern, Format: record.FormatPlain})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(context.Background())
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale %s: Lstat error %v, want not exist", stale, err)
	}
}

func TestFileCreatesFixedDirectoryAtStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b%%c")
	f, err := NewFile(FileOptions{Path: filepath.Join(dir, "out-%n.jsonl"), Format: record.FormatPlain})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	if info, err := os.Stat(filepath.Join(filepath.Dir(dir), "b%c")); err != nil || !info.IsDir() {
		t.Errorf("directory of the output after NewFile: %v, %v", info, err)
	}
}

func TestFileKeepsExistingName(t *testing.T) {
	dir := t.TempDir()
	existing := map[string]string{"t.jsonl": "old\n", "t-1.jsonl": "old 1\n"}
	for name, content := range existing {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := NewFile(FileOptions{Path: filepath.Join(dir, "t.jsonl"), Format: record.FormatPlain})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(context.Background(), &record.Record{Value: []byte("new")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	for name, content := range existing {
		if got := readAll(t, filepath.Join(dir, name), "none"); got != content {
			t.Errorf("existing %s holds %q, want %q", name, got, content)
		}
	}
	if got := readAll(t, filepath.Join(dir, "t-2.jsonl"), "none"); got != "new\n" {
		t.Errorf("new file t-2.jsonl holds %q", got)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 3 {
		t.Errorf("files %v, want 3", names)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestFileSameNameTwoOutputs(t *testing.T) {
	// Two outputs write one pattern without %n at the same time, so both
	// take the names t.jsonl, t-1.jsonl, ... in a race. No file may
	// replace another.
	dir := t.TempDir()
	const perOutput = 100
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, prefix := range []string{"a", "b"} {
		f, err := NewFile(FileOptions{Path: filepath.Join(dir, "t.jsonl"), MaxRecords: 1, Format: record.FormatPlain})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			done := &countDone{}
			for i := range perOutput {
				rec := &record.Record{Value: []byte(prefix + strconv.Itoa(i))}
				if err := f.Write(context.Background(), rec, done); err != nil {
					errs <- err
					break
				}
			}
			if err := f.Close(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 2*perOutput {
		t.Errorf("%d files, want %d", len(names), 2*perOutput)
	}
	seen := map[string]bool{}
	for _, name := range names {
		seen[readAll(t, name, "none")] = true
	}
	for _, prefix := range []string{"a", "b"} {
		for i := range perOutput {
			if line := prefix + strconv.Itoa(i) + "\n"; !seen[line] {
				t.Errorf("no file holds %q", line)
			}
		}
	}
}

func TestRenameFreeKeepsExistingName(t *testing.T) {
	// renameFree is the fallback where hard links are not supported.
	dir := t.TempDir()
	final := filepath.Join(dir, "r.jsonl")
	tmp := filepath.Join(dir, ".r.jsonl.tmp-1")
	for name, content := range map[string]string{final: "old\n", tmp: "new\n"} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	name, err := renameFree(tmp, final)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "r-1.jsonl"); name != want {
		t.Errorf("renameFree = %q, want %q", name, want)
	}
	if got := readAll(t, final, "none"); got != "old\n" {
		t.Errorf("existing file holds %q", got)
	}
	if got := readAll(t, name, "none"); got != "new\n" {
		t.Errorf("renamed file holds %q", got)
	}
	if _, err := os.Lstat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary name: Lstat error %v, want not exist", err)
	}
}

func TestSuffixedName(t *testing.T) {
	for _, c := range []struct {
		path string
		n    int
		want string
	}{
		{"/d/a.jsonl.gz", 0, "/d/a.jsonl.gz"},
		{"/d/a.jsonl.gz", 2, "/d/a-2.jsonl.gz"},
		{"/d/.a.jsonl", 1, "/d/.a-1.jsonl"},
		{"/d.x/a", 1, "/d.x/a-1"},
		{"a.jsonl", 3, "a-3.jsonl"},
	} {
		if got := suffixedName(c.path, c.n); got != c.want {
			t.Errorf("suffixedName(%q, %d) = %q, want %q", c.path, c.n, got, c.want)
		}
	}
}

func TestFileMode(t *testing.T) {
	// Under umask 0 and 0022 alike, the final file is 0644: readable by
	// all, and writable by its owner only.
	for _, umask := range []int{0, 0o022} {
		t.Run(strconv.FormatInt(int64(umask), 8), func(t *testing.T) {
			old := syscall.Umask(umask)
			t.Cleanup(func() { syscall.Umask(old) })

			dir := t.TempDir()
			f, err := NewFile(FileOptions{Path: filepath.Join(dir, "m.jsonl"), Format: record.FormatPlain})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Write(context.Background(), &record.Record{Value: []byte("a")}, nil); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(context.Background()); err != nil {
				t.Fatal(err)
			}

			info, err := os.Stat(filepath.Join(dir, "m.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != 0o644 {
				t.Errorf("mode of the final file = %04o, want 0644", got)
			}
		})
	}
}

func TestFileRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := []string{
		".t-223903-000002.jsonl.gz.tmp-3398562350",
		".t-000000-1000000.jsonl.gz.tmp-1",
	}
	unrelated := []string{
		"t-223903-000002.jsonl.gz",             // a final file
		".t-223903-000002.jsonl.gz.tmp-33985x", // not a number after .tmp-
		".t-223903-000002.jsonl.gz.tmp-1.bak",  // more after the number
		".t-22390-000002.jsonl.gz.tmp-1",       // %H%M%S with five digits
		".t-223903-00002.jsonl.gz.tmp-1",       // %n with five digits
		".u-223903-000002.jsonl.gz.tmp-1",      // another pattern
		"t-223903-000002.jsonl.gz.tmp-1",       // not hidden
		".t-223903-000002.jsonl.tmp-1",         // another extension
		"notes.txt",
	}
	for _, name := range append(append([]string{}, stale...), unrelated...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".t-223903-000003.jsonl.gz.tmp-2"), 0o755); err != nil {
		t.Fatal(err)
	}
	unrelated = append(unrelated, ".t-223903-000003.jsonl.gz.tmp-2") // a directory

	var logs bytes.Buffer
	f, err := NewFile(FileOptions{
		Path:        filepath.Join(dir, "t-%H%M%S-%n.jsonl.gz"),
		Compression: "gzip",
		Log:         slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())

	for _, name := range stale {
		if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("stale %s: Lstat error %v, want not exist", name, err)
		}
		line := `level=INFO msg="removed stale temporary file" path=` + filepath.Join(dir, name) + "\n"
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log has no line %q", line)
		}
	}
	for _, name := range unrelated {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("unrelated %s: %v", name, err)
		}
	}
	if lines := strings.Count(logs.String(), "\n"); lines != len(stale) {
		t.Errorf("%d log lines, want %d:\n%s", lines, len(stale), logs.String())
	}
}

func TestFileKeepsLiveTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live-%n.jsonl")
	writer, err := NewFile(FileOptions{Path: path, Format: record.FormatPlain})
	if err != nil {
		t.Fatal(err)
	}
	done := &countDone{}
	if err := writer.Write(context.Background(), &record.Record{Value: []byte("a")}, done); err != nil {
		t.Fatal(err)
	}
	live, _ := filepath.Glob(filepath.Join(dir, ".live-000000.jsonl.tmp-*"))
	if len(live) != 1 {
		t.Fatalf("temporary files %v, want one", live)
	}

	// A second output on the same pattern starts while the first one
	// writes. The flock of the first one's temporary file is held by
	// another open file, as it would be by another process.
	var logs bytes.Buffer
	other, err := NewFile(FileOptions{Path: path, Format: record.FormatPlain, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	if _, err := os.Lstat(live[0]); err != nil {
		t.Errorf("live temporary file: %v", err)
	}
	if logs.Len() != 0 {
		t.Errorf("second output logged %q", logs.String())
	}

	if err := writer.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if done.ok != 1 {
		t.Errorf("delivered %d, want 1", done.ok)
	}
	if got := readAll(t, filepath.Join(dir, "live-000000.jsonl"), "none"); got != "a\n" {
		t.Errorf("file holds %q", got)
	}
}

func TestTempPatterns(t *testing.T) {
	dirGlob, base := tempPatterns("/d/%Y/%m[x]/%n/a*%%.%q-%H%M%S-%n.jsonl%")
	if want := `/d/[0-9][0-9][0-9][0-9]/[0-9][0-9]\[x]/[0-9][0-9][0-9][0-9][0-9][0-9]*`; dirGlob != want {
		t.Errorf("directory glob = %q, want %q", dirGlob, want)
	}
	for name, want := range map[string]bool{
		".a*%.%q-010203-000001.jsonl%.tmp-42":   true,
		".a*%.%q-010203-1234567.jsonl%.tmp-42":  true,
		".ab%.%q-010203-000001.jsonl%.tmp-42":   false,
		".a*%%.%q-010203-000001.jsonl%.tmp-42":  false,
		".a*%.%q-01020-000001.jsonl%.tmp-42":    false,
		".a*%.%q-010203-000001.jsonl%.tmp-":     false,
		"a*%.%q-010203-000001.jsonl%.tmp-42":    false,
		".a*%.%q-010203-000001.jsonl%.tmp-42.x": false,
	} {
		if got := base.MatchString(name); got != want {
			t.Errorf("temporary name regexp %s on %q = %v, want %v", base, name, got, want)
		}
	}
}

func TestTempPatternsNoDirectory(t *testing.T) {
	dirGlob, base := tempPatterns("out-%n.jsonl")
	if dirGlob != "." {
		t.Errorf("directory glob = %q, want %q", dirGlob, ".")
	}
	if !base.MatchString(".out-000001.jsonl.tmp-5") {
		t.Errorf("temporary name regexp %s does not match .out-000001.jsonl.tmp-5", base)
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
