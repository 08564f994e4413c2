// Package field compiles the paths that stages use to address a record:
// gjson paths into the value, and metadata paths that begin with @.
//
//	user.id              the value's field "id" inside "user" (gjson syntax)
//	items.0.sku          an array element
//	id\.orig_h           the key "id.orig_h": a backslash escapes . @ * ? and itself
//	\@timestamp          the value's field "@timestamp"
//	@key                 the record key
//	@headers.trace-id    the header "trace-id" (the last one, if repeated)
//	@topic @partition @offset @timestamp
//
// Paths are compiled once, when a stage starts; Get reads without copying.
package field

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/tidwall/gjson"
)

// Meta names what a path addresses: the value, or a piece of metadata.
type Meta int

const (
	MetaNone Meta = iota // a path into the value
	MetaKey
	MetaHeader
	MetaTopic
	MetaPartition
	MetaOffset
	MetaTimestamp
)

// metaNames maps the metadata paths without arguments to their Meta.
var metaNames = map[string]Meta{
	"@key":       MetaKey,
	"@topic":     MetaTopic,
	"@partition": MetaPartition,
	"@offset":    MetaOffset,
	"@timestamp": MetaTimestamp,
}

// Path is a compiled field path.
type Path struct {
	text   string // the path as written
	meta   Meta
	gjson  string // for value paths
	rest   string // the gjson path of keys[1:], for a read through an index
	header string // for MetaHeader
	keys   []string
}

// Compile parses a path. It rejects empty paths, unknown metadata names
// and gjson features that do not name one field (wildcards, queries,
// modifiers), because a stage must know which single field it reads or
// writes.
func Compile(text string) (*Path, error) {
	if text == "" {
		return nil, fmt.Errorf("empty path")
	}

	if text[0] == '@' {
		if meta, ok := metaNames[text]; ok {
			return &Path{text: text, meta: meta}, nil
		}
		if name, ok := strings.CutPrefix(text, "@headers."); ok && name != "" {
			// The rest is the header name, dots and all; a backslash
			// escape is accepted too, as in value paths.
			return &Path{text: text, meta: MetaHeader, header: unescape(name)}, nil
		}
		return nil, fmt.Errorf("unknown metadata path %q: use @key, @headers.NAME, @topic, @partition, @offset or @timestamp, or write \\@ for a value field that begins with @", text)
	}

	keys, err := splitPath(text)
	if err != nil {
		return nil, err
	}

	// The gjson path is rebuilt from the unescaped keys, so that a key
	// that gjson would read as syntax (one that begins with [ or {, say)
	// is escaped whether or not the user escaped it.
	escaped := make([]string, len(keys))
	for i, key := range keys {
		escaped[i] = gjson.Escape(key)
	}
	return &Path{text: text, gjson: strings.Join(escaped, "."), rest: strings.Join(escaped[1:], "."), keys: keys}, nil
}

// unescape removes the backslash of each backslash escape.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// splitPath splits a gjson path into its unescaped keys and rejects the
// gjson syntax that does not address exactly one field.
func splitPath(text string) ([]string, error) {
	var keys []string
	var key strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '\\':
			if i+1 == len(text) {
				return nil, fmt.Errorf("invalid path %q: it ends with a lone backslash", text)
			}
			i++
			key.WriteByte(text[i])
		case '.':
			if key.Len() == 0 {
				return nil, fmt.Errorf("invalid path %q: empty key at column %d", text, i+1)
			}
			keys = append(keys, key.String())
			key.Reset()
		case '*', '?':
			return nil, fmt.Errorf("invalid path %q: wildcard %q at column %d; escape it as \\%c to address a key that contains it", text, c, i+1, c)
		case '#', '|', '@', '!', '=', '<', '>', '%':
			if key.Len() == 0 {
				return nil, fmt.Errorf("invalid path %q: %q at column %d starts a gjson query or modifier, which does not address one field; escape it as \\%c", text, c, i+1, c)
			}
			if c == '|' {
				return nil, fmt.Errorf("invalid path %q: %q at column %d is a gjson pipe; escape it as \\%c", text, c, i+1, c)
			}
			key.WriteByte(c)
		default:
			key.WriteByte(c)
		}
	}
	if key.Len() == 0 {
		return nil, fmt.Errorf("invalid path %q: it ends with an empty key", text)
	}
	return append(keys, key.String()), nil
}

