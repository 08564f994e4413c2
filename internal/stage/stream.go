package stage

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/etelgo/etelgo/internal/record"
)

// StreamOptions configure RunStream.
type StreamOptions struct {
	Format        record.Format
	Policy        Policy
	MaxRecordSize int
	// Logger receives the per-record warnings of the skip and pass
	// policies, at most maxWarnings of them. Nil means a text logger on
	// stderr. The final counts go to stderr as one plain line.
	Logger *slog.Logger
}

// Counts are the totals of one stream run.
type Counts struct {
	In      int64 // records read
	Out     int64 // records written
	Skipped int64 // records dropped by the skip policy
	Passed  int64 // records forwarded unchanged by the pass policy
}

// RunStream reads records from in, processes each with one Processor from
// factory, and writes what it emits to out in the format it read. It
// applies the error policy to records that fail and to lines that are not
// records, stops quietly when out is closed, and returns the first error
// under PolicyFail.
//
// The name prefixes messages ("etl-set: line 3: ..."), and skip and pass
// counts are printed to stderr at the end.
func RunStream(name string, factory Factory, in io.Reader, out io.Writer, stderr io.Writer, opts StreamOptions) (Counts, error) {
	var counts Counts
	proc, err := factory()
	if err != nil {
		return counts, err
	}
	log := opts.Logger
	if log == nil {
		log = NewLogger(stderr, slog.LevelInfo).With("stage", name)
	}

	// A closed stdout must end the run with an error from write, not kill
	// the process, so that the summary and the exit code stay ours.
	if out == io.Writer(os.Stdout) {
		signal.Ignore(syscall.SIGPIPE)
	}

	reader := record.NewReader(in, opts.Format, opts.MaxRecordSize)
	writer := record.NewWriter(out, opts.Format)

	// writeErr keeps a failed write to out. Emit turns it into ErrStop so
	// that the processor stops at once, and the loop then reports it,
	// unless it is a closed pipe, which ends the run quietly.
	var writeErr error
	emit := func(rec *record.Record) error {
		if err := writer.Write(rec); err != nil {
			if errors.Is(err, record.ErrNewlineInValue) {
				return err
			}
			writeErr = err
			return ErrStop
		}
		counts.Out++
		return nil
	}
	stopped := func() (Counts, error) {
		if writeErr == nil || isClosedPipe(writeErr) {
			return counts, nil
		}
		return counts, fmt.Errorf("write output: %w", writeErr)
	}
	warnings := 0
	warn := func(msg string, args ...any) {
		warnings++
		switch {
		case warnings <= maxWarnings:
			log.Warn(msg, args...)
		case warnings == maxWarnings+1:
			log.Warn("further record warnings suppressed; the final counts follow at the end")
		}
	}

	fail := func(err error) (Counts, error) {
		if flushErr := writer.Flush(); flushErr != nil && !isClosedPipe(flushErr) {
			return counts, errors.Join(err, fmt.Errorf("write output: %w", flushErr))
		}
		return counts, err
	}

	stop, stopSignals := watchSignals(name, in, stderr)
	defer stopSignals()

	// Declared outside the loop: errors.As takes its address, which would
	// otherwise move it to the heap once per record.
	var lineErr *record.LineError
	for {
		// Output waits in a buffer only while more input is at hand: a
		// stage whose input goes quiet writes what it has, so that a
		// record never waits on the next one.
		if reader.Buffered() == 0 {
			if err := writer.Flush(); err != nil {
				writeErr = err
				return stopped()
			}
		}
		if stop != nil && stop.Load() {
			if err := writer.Flush(); err != nil {
				writeErr = err
				return stopped()
			}
			return counts, &stoppedError{}
		}

		rec, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && errors.As(err, &lineErr) {
			counts.In++
			switch opts.Policy {
			case PolicySkip:
				counts.Skipped++
				log.Debug("line skipped", "line", lineErr.Line, "err", lineErr.Err)
				continue
			case PolicyPass:
				if lineErr.Raw != nil {
					counts.Passed++
					warn("line passed unchanged", "line", lineErr.Line, "err", lineErr.Err)
					if err := writeRaw(writer, lineErr.Raw); err != nil {
						writeErr = err
						return stopped()
					}
					continue
				}
				// A line too long to keep cannot be passed: it is skipped.
				counts.Skipped++
				warn("line skipped", "line", lineErr.Line, "err", lineErr.Err)
				continue
			}
			return fail(lineErr)
		}
		if err != nil {
			return fail(fmt.Errorf("read input: %w", err))
		}
		counts.In++
		writer.SetFormat(reader.Format())
		if counts.In == 1 && reader.LooksPrettyPrinted() {
			log.Warn("the input looks like pretty-printed JSON; stages read one value per line, so write it with jq -c or another compact form", "line", rec.Line)
		}

		err = proc.Process(rec, emit)
		if err == nil {
			continue
		}
		if errors.Is(err, ErrStop) {
			return stopped()
		}
		switch opts.Policy {
		case PolicySkip:
			counts.Skipped++
			log.Debug("record skipped", "record", rec.Position(), "err", err)
			continue
		case PolicyPass:
			counts.Passed++
			warn("record passed unchanged", "record", rec.Position(), "err", err)
			if err := emit(rec); err != nil {
				if errors.Is(err, ErrStop) {
					return stopped()
				}
				return fail(NewRecordError(name, rec, err))
			}
			continue
		}
		return fail(NewRecordError(name, rec, err))
	}

	if fin, ok := proc.(Finisher); ok {
		err := fin.Finish(emit)
		if errors.Is(err, ErrStop) {
			return stopped()
		}
		if err != nil {
			return fail(fmt.Errorf("finish: %w", err))
		}
	}
	if err := writer.Flush(); err != nil {
		if isClosedPipe(err) {
			return counts, nil
		}
		return counts, fmt.Errorf("write output: %w", err)
	}
	if counts.Skipped > 0 || counts.Passed > 0 {
		fmt.Fprintf(stderr, "%s: %d records in, %d out, %d skipped, %d passed unchanged after errors\n", name, counts.In, counts.Out, counts.Skipped, counts.Passed)
	}
	return counts, nil
}

