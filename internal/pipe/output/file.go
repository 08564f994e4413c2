package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/etelgo/etelgo/internal/record"
)

// FileOptions configure a File output.
type FileOptions struct {
	// Path is the final name of each file. %Y %m %d %H %M %S are replaced
	// by the UTC time the file was opened, %n by a sequence number, and
	// %% by %, in the directory part too. Missing directories are created
	// with mode 0755 before the umask.
	Path           string
	RotateSize     int64
	RotateInterval time.Duration
	Compression    string // none, gzip or zstd
	Format         record.Format
	// MaxRecords closes a file once it holds this many records (0: no
	// limit). A pipeline sets it below its buffer, because the records of
	// an open file are not delivered and so hold buffer space.
	MaxRecords int
	// Log receives the output's log lines; nil means slog.Default().
	Log *slog.Logger
}

// File writes records as lines to files. Each file is written under a
// hidden temporary name in the same directory, then flushed, synced and
// given its final name when it is closed: at RotateSize bytes, after
// RotateInterval, on Flush, and on Close. The records of a file are
// delivered once it has its final name, so a crash before that leaves a
// temporary file whose records were not committed and are read again.
// NewFile removes such leftovers (see removeStaleTemps). Taking the final
// name does not replace an existing file unless the filesystem lacks hard
// links (see takeName).
//
// Files are created with mode 0644 before the umask, so that a log
// shipper running as another user can read them.
type File struct {
	opts  FileOptions
	name  string
	log   *slog.Logger
	stats Stats

	// lockWarned and renameWarned are set once a temporary file could
	// not be locked, or could not be hard-linked, so that each warning is
	// logged once.
	lockWarned   bool
	renameWarned bool

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

// NewFile removes the stale temporary files of opts.Path, then returns a
// File output and starts its rotation timer.
func NewFile(opts FileOptions) (*File, error) {
	if opts.Compression == "" {
		opts.Compression = "none"
	}
	switch opts.Compression {
	case "none", "gzip", "zstd":
	default:
		return nil, fmt.Errorf("invalid compression %q: use none, gzip or zstd", opts.Compression)
	}

	// A directory part without verbs is created now, so that a directory
	// that cannot be created fails the start. Otherwise open creates each
	// expanded directory.
	if dir := filepath.Dir(opts.Path); !hasVerbs(dir) {
		if err := os.MkdirAll(expandPath(dir, time.Time{}, 0), 0o755); err != nil {
			return nil, fmt.Errorf("create directory of file output %q: %w", opts.Path, err)
		}
	}

	f := &File{opts: opts, name: "file:" + opts.Path, log: opts.Log, stop: make(chan struct{})}
	if f.log == nil {
		f.log = slog.Default()
	}
	f.removeStaleTemps()

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
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fmt.Errorf("create directory of file %q: %w", final, err)
	}
	tmp, err := f.createTemp(final)
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

	// The file takes its final name before it is closed, because closing
	// releases the lock that keeps another output's removeStaleTemps away
	// from the temporary file.
	if err == nil {
		_, err = f.takeName(seg.tmp, seg.final)
	}
	if closeErr := seg.f.Close(); err == nil {
		err = closeErr
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

// hasVerbs reports whether pattern contains a verb that expandPath
// replaces by a time or a sequence number.
func hasVerbs(pattern string) bool {
	found := false
	digits := func(int, bool) string {
		found = true
		return ""
	}
	translatePattern(pattern, digits, func(s string) string { return s })
	return found
}

// maxNameSuffix bounds the -N suffixes tried for a final name.
const maxNameSuffix = 1 << 20

// takeName gives the temporary file tmp the final name path, or path with
// -1, -2, ... before its extensions when a file of that name exists, and
// returns the name it took. A hard link fails when its new name exists,
// so two processes that take the same name at once never replace each
// other's file: the second one moves on to the next suffix.
//
// NOTE: where the filesystem does not support hard links (vfat, some FUSE
// filesystems), takeName falls back to checking that a name is free and
// then renaming, and logs a warning once. There a process writing the same
// path pattern between the check and the rename can have its file
// replaced.
func (f *File) takeName(tmp, path string) (string, error) {
	for n := range maxNameSuffix {
		name := suffixedName(path, n)
		err := os.Link(tmp, name)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if linkUnsupported(err) {
			if !f.renameWarned {
				f.renameWarned = true
				f.log.Warn("hard link of temporary file failed, so final names are taken by a rename that is not atomic", "path", tmp, "err", err)
			}
			return renameFree(tmp, path)
		}
		if err != nil {
			return "", err
		}

		// The data is complete under its final name, so a temporary name
		// that cannot be removed does not fail the file. Once closed, it is
		// unlocked, and the next start's removeStaleTemps removes it, which
		// leaves the final name in place.
		if err := os.Remove(tmp); err != nil {
			f.log.Warn("removing temporary name failed", "path", tmp, "err", err)
		}
		return name, nil
	}
	return "", fmt.Errorf("no free name next to %q", path)
}

// linkUnsupported reports whether err from os.Link means that the
// filesystem does not support hard links. Linux link(2) returns EPERM
// there. Its other causes, a directory or an immutable or append-only
// file, do not fit a temporary file that this process has just created.
// Other systems return ENOTSUP, EOPNOTSUPP or ENOSYS.
func linkUnsupported(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.ENOSYS)
}

// renameFree renames tmp to path, or to path with -1, -2, ... before its
// extensions when a file of that name exists, and returns the name it
// took. It is not atomic: see takeName.
func renameFree(tmp, path string) (string, error) {
	for n := range maxNameSuffix {
		name := suffixedName(path, n)
		if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.Rename(tmp, name); err != nil {
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("no free name next to %q", path)
}

// suffixedName returns path for n = 0, and otherwise path with -n before
// its extensions: "a.jsonl.gz" becomes "a-2.jsonl.gz" for n = 2.
func suffixedName(path string, n int) string {
	if n == 0 {
		return path
	}
	dir, base := filepath.Split(path)
	stem, ext := base, ""
	if i := strings.IndexByte(base[min(1, len(base)):], '.'); i >= 0 {
		stem, ext = base[:i+1], base[i+1:]
	}
	return filepath.Join(dir, stem+"-"+strconv.Itoa(n)+ext)
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
