package stage

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// IsPipe reports whether r is a pipe, such as the stdin of a stage in
// the middle or at the end of a shell pipeline.
func IsPipe(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeNamedPipe != 0
}

// DrainSignals returns a context that is canceled by the second SIGINT or
// SIGTERM, and a channel closed by the first one.
//
// A stage in the middle or at the end of a shell pipeline uses it to stop
// the way a pipeline stops. A signal reaches every process of the
// pipeline at once (Ctrl-C, or kill on the process group). The source
// stops reading and closes its stdout, and each later stage finishes the
// lines already sent to it, up to EOF. Stopping at the first signal
// would lose records that the source has already committed. A second
// signal stops at once.
func DrainSignals() (first <-chan struct{}, second context.Context, stop func()) {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	firstCh := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case <-signals:
				count++
				if count == 1 {
					close(firstCh)
				} else {
					cancel()
					return
				}
			case <-done:
				return
			}
		}
	}()
	return firstCh, ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
}
