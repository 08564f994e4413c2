// Package record defines the record that flows between EtelGo stages, the
// line reader and writer that carry records over stdin and stdout, and the
// envelope codec that keeps Kafka metadata intact across a shell pipeline.
//
// The line format is specified in docs/line-format.md.
package record

import "time"

// Record is one Kafka record, or one plain line read from a stream.
//
// Byte slices follow franz-go's conventions: a nil Value is a tombstone
// (a null value), while an empty non-nil Value is an empty value. A nil Key
// is a null key, and an empty non-nil Key is an empty key.
//
// NOTE: slices may point into a reader's buffer or a stage's scratch
// buffer. They stay valid until the next call to the reader or stage that
// produced them; a caller that keeps a record longer copies it with Clone.
type Record struct {
	Value   []byte
	Key     []byte
	Headers []Header

	Topic     string
	Partition int32
	Offset    int64

	// Timestamp is the record's Kafka timestamp. The zero time means
	// unset, and a producer then stamps the record itself.
	Timestamp time.Time

	// Line is the 1-based number of the input line the record came from,
	// or 0 when it did not come from a line.
	Line int64

	// HasMeta reports whether Key, Headers, Topic, Partition, Offset and
	// Timestamp carry real metadata: true for records from Kafka and from
	// envelope lines, false for plain lines.
	HasMeta bool

	// ValueJSON is set by a stage that checked Value in full and found
	// embeddable JSON (see IsEmbeddableJSON), so that the stages after it
	// in etl-pipe's chain need not check the same bytes again. Code that
	// replaces Value clears it, or keeps it only for bytes that are
	// embeddable JSON too, such as the result of an edit that splices a
	// JSON value into a checked object.
	ValueJSON bool

	// Index, when not nil, locates the members of Value's root object:
	// a stage that indexed the value hands the index on, so that the
	// stages after it read top-level fields without walking the object.
	// It is valid only until the record changes. Code that replaces
	// Value sets it to nil, or to an index of the new bytes.
	Index *ObjectIndex
}

// Header is one Kafka record header. A nil Value is a null header value.
// Kafka allows several headers with the same key; their order is kept.
type Header struct {
	Key   string
	Value []byte
}

// IsTombstone reports whether the record's value is null.
func (r *Record) IsTombstone() bool { return r.Value == nil }

// Reset clears r for reuse and keeps the capacity of its header slice.
func (r *Record) Reset() {
	*r = Record{Headers: r.Headers[:0]}
}

// Clone returns a deep copy of r that owns all of its bytes.
func (r *Record) Clone() *Record {
	c := *r
	c.Value = cloneBytes(r.Value)
	c.Key = cloneBytes(r.Key)
	if r.Headers != nil {
		c.Headers = make([]Header, len(r.Headers))
		for i, h := range r.Headers {
			c.Headers[i] = Header{Key: h.Key, Value: cloneBytes(h.Value)}
		}
	}
	return &c
}

// Position describes where the record came from, for error messages:
// topic, partition and offset for Kafka records, the line number otherwise.
func (r *Record) Position() string {
	if r.HasMeta && r.Topic != "" && r.Offset >= 0 {
		return "topic " + quote(r.Topic) + " partition " + itoa(int64(r.Partition)) + " offset " + itoa(r.Offset) + lineSuffix(r.Line)
	}
	if r.Line > 0 {
		return "line " + itoa(r.Line)
	}
	return "record"
}

func lineSuffix(line int64) string {
	if line <= 0 {
		return ""
	}
	return " (line " + itoa(line) + ")"
}

// cloneBytes copies b and keeps the difference between nil and empty.
func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