// maxWarnings is the number of per-record warnings logged in one run;
// the rest are only counted.
const maxWarnings = 10

// writeRaw writes a line that could not be decoded exactly as it came.
func writeRaw(w *record.Writer, line []byte) error {
	raw := record.Record{Value: line}
	w.SetFormat(record.FormatPlain)
	defer w.SetFormat(record.FormatAuto)
	return w.Write(&raw)
}

func isClosedPipe(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)
}

// NewLogger returns a text logger for a command-line stage: one line per
// message on stderr, without the time, which a terminal user does not need.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// stoppedError ends a run that a signal stopped before EOF.
type stoppedError struct{}

func (*stoppedError) Error() string { return "stopped by a signal before the end of the input" }

// ExitCode is the shell's code for a process ended by SIGINT.
func (*stoppedError) ExitCode() int { return 130 }

// watchSignals handles SIGINT and SIGTERM for a stage that reads the
// process's stdin, and returns a flag that asks the loop to stop, or nil
// when in is not stdin.
//
// What the first signal does depends on stdin. Reading a pipe, the stage
// goes on to EOF, as DrainSignals explains. Reading a file, the stage
// stops after the current record. Reading a terminal, it exits at once,
// because the output was flushed before the read that waits for the user.
// A second signal always exits at once.
func watchSignals(name string, in io.Reader, stderr io.Writer) (*atomic.Bool, func()) {
	if in != io.Reader(os.Stdin) {
		return nil, func() {}
	}
	info, err := os.Stdin.Stat()
	if err != nil {
		return nil, func() {}
	}
	pipe := info.Mode()&os.ModeNamedPipe != 0
	terminal := info.Mode()&os.ModeCharDevice != 0

	var stop atomic.Bool
	first, second, stopSignals := DrainSignals()
	done := make(chan struct{})
	go func() {
		select {
		case <-first:
		case <-done:
			return
		}
		switch {
		case terminal:
			os.Exit(130)
		case pipe:
			fmt.Fprintf(stderr, "%s: finishing the lines already sent to stdin; interrupt again to stop now\n", name)
		default:
			stop.Store(true)
		}
		select {
		case <-second.Done():
			select {
			case <-done:
			default:
				os.Exit(130)
			}
		case <-done:
		}
	}()
	return &stop, func() {
		close(done)
		stopSignals()
	}
}
