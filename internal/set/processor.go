package set

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
	"github.com/tidwall/gjson"
)

// Program is a compiled list of edits. It is safe for concurrent use:
// each worker gets its own Processor from NewProcessor.
type Program struct {
	ops []op
	// usesValue is set when some edit reads or writes the value, so the
	// value must be classified; an edit list of metadata alone skips it.
	usesValue bool
	// usesHeaders is set when some edit changes headers, which are then
	// copied before the first change so that a failed edit leaves the
	// record intact.
	usesHeaders bool
	// validate turns on a full JSON check of plain lines.
	validate bool
}

// op is one compiled edit.
type op interface {
	apply(s *state) error
}

// NewProcessor returns a Processor that applies the program's edits.
func (p *Program) NewProcessor() *Processor {
	return &Processor{prog: p}
}

// Processor applies a Program to records, one at a time.
//
// Edits apply in the order of the arguments, each to the result of the
// one before. They run on a working copy: value edits write into two
// scratch buffers in turn, and headers are copied before the first
// header edit. The record is replaced only when every edit succeeded, so
// a failing edit leaves it exactly as it was (the stage.Processor
// contract). The emitted record's slices point into the scratch
// buffers until the next call.
type Processor struct {
	prog *Program
	st   state
}

// Process applies the edits to rec and emits it.
func (p *Processor) Process(rec *record.Record, emit stage.Emit) error {
	if !rec.HasMeta && isBlank(rec.Value) {
		// A blank plain line is an empty record: it passes unchanged, so
		// that the output keeps one line per input line.
		return emit(rec)
	}

	s := &p.st
	s.begin(rec, p.prog)
	for _, o := range p.prog.ops {
		if err := o.apply(s); err != nil {
			return err
		}
	}
	if s.root.indexed {
		// The stages after this one read top-level fields through it.
		s.rec.Index = &s.root.index
	}
	*rec = s.rec
	return emit(rec)
}

var _ stage.Processor = (*Processor)(nil)

// valueKind is the class of a record's value, which decides what value
// edits do with it.
type valueKind int

const (
	// valueObject is a JSON object: value edits apply.
	valueObject valueKind = iota
	// valueSkipped is a tombstone or a value that is not JSON (text or
	// bytes in an envelope stream): value edits are skipped and the
	// value passes unchanged.
	valueSkipped
	// valueInvalid is JSON that is not an object, or a plain line that
	// is not one: value edits fail.
	valueInvalid
)

// state is the working copy of one record while its edits run.
type state struct {
	rec   record.Record
	kind  valueKind
	plain bool // the record is a plain line
	// root is the edits' knowledge of the value's root object.
	root rootState

	bufs [2][]byte // value scratch buffers, used in turn
	next int       // index of the spare buffer

	hdrs [2][]record.Header // header copies; the one not aliasing the input is used

	meta  []byte // bytes taken from the value for metadata, valid for this record
	tmp   []byte // a JSON string being built
	moved []byte // the value of a move's source, kept while the source is deleted
}

// begin starts the edits of rec.
func (s *state) begin(rec *record.Record, prog *Program) {
	s.rec = *rec
	s.plain = !rec.HasMeta
	s.meta = s.meta[:0]

	// The spare buffer must not be the memory of the value being read,
	// which happens when a record comes back through this processor.
	s.next = 0
	if overlaps(s.bufs[0], rec.Value) {
		s.next = 1
	}

	if prog.usesHeaders {
		i := 0
		if overlapsHeaders(s.hdrs[0], rec.Headers) {
			i = 1
		}
		s.hdrs[i] = append(s.hdrs[i][:0], rec.Headers...)
		s.rec.Headers = s.hdrs[i]
	}

	s.root.indexed = false
	if prog.usesValue {
		s.kind = s.classify(rec, prog.validate)
	}
	// An envelope value and a line checked by validate are JSON in full.
	s.root.checked = rec.HasMeta || prog.validate
}

// classify decides what value edits do with rec's value.
//
// A plain line is checked cheaply here: its first and last bytes that
// are not spaces must be { and }, and the first edit's walk checks the
// root's members (see locate). validate adds a full JSON check.
// In an envelope stream, a value is JSON only when the envelope carried
// it as raw JSON; text and bytes (value_text, value_b64) are not edited.
// The full check of an object also indexes its root members.
func (s *state) classify(rec *record.Record, validate bool) valueKind {
	v := rec.Value
	if rec.HasMeta {
		switch {
		case v == nil:
			return valueSkipped
		case len(v) > 0 && v[0] == '{' && rec.ValueJSON:
			// Checked by an earlier stage, which may have indexed it too;
			// without an index the edits walk the object.
			if rec.Index != nil {
				if rec.Index != &s.root.index {
					s.root.index.Members = append(s.root.index.Members[:0], rec.Index.Members...)
					s.root.index.Close = rec.Index.Close
				}
				s.root.indexed = true
			}
			return valueObject
		case len(v) > 0 && v[0] == '{':
			if !record.IndexEmbeddableObject(v, &s.root.index) {
				return valueSkipped
			}
			s.root.indexed = true
			s.rec.ValueJSON = true // and each edit keeps it so
			return valueObject
		case !record.IsEmbeddableJSON(v):
			return valueSkipped
		}
		return valueInvalid
	}

	start, end := trimSpace(v)
	if end-start < 2 || v[start] != '{' || v[end-1] != '}' {
		return valueInvalid
	}
	if validate && !record.ValidJSON(v) {
		return valueInvalid
	}
	return valueObject
}

// errNotObject explains why value edits cannot apply to a record.
func (s *state) errNotObject() error {
	if s.plain {
		if !record.ValidJSON(s.rec.Value) {
			return errors.New("the line is not valid JSON")
		}
		return fmt.Errorf("the line is %s, not a JSON object", describe(gjson.ParseBytes(s.rec.Value)))
	}
	return fmt.Errorf("the value is %s, not a JSON object", describe(gjson.ParseBytes(s.rec.Value)))
}

// valueReady reports whether value edits apply to this record, and
// returns an error when the value is not an object.
func (s *state) valueReady() (bool, error) {
	switch s.kind {
	case valueObject:
		return true, nil
	case valueInvalid:
		return false, s.errNotObject()
	}
	return false, nil
}

// spare returns the empty spare buffer for the next value edit.
func (s *state) spare() []byte { return s.bufs[s.next][:0] }

// replace makes out, written from spare, the current value.
func (s *state) replace(out []byte) {
	s.bufs[s.next] = out
	s.rec.Value = out
	s.rec.Index = nil // Process hands on root.index if it still holds
	s.next ^= 1
}

// needMeta returns an error when the record has no metadata.
func (s *state) needMeta(p *field.Path) error {
	if s.plain {
		return fmt.Errorf("%s: %w", p, field.ErrNoMetadata)
	}
	return nil
}

func isBlank(b []byte) bool {
	start, end := trimSpace(b)
	return start == end
}

// overlaps reports whether the memory of b lies within a's capacity.
func overlaps(a, b []byte) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	aStart := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	bStart := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return bStart >= aStart && bStart < aStart+uintptr(cap(a))
}

func overlapsHeaders(a, b []record.Header) bool {
	return cap(a) > 0 && cap(b) > 0 && unsafe.SliceData(a[:1]) == unsafe.SliceData(b[:1])
}

// bytesOf views s as bytes without copying. An empty s gives an empty
// slice that is not nil, because nil means null for metadata.
func bytesOf(s string) []byte {
	if len(s) == 0 {
		return emptyBytes
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

var emptyBytes = []byte{}
