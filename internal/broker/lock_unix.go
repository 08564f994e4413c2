//go:build unix

package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is the file in the data directory that an etl-broker holds
// an exclusive lock on while it runs.
const lockFileName = "etl-broker.lock"

// lockDataDir takes an exclusive lock on dir, so that a second broker on
// the same data directory fails at start instead of interleaving writes
// with the first. The kernel drops the lock when the process exits, even
// after a crash, so a stale lock file never blocks a restart.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file %q: %w", path, err)
	}

	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("data directory %q is in use by another etl-broker: stop it or choose another --data-dir", dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock data directory %q: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
