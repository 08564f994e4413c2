package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// readBufferSize is the reader's buffer. Lines up to this size are
// returned without copying; longer lines are assembled in a second buffer
// that grows up to the maximum record size.
const readBufferSize = 256 << 10

// LineError is a line that could not be turned into a record: it was too
// long, or it is not a valid envelope. Reading can go on after it.
type LineError struct {
	Line int64
	// Raw is the line as read, without its line ending, so that a pass
	// policy can forward it. It is nil for a line that was too long.
	Raw []byte
	Err error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrLineTooLong is wrapped by the LineError of a line longer than the
// maximum record size.
var ErrLineTooLong = errors.New("line too long")

// Reader reads records from a stream of newline-delimited lines.
//
// A line ends at "\n"; a "\r" before it is dropped too, so files with CRLF
// endings read like files with LF endings. The last line needs no line
// ending. In a plain stream every line is a record, and a blank line is a
// record with an empty value. In an envelope stream a blank line carries
// no record and is skipped, because an envelope always has content.
type Reader struct {
	br      *bufio.Reader
	max     int
	format  Format
	line    int64
	long    []byte // assembles lines longer than the bufio buffer
	rec     Record
	decoder envelopeDecoder

	// While the format is still being detected, blank lines are counted
	// here, and the first line with content is held in pending.
	blanks     int64
	blankLine  int64 // number of the next held blank line
	pretty     bool  // the first line is a lone { or [
	pending    []byte
	hasPending bool
}

// NewReader returns a Reader of lines from r in the given format, where
// lines longer than maxRecordSize bytes are errors. FormatAuto detects the
// format from the first line that is not blank.
func NewReader(r io.Reader, format Format, maxRecordSize int) *Reader {
	if maxRecordSize <= 0 {
		maxRecordSize = 64 << 20
	}
	return &Reader{br: bufio.NewReaderSize(r, readBufferSize), max: maxRecordSize, format: format}
}

// Format returns the stream's format: the one given to NewReader, or the
// detected one once detection happened. It is FormatAuto before the first
// line with content was read.
func (r *Reader) Format() Format { return r.format }

// LooksPrettyPrinted reports whether the format was detected on a line
// that holds only "{" or "[": the start of pretty-printed JSON, such as jq
// writes without -c, which a line-based stage reads as many broken records.
func (r *Reader) LooksPrettyPrinted() bool { return r.pretty }

// Buffered returns the number of bytes read from the input and not yet
// returned as records. When it is 0, the next call to Next may block on
// the input, so a stage flushes its output first.
func (r *Reader) Buffered() int {
	n := r.br.Buffered() + len(r.pending) + int(r.blanks)
	if !r.hasPending {
		n -= len(r.pending)
	}
	return n
}

// Next returns the next record, or io.EOF after the last one. The record
// and its bytes are valid until the next call. A *LineError reports a line
// that is not a record; the caller may call Next again to go on.
func (r *Reader) Next() (*Record, error) {
	if r.format == FormatAuto {
		if err := r.detect(); err != nil {
			return nil, err
		}
	}

	for {
		var line []byte
		var num int64
		switch {
		case r.blanks > 0:
			// Blank lines read during detection of a plain stream.
			r.blanks--
			num = r.blankLine
			r.blankLine++
			line = []byte{}
		case r.hasPending:
			line, num = r.pending, r.line
			r.hasPending = false
		default:
			var err error
			line, err = r.readLine()
			if err != nil {
				return nil, err
			}
			num = r.line
		}

		if r.format == FormatEnvelope {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			r.rec.Reset()
			r.rec.Line = num
			r.decoder.scratch = r.decoder.scratch[:0]
			if err := r.decoder.decode(line, &r.rec); err != nil {
				return nil, &LineError{Line: num, Raw: line, Err: err}
			}
			return &r.rec, nil
		}

		r.rec.Reset()
		r.rec.Line = num
		r.rec.Value = line
		r.rec.Partition = -1
		r.rec.Offset = -1
		return &r.rec, nil
	}
}

// detect reads up to the first line that is not empty and sets the
// format. Empty lines before it are kept for a plain stream and dropped
// for an envelope stream.
func (r *Reader) detect() error {
	for {
		line, err := r.readLine()
		if errors.Is(err, io.EOF) {
			r.format = FormatPlain
			return nil
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if r.blanks == 0 {
				r.blankLine = r.line
			}
			r.blanks++
			continue
		}
		r.pending = line
		r.hasPending = true
		trimmed := bytes.TrimSpace(line)
		r.pretty = len(trimmed) == 1 && (trimmed[0] == '{' || trimmed[0] == '[')
		if IsEnvelope(line) {
			r.format = FormatEnvelope
			r.blanks = 0
		} else {
			r.format = FormatPlain
		}
		return nil
	}
}

// readLine returns the next line without its ending. A line longer than
// the maximum is consumed to its end and reported as a LineError.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == nil || (errors.Is(err, io.EOF) && len(line) > 0) {
		r.line++
		if len(line) > r.max+2 || len(trimEOL(line)) > r.max {
			return nil, r.tooLong(len(trimEOL(line)))
		}
		return trimEOL(line), nil
	}
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read line %d: %w", r.line+1, err)
	}

	// The line is longer than the bufio buffer: assemble it.
	r.line++
	r.long = append(r.long[:0], line...)
	for {
		line, err = r.br.ReadSlice('\n')
		if len(r.long)+len(line) > r.max+2 {
			n := len(r.long) + len(line)
			if errors.Is(err, bufio.ErrBufferFull) {
				n += r.discardLine()
			}
			return nil, r.tooLong(n)
		}
		r.long = append(r.long, line...)
		if err == nil || errors.Is(err, io.EOF) {
			out := trimEOL(r.long)
			if len(out) > r.max {
				return nil, r.tooLong(len(out))
			}
			return out, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("read line %d: %w", r.line, err)
		}
	}
}

// discardLine skips the rest of the current line and returns its length.
func (r *Reader) discardLine() int {
	n := 0
	for {
		line, err := r.br.ReadSlice('\n')
		n += len(line)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return n
		}
	}
}

func (r *Reader) tooLong(size int) error {
	return &LineError{Line: r.line, Err: fmt.Errorf("%w: %d bytes or more, above the maximum record size of %d bytes; raise --max-record-size if the record is valid", ErrLineTooLong, size, r.max)}
}

// trimEOL drops a trailing "\n" or "\r\n".
func trimEOL(line []byte) []byte {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return line[:n]
}
