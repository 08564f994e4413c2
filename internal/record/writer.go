package record

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// writeBufferSize is the writer's buffer: large enough that a stream of
// small records costs one write system call per many records.
const writeBufferSize = 256 << 10

// ErrNewlineInValue is returned when a value that contains a line break
// is written as a plain line, where it would split into two records.
var ErrNewlineInValue = errors.New("the value contains a line break (or ends with a carriage return) and cannot be written as a plain line; use envelope lines instead")

// Writer writes records as lines. Output is buffered: call Flush at the
// end, and before any point where the output must be visible (before a
// consumer commits the offsets of what was written, say).
type Writer struct {
	bw     *bufio.Writer
	format Format
	buf    []byte
}

// NewWriter returns a Writer of lines in the given format. FormatAuto
// writes each record the way it arrived: an envelope for a record with
// metadata, a plain line otherwise.
func NewWriter(w io.Writer, format Format) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, writeBufferSize), format: format}
}

// SetFormat changes the format of the lines written from now on.
func (w *Writer) SetFormat(format Format) { w.format = format }

// Write writes rec as one line. In plain format a tombstone is written as
// an empty line, and a value with a line break is ErrNewlineInValue.
func (w *Writer) Write(rec *Record) error {
	envelope := w.format == FormatEnvelope || (w.format == FormatAuto && rec.HasMeta)
	if envelope {
		w.buf = AppendEnvelope(w.buf[:0], rec)
		w.buf = append(w.buf, '\n')
		_, err := w.bw.Write(w.buf)
		return err
	}

	if n := len(rec.Value); bytes.IndexByte(rec.Value, '\n') >= 0 || (n > 0 && rec.Value[n-1] == '\r') {
		return ErrNewlineInValue
	}
	if _, err := w.bw.Write(rec.Value); err != nil {
		return err
	}
	return w.bw.WriteByte('\n')
}

// Buffered returns the number of bytes written but not yet flushed.
func (w *Writer) Buffered() int { return w.bw.Buffered() }

// Flush writes any buffered lines to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
