package output

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

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

	// The writer may have given the file its final name and removed the
	// temporary name, or another output may have removed it, after it was
	// opened here.
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
	// The directory has no trailing separator, because filepath.Glob
	// matches nothing for a glob with metacharacters that ends in one.
	dir, file := filepath.Split(pattern)
	dir = filepath.Clean(dir)
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
