package set

import (
	"strings"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/tidwall/gjson"
)

// templateSource builds a string from literal text and fields, as in
// "{first} {last}". A field that is a string is inserted as its text,
// another JSON value as its JSON text, and a missing or null field as
// nothing. {{ and }} stand for literal braces.
type templateSource struct {
	parts []templatePart
}

type templatePart struct {
	lit     string // literal text, unescaped
	litJSON string // the same, escaped as the inside of a JSON string
	path    *field.Path
	tgt     *target // when path is in the value
}

// parseTemplate compiles a template. offset is the byte offset of the
// template in arg, for the columns of errors.
func parseTemplate(arg, tmpl string, offset int) (*templateSource, error) {
	t := &templateSource{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			text := lit.String()
			t.parts = append(t.parts, templatePart{lit: text, litJSON: string(appendJSONStringContent(nil, text))})
			lit.Reset()
		}
	}

	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '}':
			return nil, &SyntaxError{Arg: arg, Column: column(arg, offset+i), Msg: "unmatched } in the template: write }} for a literal brace"}
		case c == '{':
			end := closingBrace(tmpl, i+1)
			if end < 0 {
				return nil, &SyntaxError{Arg: arg, Column: column(arg, offset+i), Msg: "unclosed { in the template: close the field with }, or write {{ for a literal brace"}
			}
			text := tmpl[i+1 : end]
			if text == "" {
				return nil, &SyntaxError{Arg: arg, Column: column(arg, offset+i), Msg: "empty field {} in the template: name a field, such as {user.name}"}
			}
			p, err := field.Compile(text)
			if err != nil {
				return nil, &SyntaxError{Arg: arg, Column: column(arg, offset+i+1), Msg: err.Error()}
			}
			flush()
			part := templatePart{path: p}
			if !p.IsMeta() {
				part.tgt = newTarget(p)
			}
			t.parts = append(t.parts, part)
			i = end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return t, nil
}

// closingBrace returns the index of the } that ends a field starting at
// from, skipping characters escaped by a backslash, or -1.
func closingBrace(s string, from int) int {
	for i := from; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '}':
			return i
		}
	}
	return -1
}

// usesValue reports whether some field of the template is in the value.
func (t *templateSource) usesValue() bool {
	for _, p := range t.parts {
		if p.tgt != nil {
			return true
		}
	}
	return false
}

// lookup reads the field of part p as a raw JSON value for a field in
// the value, or as a Result for metadata. found is false for a missing
// field.
func (p *templatePart) lookup(s *state) (raw string, meta gjson.Result, found bool, err error) {
	if p.tgt != nil {
		ready, err := s.valueReady()
		if !ready {
			return "", gjson.Result{}, false, err
		}
		raw, found, err := p.tgt.get(s.rec.Value, &s.root)
		return raw, gjson.Result{}, found, err
	}
	if err := s.needMeta(p.path); err != nil {
		return "", gjson.Result{}, false, err
	}
	meta = p.path.Get(&s.rec)
	return "", meta, meta.Exists(), nil
}

func (t *templateSource) json(s *state) ([]byte, bool, error) {
	buf := append(s.tmp[:0], '"')
	for i := range t.parts {
		p := &t.parts[i]
		if p.path == nil {
			buf = append(buf, p.litJSON...)
			continue
		}
		raw, meta, found, err := p.lookup(s)
		if err != nil {
			return nil, false, err
		}
		switch {
		case !found:
		case p.tgt == nil:
			buf = appendMetaText(buf, meta)
		case raw[0] == '"':
			// The inside of a raw JSON string is escaped already: copy it
			// as it is, which keeps its escapes and decodes nothing.
			buf = append(buf, raw[1:len(raw)-1]...)
		case raw != "null":
			buf = appendJSONStringContent(buf, raw)
		}
	}
	buf = append(buf, '"')
	s.tmp = buf
	return buf, true, nil
}

// appendMetaText appends a piece of metadata as the inside of a JSON
// string: its text, or nothing for null.
func appendMetaText(buf []byte, r gjson.Result) []byte {
	switch r.Type {
	case gjson.Null:
		return buf
	case gjson.String:
		return appendJSONStringContent(buf, r.Str)
	}
	return appendJSONStringContent(buf, r.Raw)
}

func (t *templateSource) bytes(s *state) ([]byte, bool, error) {
	start := len(s.meta)
	for i := range t.parts {
		p := &t.parts[i]
		if p.path == nil {
			s.meta = append(s.meta, p.lit...)
			continue
		}
		raw, meta, found, err := p.lookup(s)
		if err != nil {
			s.meta = s.meta[:start]
			return nil, false, err
		}
		if !found {
			continue
		}
		if p.tgt != nil {
			meta = parseRaw(raw)
		}
		switch meta.Type {
		case gjson.Null:
		case gjson.String:
			s.meta = append(s.meta, meta.Str...)
		default:
			s.meta = append(s.meta, meta.Raw...)
		}
	}
	end := len(s.meta)
	if start == end {
		return emptyBytes, true, nil
	}
	return s.meta[start:end:end], true, nil
}
