package output

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/etelgo/etelgo/internal/record"
)

// FileOptions configure a File output.
type FileOptions struct {
	// Path is the final name of each file. %Y %m %d %H %M %S are replaced
	// by the UTC time the file was opened, %n by a sequence number, and
	// %% by %.
	Path           string
	RotateSize     int64
	RotateInterval time.Duration
	Compression    string // none, gzip or zstd
	Format         record.Format
	// MaxRecords closes a file once it holds this many records (0: no
	// limit). A pipeline sets it below its buffer, because the records of
	// an open file are not delivered and so hold buffer space.
	MaxRecords int
}

// File writes records as lines to files. Each file is written under a
// hidden temporary name in the same directory, then flushed, synced and
// renamed to its final name when it is closed: at RotateSize bytes, after
// RotateInterval, on Flush, and on Close. The records of a file are
// delivered when it is renamed, so a crash leaves only temporary files,
// whose records were not committed and are read again.
type File struct {
	opts  FileOptions
	name  string
	stats Stats

	mu      sync.Mutex
	seg     *segment
	seq     int
	err     error
	stop    chan struct{}
	stopped sync.WaitGroup
}

// segment is the file being written.
type segment struct {
	final  string
	tmp    string
	f      *os.File
	count  *countingWriter
	comp   io.WriteCloser // the compressor, or nil
	w      *record.Writer
	opened time.Time
	dones  []Done
}

// NewFile returns a File output and starts its rotation timer.
func NewFile(opts FileOptions) (*File, error) {
	if opts.Compression == "" {
		opts.Compression = "none"
	}
	switch opts.Compression {
	case "none", "gzip", "zstd":
	default:
		return nil, fmt.Errorf("invalid compression %q: use none, gzip or zstd", opts.Compression)
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o755); err != nil {
		return nil, fmt.Errorf("create directory of file output %q: %w", opts.Path, err)
	}
	f := &File{opts: opts, name: "file:" + opts.Path, stop: make(chan struct{})}
	if opts.RotateInterval > 0 {
		f.stopped.Add(1)
		go f.rotateByTime()
	}
	return f, nil
}

// Name returns the output's name.
func (f *File) Name() string { return f.name }

// Stats returns the output's counters.
func (f *File) Stats() *Stats { return &f.stats }

// Write writes rec as a line of the current file, opening one if needed,
// and closes the file once it reaches the rotation size.
func (f *File) Write(_ context.Context, rec *record.Record, done Done) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.seg == nil {
		if err := f.open(); err != nil {
			f.err = err
			return err
		}
	}
	if err := f.seg.w.Write(rec); err != nil {
		if err == record.ErrNewlineInValue {
			return err
		}
		f.fail(err)
		return f.err
	}
	if done != nil {
		f.seg.dones = append(f.seg.dones, done)
	}
	full := f.opts.MaxRecords > 0 && len(f.seg.dones) >= f.opts.MaxRecords
	if full || f.opts.RotateSize > 0 && f.seg.count.n+int64(f.seg.w.Buffered()) >= f.opts.RotateSize {
		return f.closeSegment()
	}
	return nil
}

// open starts a new temporary file.
func (f *File) open() error {
	now := time.Now().UTC()
	final := expandPath(f.opts.Path, now, f.seq)
	f.seq++
	dir, base := filepath.Split(final)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create file for %q: %w", final, err)
	}
	seg := &segment{final: final, tmp: tmp.Name(), f: tmp, count: &countingWriter{w: tmp}, opened: now}
	var w io.Writer = seg.count
	switch f.opts.Compression {
	case "gzip":
		seg.comp = gzip.NewWriter(seg.count)
		w = seg.comp
	case "zstd":
		zw, err := zstd.NewWriter(seg.count)
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return fmt.Errorf("start zstd for %q: %w", final, err)
		}
		seg.comp = zw
		w = zw
	}
	seg.w = record.NewWriter(w, f.opts.Format)
	f.seg = seg
	return nil
}

// closeSegment flushes, syncs and renames the current file, then
// delivers its records.
func (f *File) closeSegment() error {
	seg := f.seg
	f.seg = nil
	err := seg.w.Flush()
	if err == nil && seg.comp != nil {
		err = seg.comp.Close()
	}
	if err == nil {
		err = seg.f.Sync()
	}
	if closeErr := seg.f.Close(); err == nil {
		err = closeErr
	}
	final := ""
	if err == nil {
		final, err = freeName(seg.final)
	}
	if err == nil {
		err = os.Rename(seg.tmp, final)
	}
	if err != nil {
		os.Remove(seg.tmp)
		err = fmt.Errorf("write file %q: %w", seg.final, err)
		f.err = err
		f.stats.Failed.Add(int64(len(seg.dones)))
	} else {
		f.stats.Written.Add(int64(len(seg.dones)))
	}
	for _, d := range seg.dones {
		d.Delivered(err, nil)
	}
	return err
}

// fail abandons the current file after a write error.
func (f *File) fail(err error) {
	seg := f.seg
	f.seg = nil
	f.err = fmt.Errorf("write file %q: %w", seg.final, err)
	seg.f.Close()
	os.Remove(seg.tmp)
	f.stats.Failed.Add(int64(len(seg.dones)))
	for _, d := range seg.dones {
		d.Delivered(f.err, nil)
	}
}

// rotateByTime closes files older than the rotation interval.
func (f *File) rotateByTime() {
	defer f.stopped.Done()
	tick := time.NewTicker(min(f.opts.RotateInterval, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-f.stop:
			return
		case now := <-tick.C:
			f.mu.Lock()
			if f.seg != nil && now.Sub(f.seg.opened) >= f.opts.RotateInterval {
				f.closeSegment()
			}
			f.mu.Unlock()
		}
	}
}

// Flush closes the current file, which delivers its records.
func (f *File) Flush(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seg == nil {
		return f.err
	}
	return f.closeSegment()
}

// Close closes the current file and stops the rotation timer.
func (f *File) Close(ctx context.Context) error {
	err := f.Flush(ctx)
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	f.stopped.Wait()
	return err
}

// expandPath replaces the time verbs and %n in pattern.
func expandPath(pattern string, t time.Time, seq int) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '%' || i+1 == len(pattern) {
			b.WriteByte(pattern[i])
			continue
		}
		i++
		switch pattern[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'n':
			fmt.Fprintf(&b, "%06d", seq)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(pattern[i])
		}
	}
	return b.String()
}

// freeName returns path, or path with -1, -2, ... before its extensions
// when a file of that name exists, so that a rename never replaces a file.
func freeName(path string) (string, error) {
	if _, err := os.Lstat(path); os.IsNotExist(err) {
		return path, nil
	}
	dir, base := filepath.Split(path)
	stem, ext := base, ""
	if i := strings.IndexByte(base[1:], '.'); i >= 0 {
		stem, ext = base[:i+1], base[i+1:]
	}
	for n := 1; n < 1<<20; n++ {
		candidate := filepath.Join(dir, stem+"-"+strconv.Itoa(n)+ext)
		if _, err := os.Lstat(candidate); os.IsNotExist(err) {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("no free name next to %q", path)
}

// countingWriter counts the bytes written to the file.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
