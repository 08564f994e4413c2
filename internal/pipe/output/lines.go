package output

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/etelgo/etelgo/internal/record"
)

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
		l.err = err
		return err
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
		l.err = err
	}
	return err
}

// Flush flushes the stream and delivers the records written so far.
func (l *Lines) Flush(context.Context) error {
	l.mu.Lock()
	err := l.err
	if err == nil {
		if err = l.w.Flush(); err != nil {
			l.err = err
		}
	}
	dones := l.dones
	l.dones = nil
	l.mu.Unlock()

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

// Close flushes the stream.
func (l *Lines) Close(ctx context.Context) error { return l.Flush(ctx) }