// String returns the path as written.
func (p *Path) String() string { return p.text }

// Meta returns what the path addresses.
func (p *Path) Meta() Meta { return p.meta }

// IsMeta reports whether the path addresses metadata rather than the value.
func (p *Path) IsMeta() bool { return p.meta != MetaNone }

// GJSON returns the gjson path of a value path, with every key escaped.
func (p *Path) GJSON() string { return p.gjson }

// Keys returns the unescaped keys of a value path, outermost first.
func (p *Path) Keys() []string { return p.keys }

// getIndexed reads the field from value through the index of its root
// members and returns what gjson returns. For a one-key path that is the
// first member of that name. For a longer path it is the first such
// member in which the rest of the path exists, because gjson goes on to a
// later member of the same name when an earlier one lacks the rest.
func (p *Path) getIndexed(value []byte, idx *record.ObjectIndex) gjson.Result {
	key := p.keys[0]
	for i := range idx.Members {
		m := &idx.Members[i]
		name := value[m.KeyFrom+1 : m.KeyTo-1]
		if m.Escaped {
			if gjson.Parse(String(value[m.KeyFrom:m.KeyTo])).Str != key {
				continue
			}
		} else if String(name) != key {
			continue
		}

		raw := String(value[m.ValueFrom:m.ValueTo])
		if len(p.keys) == 1 {
			r := gjson.Parse(raw)
			r.Index = m.ValueFrom
			return r
		}
		r := gjson.Get(raw, p.rest)
		if !r.Exists() {
			continue
		}
		if r.Index > 0 {
			r.Index += m.ValueFrom
		}
		return r
	}
	return gjson.Result{}
}

// HeaderName returns the header name of a MetaHeader path.
func (p *Path) HeaderName() string { return p.header }

// Get reads the field from rec without copying: the Result's strings point
// into the record's bytes and are valid only until the record changes.
//
// Metadata comes back as a String Result (key, header, topic) or a Number
// Result (partition, offset, timestamp in milliseconds). A null key, a
// null header value and an unset timestamp are Null Results; a missing
// header is a Result that does not exist. A tombstone has no fields.
func (p *Path) Get(rec *record.Record) gjson.Result {
	switch p.meta {
	case MetaNone:
		if rec.Value == nil {
			return gjson.Result{}
		}
		if rec.Index != nil {
			return p.getIndexed(rec.Value, rec.Index)
		}
		return gjson.Get(String(rec.Value), p.gjson)
	case MetaKey:
		return bytesResult(rec.Key)
	case MetaHeader:
		for i := len(rec.Headers) - 1; i >= 0; i-- {
			if rec.Headers[i].Key == p.header {
				return bytesResult(rec.Headers[i].Value)
			}
		}
		return gjson.Result{}
	case MetaTopic:
		return gjson.Result{Type: gjson.String, Str: rec.Topic}
	case MetaPartition:
		return numberResult(int64(rec.Partition))
	case MetaOffset:
		return numberResult(rec.Offset)
	case MetaTimestamp:
		if rec.Timestamp.IsZero() {
			return gjson.Result{Type: gjson.Null, Raw: "null"}
		}
		return numberResult(rec.Timestamp.UnixMilli())
	}
	return gjson.Result{}
}

func bytesResult(b []byte) gjson.Result {
	if b == nil {
		return gjson.Result{Type: gjson.Null, Raw: "null"}
	}
	return gjson.Result{Type: gjson.String, Str: String(b)}
}

func numberResult(n int64) gjson.Result {
	return gjson.Result{Type: gjson.Number, Num: float64(n), Raw: strconv.FormatInt(n, 10)}
}

// String views b as a string without copying. The string must not outlive
// a change to b.
func String(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
