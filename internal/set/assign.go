package set

import (
	"fmt"
	"strings"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/tidwall/gjson"
)

// assign writes a new value to a destination: the set, copy, move and
// template edits, with or without the default condition.
type assign struct {
	arg  string
	dst  *field.Path
	tgt  *target // the destination when it is in the value
	src  source
	dflt bool
}

// source produces the new value of an assign.
type source interface {
	// json returns the new value as one raw JSON value, for a
	// destination in the value. ok is false when the source field is
	// missing, and the edit is then skipped.
	json(s *state) (raw []byte, ok bool, err error)
	// bytes returns the new value as metadata bytes, nil for null.
	bytes(s *state) (b []byte, ok bool, err error)
}

// remover is a source that a move deletes after reading it.
type remover interface {
	remove(s *state) error
}

func (a *assign) apply(s *state) error {
	var err error
	if a.tgt != nil {
		err = a.applyValue(s)
	} else {
		err = a.applyMeta(s)
	}
	if err != nil {
		return fmt.Errorf("edit %q: %w", a.arg, err)
	}
	return nil
}

func (a *assign) applyValue(s *state) error {
	ready, err := s.valueReady()
	if !ready {
		return err
	}
	if a.dflt {
		raw, found, err := a.tgt.get(s.rec.Value, &s.root)
		if err != nil {
			return err
		}
		if found && raw != "null" {
			return nil
		}
	}

	raw, ok, err := a.src.json(s)
	if !ok || err != nil {
		return err
	}
	if mover, isMove := a.src.(remover); isMove {
		// The source's bytes may lie in the value that the delete
		// rewrites, so they are kept aside first.
		s.moved = append(s.moved[:0], raw...)
		raw = s.moved
		if err := mover.remove(s); err != nil {
			return err
		}
	}

	out, err := a.tgt.set(s.spare(), s.rec.Value, raw, &s.root)
	if err != nil {
		return err
	}
	s.replace(out)
	return nil
}

func (a *assign) applyMeta(s *state) error {
	if err := s.needMeta(a.dst); err != nil {
		return err
	}
	if a.dflt && !metaMissing(a.dst, s) {
		return nil
	}

	b, ok, err := a.src.bytes(s)
	if !ok || err != nil {
		return err
	}
	if mover, isMove := a.src.(remover); isMove {
		if err := mover.remove(s); err != nil {
			return err
		}
	}
	return a.dst.SetMeta(&s.rec, b)
}

// present reports whether a field exists with a value other than null,
// which is what a default edit leaves alone.
func present(r gjson.Result) bool {
	return r.Exists() && r.Type != gjson.Null
}

// parseRaw returns the gjson Result of one raw JSON value. A string
// without escapes is viewed in place; one with escapes is decoded into
// new memory.
func parseRaw(raw string) gjson.Result {
	if len(raw) >= 2 && raw[0] == '"' && strings.IndexByte(raw, '\\') < 0 {
		return gjson.Result{Type: gjson.String, Raw: raw, Str: raw[1 : len(raw)-1]}
	}
	return gjson.Parse(raw)
}

// metaMissing reports whether the metadata that p addresses is unset: a
// null key, no header of that name or a null one, an empty topic, a
// partition or offset of -1, a zero timestamp.
func metaMissing(p *field.Path, s *state) bool {
	switch p.Meta() {
	case field.MetaTopic:
		return s.rec.Topic == ""
	case field.MetaPartition:
		return s.rec.Partition < 0
	case field.MetaOffset:
		return s.rec.Offset < 0
	}
	return !present(p.Get(&s.rec))
}

// constSource is a value given on the command line: text or JSON.
type constSource struct {
	raw  []byte // as JSON
	meta []byte // as metadata bytes; nil for JSON null
}

func (c *constSource) json(*state) ([]byte, bool, error)  { return c.raw, true, nil }
func (c *constSource) bytes(*state) ([]byte, bool, error) { return c.meta, true, nil }

// metaBytes converts a JSON value into metadata bytes: a string gives its
// text, null gives nil, and any other value its JSON text.
func metaBytes(r gjson.Result) []byte {
	switch r.Type {
	case gjson.Null:
		return nil
	case gjson.String:
		return bytesOf(r.Str)
	}
	return bytesOf(r.Raw)
}

// fieldSource is the field that a copy or move reads.
type fieldSource struct {
	path *field.Path
	tgt  *target // when the field is in the value
}

// moveSource is a fieldSource that is deleted after it was read.
type moveSource struct {
	fieldSource
}

func (f *fieldSource) json(s *state) ([]byte, bool, error) {
	if f.tgt != nil {
		ready, err := s.valueReady()
		if !ready {
			return nil, false, err
		}
		raw, found, err := f.tgt.get(s.rec.Value, &s.root)
		if !found || err != nil {
			return nil, false, err
		}
		return bytesOf(raw), true, nil
	}

	if err := s.needMeta(f.path); err != nil {
		return nil, false, err
	}
	r := f.path.Get(&s.rec)
	switch {
	case !r.Exists():
		return nil, false, nil
	case r.Type == gjson.String:
		s.tmp = appendJSONString(s.tmp[:0], r.Str)
		return s.tmp, true, nil
	case r.Type == gjson.Null:
		return nullJSON, true, nil
	}
	return bytesOf(r.Raw), true, nil
}

var nullJSON = []byte("null")

func (f *fieldSource) bytes(s *state) ([]byte, bool, error) {
	if f.tgt != nil {
		ready, err := s.valueReady()
		if !ready {
			return nil, false, err
		}
		raw, found, err := f.tgt.get(s.rec.Value, &s.root)
		if !found || err != nil {
			return nil, false, err
		}
		b := metaBytes(parseRaw(raw))
		if b == nil {
			return nil, true, nil
		}
		// The value's buffer is rewritten by later value edits, so the
		// bytes are copied into memory that lasts for the whole record.
		start := len(s.meta)
		s.meta = append(s.meta, b...)
		return s.meta[start:len(s.meta):len(s.meta)], true, nil
	}

	if err := s.needMeta(f.path); err != nil {
		return nil, false, err
	}
	r := f.path.Get(&s.rec)
	if !r.Exists() {
		return nil, false, nil
	}
	return metaBytes(r), true, nil
}

func (m *moveSource) remove(s *state) error {
	if m.tgt == nil {
		return m.path.DeleteMeta(&s.rec)
	}
	out, changed, err := m.tgt.delete(s.spare(), s.rec.Value, &s.root)
	if changed {
		s.replace(out)
	}
	return err
}

// deleteOp deletes a field or a piece of metadata.
type deleteOp struct {
	arg string
	dst *field.Path
	tgt *target
}

func (d *deleteOp) apply(s *state) error {
	if d.tgt == nil {
		if err := s.needMeta(d.dst); err != nil {
			return fmt.Errorf("edit %q: %w", d.arg, err)
		}
		if err := d.dst.DeleteMeta(&s.rec); err != nil {
			return fmt.Errorf("edit %q: %w", d.arg, err)
		}
		return nil
	}

	ready, err := s.valueReady()
	if !ready {
		if err != nil {
			return fmt.Errorf("edit %q: %w", d.arg, err)
		}
		return nil
	}
	out, changed, err := d.tgt.delete(s.spare(), s.rec.Value, &s.root)
	if err != nil {
		return fmt.Errorf("edit %q: %w", d.arg, err)
	}
	if changed {
		s.replace(out)
	}
	return nil
}
