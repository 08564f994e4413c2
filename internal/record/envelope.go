package record

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// EnvelopeVersion is the version of the envelope format that this package
// writes and reads. docs/line-format.md specifies it.
const EnvelopeVersion = 1

// envelopePrefix starts every envelope line that EtelGo writes. Detection
// looks for the marker field as the first field of the first line.
const envelopePrefix = `{"etl_envelope":`

// IsEnvelope reports whether line is an envelope line: a JSON object whose
// first field is the "etl_envelope" marker. It looks at the prefix only,
// so it is cheap enough to run on the first line of a stream.
func IsEnvelope(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(envelopePrefix))
}

// AppendEnvelope appends rec as one envelope line, without the line
// ending, to dst and returns the extended slice.
//
// The value is embedded as raw JSON when it is valid single-line UTF-8
// JSON without surrounding spaces (and not the text null); otherwise it is
// "value_text" for UTF-8 text and "value_b64" for other bytes. A tombstone
// is "value":null. Keys and header values follow the same text-or-base64
// rule. Strings are escaped as JSON requires and nothing more: no HTML
// escaping, no \u escapes for characters beyond ASCII.
func AppendEnvelope(dst []byte, rec *Record) []byte {
	dst = append(dst, envelopePrefix...)
	dst = strconv.AppendInt(dst, EnvelopeVersion, 10)

	dst = append(dst, `,"topic":`...)
	dst = appendJSONString(dst, unsafe.Slice(unsafe.StringData(rec.Topic), len(rec.Topic)))
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(rec.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, rec.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	if rec.Timestamp.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, rec.Timestamp.UnixMilli(), 10)
	}

	dst = appendBytesField(dst, `,"key"`, `,"key"`, rec.Key)

	dst = append(dst, `,"headers":[`...)
	for i, h := range rec.Headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"key":`...)
		dst = appendJSONString(dst, unsafe.Slice(unsafe.StringData(h.Key), len(h.Key)))
		dst = appendBytesField(dst, `,"value"`, `,"value"`, h.Value)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')

	switch {
	case rec.Value == nil:
		dst = append(dst, `,"value":null`...)
	case IsEmbeddableJSON(rec.Value):
		dst = append(dst, `,"value":`...)
		dst = append(dst, rec.Value...)
	default:
		dst = appendBytesField(dst, `,"value"`, `,"value_text"`, rec.Value)
	}
	return append(dst, '}')
}

// appendBytesField appends a field for b: as null under name when b is
// nil, as a JSON string under textName when b is UTF-8, and in base64
// under name with the suffix _b64 otherwise. Names come with their
// leading comma and quotes but without the colon.
func appendBytesField(dst []byte, name, textName string, b []byte) []byte {
	switch {
	case b == nil:
		dst = append(dst, name...)
		return append(dst, ":null"...)
	case utf8.Valid(b):
		dst = append(dst, textName...)
		dst = append(dst, ':')
		return appendJSONString(dst, b)
	}
	dst = append(dst, name[:len(name)-1]...)
	dst = append(dst, `_b64":"`...)
	n := base64.StdEncoding.EncodedLen(len(b))
	dst = growBytes(dst, n)
	base64.StdEncoding.Encode(dst[len(dst)-n:], b)
	return append(dst, '"')
}

// IsEmbeddableJSON reports whether v can stand in an envelope as raw JSON
// and be read back byte for byte: valid single-line UTF-8 JSON without
// spaces around it, and not the text null. This is also the rule by which
// stages tell a JSON value from text in an envelope stream and in etl-pipe,
// so that both treat a record alike.
func IsEmbeddableJSON(v []byte) bool {
	if len(v) == 0 || isSpace(v[0]) || isSpace(v[len(v)-1]) {
		return false
	}
	if bytes.IndexByte(v, '\n') >= 0 || bytes.IndexByte(v, '\r') >= 0 {
		return false
	}
	if string(v) == "null" {
		return false
	}
	return ValidJSON(v)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendJSONString appends s, which must be valid UTF-8, as a JSON string.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

func growBytes(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// EnvelopeError is an envelope line that cannot be decoded.
type EnvelopeError struct {
	Field string // the offending field, or "" for the line as a whole
	Msg   string
}

func (e *EnvelopeError) Error() string {
	if e.Field == "" {
		return "invalid envelope: " + e.Msg
	}
	return fmt.Sprintf("invalid envelope field %q: %s", e.Field, e.Msg)
}

// ErrNotEnvelope is returned by DecodeEnvelope for a line without the
// envelope marker.
var ErrNotEnvelope = errors.New(`not an envelope line: it has no "etl_envelope" field; use --format plain for plain lines`)

// DecodeEnvelope decodes one envelope line into rec, which it resets
// first. The record's slices point into line where the bytes need no
// unescaping, and into fresh memory otherwise.
func DecodeEnvelope(line []byte, rec *Record) error {
	rec.Reset()
	var d envelopeDecoder
	return d.decode(line, rec)
}

// envelopeDecoder keeps memory across lines: a scratch buffer for
// unescaped strings and interned topic and header names, so that decoding
// a steady stream does not allocate per record.
type envelopeDecoder struct {
	scratch []byte
	topic   string
	names   map[string]string
}

// Fields of an envelope, as bits of a set, to reject duplicates.
const (
	seenMarker = 1 << iota
	seenTopic
	seenPartition
	seenOffset
	seenTimestamp
	seenKey
	seenHeaders
	seenValue
)

func (d *envelopeDecoder) decode(line []byte, rec *Record) error {
	text := unsafe.String(unsafe.SliceData(line), len(line))
	if !ValidJSON(line) {
		return &EnvelopeError{Msg: "the line is not valid JSON with UTF-8 strings"}
	}
	root := gjson.Parse(text)
	if !root.IsObject() {
		return &EnvelopeError{Msg: "the line is not a JSON object"}
	}
	if !IsEnvelope(line) && !root.Get("etl_envelope").Exists() {
		return ErrNotEnvelope
	}

	rec.HasMeta = true
	rec.Partition = -1
	rec.Offset = -1
	seen := 0
	var err error
	root.ForEach(func(k, v gjson.Result) bool {
		err = d.field(line, k.Str, v, rec, &seen)
		return err == nil
	})
	if err != nil {
		return err
	}
	if seen&seenMarker == 0 {
		return ErrNotEnvelope
	}
	if seen&seenValue == 0 {
		return &EnvelopeError{Field: "value", Msg: `missing; write "value":null for a tombstone`}
	}
	return nil
}

func (d *envelopeDecoder) field(line []byte, name string, v gjson.Result, rec *Record, seen *int) error {
	mark := func(bit int) error {
		if *seen&bit != 0 {
			return &EnvelopeError{Field: name, Msg: "appears twice"}
		}
		*seen |= bit
		return nil
	}

	switch name {
	case "etl_envelope":
		if err := mark(seenMarker); err != nil {
			return err
		}
		if v.Raw != "1" {
			return &EnvelopeError{Field: name, Msg: fmt.Sprintf("unsupported version %s: this build reads version %d", v.Raw, EnvelopeVersion)}
		}

	case "topic":
		if err := mark(seenTopic); err != nil {
			return err
		}
		if v.Type == gjson.Null {
			return nil
		}
		b, err := d.text(line, name, v)
		if err != nil {
			return err
		}
		if string(b) != d.topic {
			d.topic = string(b)
		}
		rec.Topic = d.topic

	case "partition":
		if err := mark(seenPartition); err != nil {
			return err
		}
		n, err := integer(name, v, -1, 1<<31-1)
		if err != nil {
			return err
		}
		rec.Partition = int32(n)

	case "offset":
		if err := mark(seenOffset); err != nil {
			return err
		}
		n, err := integer(name, v, -1, 1<<63-1)
		if err != nil {
			return err
		}
		rec.Offset = n

	case "timestamp":
		if err := mark(seenTimestamp); err != nil {
			return err
		}
		return decodeTimestamp(v, rec)

	case "key", "key_b64":
		if err := mark(seenKey); err != nil {
			return &EnvelopeError{Field: name, Msg: `only one of key and key_b64 may appear, once`}
		}
		b, err := d.bytesField(line, name, v)
		if err != nil {
			return err
		}
		rec.Key = b

	case "headers":
		if err := mark(seenHeaders); err != nil {
			return err
		}
		return d.headers(line, v, rec)

	case "value", "value_text", "value_b64":
		if err := mark(seenValue); err != nil {
			return &EnvelopeError{Field: name, Msg: "only one of value, value_text and value_b64 may appear"}
		}
		if name == "value" {
			if v.Type == gjson.Null {
				rec.Value = nil
				return nil
			}
			rec.Value = line[v.Index : v.Index+len(v.Raw) : v.Index+len(v.Raw)]
			return nil
		}
		b, err := d.bytesField(line, name, v)
		if err != nil {
			return err
		}
		if b == nil {
			return &EnvelopeError{Field: name, Msg: `must be a string; write "value":null for a tombstone`}
		}
		rec.Value = b

	default:
		return &EnvelopeError{Field: name, Msg: `unknown field; fields of the record value go inside "value"`}
	}
	return nil
}

// bytesField decodes a string field: text for a plain name, base64 for a
// name ending in _b64. JSON null gives nil.
func (d *envelopeDecoder) bytesField(line []byte, name string, v gjson.Result) ([]byte, error) {
	if v.Type == gjson.Null {
		return nil, nil
	}
	b, err := d.text(line, name, v)
	if err != nil {
		return nil, err
	}
	if len(name) < 4 || name[len(name)-4:] != "_b64" {
		if b == nil {
			b = []byte{}
		}
		return b, nil
	}

	start := len(d.scratch)
	d.scratch = growBytes(d.scratch, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(d.scratch[start:], b)
	if err != nil {
		d.scratch = d.scratch[:start]
		return nil, &EnvelopeError{Field: name, Msg: fmt.Sprintf("invalid base64: %v", err)}
	}
	d.scratch = d.scratch[:start+n]
	return d.scratch[start : start+n : start+n], nil
}

// text returns the bytes of a JSON string field, pointing into line when
// the string has no escapes.
func (d *envelopeDecoder) text(line []byte, name string, v gjson.Result) ([]byte, error) {
	if v.Type != gjson.String {
		return nil, &EnvelopeError{Field: name, Msg: "must be a string or null, not " + v.Raw}
	}
	raw := v.Raw
	if bytes.IndexByte(line[v.Index:v.Index+len(raw)], '\\') < 0 {
		return line[v.Index+1 : v.Index+len(raw)-1 : v.Index+len(raw)-1], nil
	}
	start := len(d.scratch)
	d.scratch = append(d.scratch, v.Str...)
	return d.scratch[start:len(d.scratch):len(d.scratch)], nil
}

func (d *envelopeDecoder) headers(line []byte, v gjson.Result, rec *Record) error {
	if v.Type == gjson.Null {
		return nil
	}
	if !v.IsArray() {
		return &EnvelopeError{Field: "headers", Msg: `must be an array of {"key":...,"value":...} objects`}
	}
	var err error
	v.ForEach(func(_, h gjson.Result) bool {
		if !h.IsObject() {
			err = &EnvelopeError{Field: "headers", Msg: `each header must be an object such as {"key":"name","value":"text"}, not ` + h.Raw}
			return false
		}
		var hdr Header
		var hasKey, hasValue bool
		h.ForEach(func(k, hv gjson.Result) bool {
			switch k.Str {
			case "key":
				if hasKey {
					err = &EnvelopeError{Field: "headers", Msg: `a header has "key" twice`}
					return false
				}
				hasKey = true
				var b []byte
				if b, err = d.text(line, "headers.key", hv); err != nil {
					return false
				}
				hdr.Key = d.intern(b)
			case "value", "value_b64":
				if hasValue {
					err = &EnvelopeError{Field: "headers", Msg: `a header may have only one of "value" and "value_b64"`}
					return false
				}
				hasValue = true
				if hdr.Value, err = d.bytesField(line, "headers."+k.Str, hv); err != nil {
					return false
				}
			default:
				err = &EnvelopeError{Field: "headers", Msg: fmt.Sprintf(`unknown header field %q: use "key" and "value" or "value_b64"`, k.Str)}
				return false
			}
			return true
		})
		if err != nil {
			return false
		}
		if !hasKey {
			err = &EnvelopeError{Field: "headers", Msg: `a header has no "key": ` + h.Raw}
			return false
		}
		if !hasValue {
			err = &EnvelopeError{Field: "headers", Msg: `a header has no "value": write "value":null for a null value, in ` + h.Raw}
			return false
		}
		rec.Headers = append(rec.Headers, hdr)
		return true
	})
	return err
}

// intern returns a string equal to b, reusing an earlier one so that
// header names common to a stream are not allocated per record.
func (d *envelopeDecoder) intern(b []byte) string {
	if s, ok := d.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.names == nil {
		d.names = make(map[string]string)
	}
	if len(d.names) < 1024 {
		d.names[s] = s
	}
	return s
}

func integer(name string, v gjson.Result, min, max int64) (int64, error) {
	if v.Type == gjson.Null {
		return -1, nil
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if v.Type != gjson.Number || err != nil || n < min || n > max {
		return 0, &EnvelopeError{Field: name, Msg: fmt.Sprintf("must be an integer from %d to %d or null, not %s", min, max, v.Raw)}
	}
	return n, nil
}

// MaxTimestampMillis is the latest timestamp an envelope may carry, in
// the year 2262. franz-go converts record timestamps through nanoseconds
// in an int64, so a later one wraps around to a negative time.
const MaxTimestampMillis = (1<<63 - 1) / int64(time.Millisecond)

// decodeTimestamp reads milliseconds since the Unix epoch, an RFC 3339
// string, or null for unset.
func decodeTimestamp(v gjson.Result, rec *Record) error {
	switch v.Type {
	case gjson.Null:
		return nil
	case gjson.Number:
		ms, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil || ms < 0 || ms > MaxTimestampMillis {
			return &EnvelopeError{Field: "timestamp", Msg: fmt.Sprintf("must be an integer number of milliseconds since the Unix epoch from 0 to %d, not %s", MaxTimestampMillis, v.Raw)}
		}
		rec.Timestamp = time.UnixMilli(ms)
		return nil
	case gjson.String:
		t, err := time.Parse(time.RFC3339Nano, v.Str)
		if err != nil {
			return &EnvelopeError{Field: "timestamp", Msg: fmt.Sprintf("invalid RFC 3339 time %q: %v", v.Str, err)}
		}
		if ms := t.UnixMilli(); ms < 0 || ms > MaxTimestampMillis {
			return &EnvelopeError{Field: "timestamp", Msg: fmt.Sprintf("time %q is outside the range from 1970 to 2262 that Kafka clients in Go can carry", v.Str)}
		}
		rec.Timestamp = t
		return nil
	}
	return &EnvelopeError{Field: "timestamp", Msg: "must be milliseconds since the Unix epoch, an RFC 3339 string or null, not " + v.Raw}
}
