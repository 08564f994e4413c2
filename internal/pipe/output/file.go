package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
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
	// Log receives the output's log lines; nil means slog.Default().
	Log *slog.Logger
}

// File writes records as lines to files. Each file is written under a
// hidden temporary name in the same directory, then flushed, synced and
// renamed to its final name when it is closed: at RotateSize bytes, after
// RotateInterval, on Flush, and on Close. The records of a file are
// delivered when it is renamed, so a crash leaves only temporary files,
// whose records were not committed and are read again. NewFile removes
// such leftovers (see removeStaleTemps).
//
// Files are created with mode 0644 before the umask, so that a log
// shipper running as another user can read them.
type File struct {
	opts  FileOptions
	name  string
	log   *slog.Logger
	stats Stats

	// lockWarned is set once a temporary file could not be locked, so
	// that the warning is logged once.
	lockWarned bool

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
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o755); err != nil {
		return nil, fmt.Errorf("create directory of file output %q: %w", opts.Path, err)
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

	// The rename comes before the close, because closing releases the
	// lock that keeps another output's removeStaleTemps away from the
	// temporary file.
	final := ""
	if err == nil {
		final, err = freeName(seg.final)
	}
	if err == nil {
		err = os.Rename(seg.tmp, final)
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

// tempSuffix separates the final name from a random decimal number in the
// name of a temporary file: ".NAME.tmp-NUMBER".
const tempSuffix = ".tmp-"

// createTemp creates a new hidden temporary file for final, with mode 0644
// before the umask, and takes an exclusive flock on it. The lock lasts
// until the file is closed, or until the process dies, even by SIGKILL.
func (f *File) createTemp(final string) (*os.File, error) {
	dir, base := filepath.Split(final)
	for range 100 {
		name := filepath.Join(dir, "."+base+tempSuffix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		tmp, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}

		// Another output's removeStaleTemps may lock and remove the file
		// between its creation and this lock. Then the name no longer
		// leads to this file, and another name is tried.
		err = syscall.Flock(int(tmp.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			tmp.Close()
			continue
		}
		if err != nil && !f.lockWarned {
			f.lockWarned = true
			f.log.Warn("lock of temporary file failed, so a starting output may remove it as stale", "path", name, "err", err)
		}
		if !namesFile(name, tmp) {
			tmp.Close()
			continue
		}
		return tmp, nil
	}
	return nil, fmt.Errorf("no free temporary name next to %q", final)
}

// removeStaleTemps removes the temporary files that this output's path
// pattern produces and that no live process writes: those left by a
// process that was killed. It checks every directory that the pattern's
// directory part matches, and only names of the form
// ".<final name>.tmp-<digits>".
//
// A writer holds an exclusive flock on its temporary file from its
// creation to its rename, and the kernel releases the lock when the
// writer dies, even by SIGKILL. So a file that can be locked is stale,
// and a file that cannot is kept. This distinguishes the live files of
// other etl-pipe processes on the same host, and of other outputs in this
// process, because a flock belongs to an open file, not to a process.
//
// NOTE: on a network filesystem whose locks are not shared between hosts
// (NFS mounted with nolock), a live temporary file of a process on
// another host can look stale and be removed. Its records are then not
// delivered by that process and are read again. A filesystem that does
// not support flock at all makes every file look live.
func (f *File) removeStaleTemps() {
	dirGlob, baseRegexp := tempPatterns(f.opts.Path)
	dirs, err := filepath.Glob(dirGlob)
	if err != nil {
		f.log.Warn("listing directories for stale temporary files failed", "pattern", dirGlob, "err", err)
		return
	}

	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.log.Warn("listing stale temporary files failed", "dir", dir, "err", err)
			continue
		}
		for _, entry := range entries {
			if !entry.Type().IsRegular() || !baseRegexp.MatchString(entry.Name()) {
				continue
			}
			path := filepath.Join(dir, entry.Name())
			removed, err := removeIfUnlocked(path)
			if err != nil {
				f.log.Warn("removing stale temporary file failed", "path", path, "err", err)
				continue
			}
			if removed {
				f.log.Info("removed stale temporary file", "path", path)
			}
		}
	}
}

// removeIfUnlocked removes path unless another open file holds a flock on
// it, and reports whether it removed it.
func removeIfUnlocked(path string) (bool, error) {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer file.Close()

	err = syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock %q: %w", path, err)
	}

	// The writer may have renamed the file to its final name, or another
	// output may have removed it, after it was opened here.
	if !namesFile(path, file) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// namesFile reports whether path still leads to the open file.
func namesFile(path string, file *os.File) bool {
	byPath, err := os.Lstat(path)
	if err != nil {
		return false
	}
	byFile, err := file.Stat()
	return err == nil && os.SameFile(byPath, byFile)
}

// tempPatterns returns a glob of the directories that pattern's directory
// part can expand to, and a regular expression matching the base names of
// the temporary files that createTemp makes for pattern's final names.
func tempPatterns(pattern string) (dirGlob string, base *regexp.Regexp) {
	dir, file := filepath.Split(pattern)
	if dir == "" {
		dir = "."
	}
	dirGlob = translatePattern(dir, globDigits, globEscape)
	expr := `^\.` + translatePattern(file, regexpDigits, regexp.QuoteMeta) + regexp.QuoteMeta(tempSuffix) + `[0-9]+$`
	return dirGlob, regexp.MustCompile(expr)
}

// translatePattern rewrites a path pattern as expandPath reads it: digits
// writes what a verb expands to, given its minimum count of digits and
// whether it may have more (%n), and literal quotes the other text.
func translatePattern(pattern string, digits func(n int, more bool) string, literal func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '%' || i+1 == len(pattern) {
			b.WriteString(literal(pattern[i : i+1]))
			continue
		}
		i++
		switch pattern[i] {
		case 'Y':
			b.WriteString(digits(4, false))
		case 'm', 'd', 'H', 'M', 'S':
			b.WriteString(digits(2, false))
		case 'n':
			b.WriteString(digits(6, true))
		case '%':
			b.WriteString(literal("%"))
		default:
			b.WriteString(literal(pattern[i-1 : i+1]))
		}
	}
	return b.String()
}

func regexpDigits(n int, more bool) string {
	if more {
		return "[0-9]{" + strconv.Itoa(n) + ",}"
	}
	return "[0-9]{" + strconv.Itoa(n) + "}"
}

// globDigits matches n digits, then anything when more is set, because a
// glob cannot repeat a character class.
func globDigits(n int, more bool) string {
	s := strings.Repeat("[0-9]", n)
	if more {
		s += "*"
	}
	return s
}

// globEscape quotes the glob metacharacters of s byte by byte, because
// translatePattern passes it single bytes of multi-byte characters.
func globEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("*?[\\", s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
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
