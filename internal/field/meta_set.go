package field

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/etelgo/etelgo/internal/record"
)

// ErrNoMetadata is returned when a metadata path is set or deleted on a
// record without metadata: a plain line. The stream's line format decides
// what reaches the next stage, and a plain line has no place for a key,
// headers or a timestamp, so the caller should read envelope lines.
var ErrNoMetadata = errors.New("a plain line carries no metadata; read envelope lines (etl-kread without --values, or --format envelope)")

// ErrNotMeta is returned when SetMeta or DeleteMeta is called on a path
// into the value. Callers check Meta first; this error marks a bug.
var ErrNotMeta = errors.New("not a metadata path")

// SetMeta sets the metadata field that p addresses to value.
//
// A nil value means null: a null key, a null header value, and for the
// other fields the same as DeleteMeta. Otherwise value is read as
//
//	@key, @headers.NAME  the bytes themselves
//	@topic               text
//	@partition           a decimal integer from -1 to 2147483647 (-1: none)
//	@offset              a decimal integer from -1 up (-1: none)
//	@timestamp           milliseconds since the Unix epoch, or RFC 3339 text
//
// Setting a header replaces every header of that name by one header at
// the position of the first, or appends it when there was none, because
// a repeated header name has no single "current" value that an edit could
// replace.
//
// NOTE: rec keeps value without copying it, and rec.Headers is changed in
// place. A caller that must leave the original record intact, or that
// reuses value's memory, copies first.
func (p *Path) SetMeta(rec *record.Record, value []byte) error {
	if p.meta == MetaNone {
		return fmt.Errorf("set %q: %w", p.text, ErrNotMeta)
	}
	if !rec.HasMeta {
		return fmt.Errorf("set %s: %w", p.text, ErrNoMetadata)
	}
	if value == nil && p.meta != MetaKey && p.meta != MetaHeader {
		return p.DeleteMeta(rec)
	}

	switch p.meta {
	case MetaKey:
		rec.Key = value
	case MetaHeader:
		setHeader(rec, p.header, value)
	case MetaTopic:
		// Comparing first avoids a string allocation per record when
		// the topic does not change.
		if rec.Topic != String(value) {
			rec.Topic = string(value)
		}
	case MetaPartition:
		n, err := strconv.ParseInt(String(value), 10, 32)
		if err != nil || n < -1 {
			return fmt.Errorf("set @partition: invalid partition %q: use an integer from -1 to 2147483647", value)
		}
		rec.Partition = int32(n)
	case MetaOffset:
		n, err := strconv.ParseInt(String(value), 10, 64)
		if err != nil || n < -1 {
			return fmt.Errorf("set @offset: invalid offset %q: use an integer from -1 up", value)
		}
		rec.Offset = n
	case MetaTimestamp:
		t, err := ParseTimestamp(value)
		if err != nil {
			return fmt.Errorf("set @timestamp: %w", err)
		}
		rec.Timestamp = t
	}
	return nil
}

// DeleteMeta unsets the metadata field that p addresses: a null key, no
// header of that name at all, an empty topic, partition and offset -1,
// and a zero (unset) timestamp, which a producer then stamps itself.
func (p *Path) DeleteMeta(rec *record.Record) error {
	if p.meta == MetaNone {
		return fmt.Errorf("delete %q: %w", p.text, ErrNotMeta)
	}
	if !rec.HasMeta {
		return fmt.Errorf("delete %s: %w", p.text, ErrNoMetadata)
	}

	switch p.meta {
	case MetaKey:
		rec.Key = nil
	case MetaHeader:
		rec.Headers = deleteHeaders(rec.Headers, p.header)
	case MetaTopic:
		rec.Topic = ""
	case MetaPartition:
		rec.Partition = -1
	case MetaOffset:
		rec.Offset = -1
	case MetaTimestamp:
		rec.Timestamp = time.Time{}
	}
	return nil
}

// ParseTimestamp reads a record timestamp: an integer number of
// milliseconds since the Unix epoch, or an RFC 3339 time.
func ParseTimestamp(text []byte) (time.Time, error) {
	if ms, err := strconv.ParseInt(String(text), 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, String(text))
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid timestamp %q: use milliseconds since the Unix epoch or an RFC 3339 time such as 2015-09-12T00:46:58.771Z", text)
	}
	return t, nil
}

// setHeader gives the first header named name the value, drops the other
// headers of that name and keeps the order of the rest.
func setHeader(rec *record.Record, name string, value []byte) {
	first := -1
	for i := range rec.Headers {
		if rec.Headers[i].Key == name {
			first = i
			break
		}
	}
	if first < 0 {
		rec.Headers = append(rec.Headers, record.Header{Key: name, Value: value})
		return
	}
	rec.Headers[first].Value = value
	rest := deleteHeaders(rec.Headers[first+1:], name)
	rec.Headers = rec.Headers[:first+1+len(rest)]
}

// deleteHeaders removes every header named name from headers in place.
func deleteHeaders(headers []record.Header, name string) []record.Header {
	kept := headers[:0]
	for _, h := range headers {
		if h.Key != name {
			kept = append(kept, h)
		}
	}
	// Clear the tail so the dropped values are not kept alive.
	clear(headers[len(kept):])
	return kept
}
