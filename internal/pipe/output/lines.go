package output

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/etelgo/etelgo/internal/record"
)

// ErrClosed is returned by a Lines output whose reader went away, as
// after etl-pipe ... | head -1. It asks the pipeline to stop cleanly: the
// records not yet flushed are never acknowledged, so only what was
// written is committed.
var ErrClosed = errors.New("the output stream was closed by its reader")

// closedErr turns the error of a write to a closed pipe into ErrClosed.
func closedErr(err error) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		return ErrClosed
	}
	return err
}

// Lines writes records as lines to a stream, such as stdout. A record is
// delivered once the lines up to it are flushed to the stream.
type Lines struct {
	name   string
	mu     sync.Mutex
	format record.Format
	w      *record.Writer
	dones  []Done
	err    error // the first write error; the stream is broken after it
	stats  Stats
}

// NewLines returns an output of lines in format to w.
func NewLines(name string, w io.Writer, format record.Format) *Lines {
	return &Lines{name: name, format: format, w: record.NewWriter(w, format)}
}

// Name returns the output's name.
func (l *Lines) Name() string { return l.name }

// Stats returns the output's counters.
func (l *Lines) Stats() *Stats { return &l.stats }

// SetFormat changes the line format, for a stream whose input format was
// detected from its first line.
func (l *Lines) SetFormat(format record.Format) {
	l.mu.Lock()
	l.format = format
	l.w.SetFormat(format)
	l.mu.Unlock()
}

// Write writes rec as a line. A value that a plain line cannot hold is
// record.ErrNewlineInValue.
func (l *Lines) Write(_ context.Context, rec *record.Record, done Done) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if err := l.w.Write(rec); err != nil {
		if errors.Is(err, record.ErrNewlineInValue) {
			return err
		}
		l.err = closedErr(err)
		return l.err
	}
	if done != nil {
		l.dones = append(l.dones, done)
	}
	return nil
}

// WriteRaw writes a line exactly as given, for a line that could not be
// decoded and is passed on unchanged.
func (l *Lines) WriteRaw(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	raw := record.Record{Value: line}
	l.w.SetFormat(record.FormatPlain)
	err := l.w.Write(&raw)
	l.w.SetFormat(l.format)
	if err != nil && !errors.Is(err, record.ErrNewlineInValue) {
		l.err = closedErr(err)
		return l.err
	}
	return err
}

// Flush flushes the stream and delivers the records written so far.
func (l *Lines) Flush(context.Context) error {
	l.mu.Lock()
	err := l.err
	if err == nil {
		if err = l.w.Flush(); err != nil {
			err = closedErr(err)
			l.err = err
		}
	}
	dones := l.dones
	l.dones = nil
	l.mu.Unlock()

	if errors.Is(err, ErrClosed) {
		// Not written, and not failed either: never acknowledged.
		return err
	}

	for _, d := range dones {
		d.Delivered(err, nil)
	}
	if err == nil {
		l.stats.Written.Add(int64(len(dones)))
	} else {
		l.stats.Failed.Add(int64(len(dones)))
	}
	return err
}

// Close flushes the stream. A stream closed by its reader is no error
// here: the pipeline stopped for it.
func (l *Lines) Close(ctx context.Context) error {
	if err := l.Flush(ctx); !errors.Is(err, ErrClosed) {
		return err
	}
	return nil
}
