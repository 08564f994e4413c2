package math

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/etelgo/etelgo/internal/expr"
	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/jsonscan"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
	"github.com/tidwall/gjson"
)

// Program is the compiled list of assignments of one run. It is shared by
// the workers; each gets its own Processor.
type Program struct {
	assigns     []*expr.Assignment
	targets     []*target // the value target of each assignment, nil for metadata
	writesValue bool      // some assignment writes a value field
	opts        expr.Options
	// validate checks each plain line as JSON in full, instead of the
	// root object's members only.
	validate bool
}

// Compile compiles the assignments. Errors wrap an *expr.SyntaxError and
// name the faulty argument by its number when there are several.
func Compile(srcs []string, opts expr.Options) (*Program, error) {
	p := &Program{opts: opts}
	for i, src := range srcs {
		a, err := expr.CompileAssignment(src)
		if err != nil {
			if len(srcs) > 1 {
				return nil, fmt.Errorf("invalid expression %d: %w", i+1, err)
			}
			return nil, fmt.Errorf("invalid expression: %w", err)
		}
		p.assigns = append(p.assigns, a)
		var t *target
		if !a.Target().IsMeta() {
			t = newTarget(a.Target())
			p.writesValue = true
		}
		p.targets = append(p.targets, t)
	}
	return p, nil
}

// NewProcessor returns a Processor that applies the program.
func (p *Program) NewProcessor() *Processor {
	return &Processor{prog: p, env: expr.NewEnv(p.opts)}
}

// Processor applies a Program to one record at a time.
//
// Assignments apply in order, each seeing the result of the ones before,
// on a working copy of the record: value writes go to two scratch buffers
// in turn, and key and header bytes to a scratch buffer of their own. The
// working copy is emitted only when every assignment succeeded, so a
// record that fails is left exactly as it was. The emitted record points
// into the scratch buffers until the next call.
type Processor struct {
	prog *Program
	env  *expr.Env

	out   record.Record
	bufs  [2][]byte // value scratch buffers
	spare int       // index of the buffer the next write goes to
	raw   []byte    // the JSON text of the value being assigned

	// Key and header values, and header lists, alternate between two
	// buffers from record to record, so that a record that comes back
	// through this processor is never overwritten while it is read.
	turn    int
	meta    [2][]byte
	headers [2][]record.Header

	noValue record.Record // the working copy without its value, for reads
}

var _ stage.Processor = (*Processor)(nil)

// Process applies the assignments to rec and emits the result.
func (p *Processor) Process(rec *record.Record, emit stage.Emit) error {
	// Metadata assignments alone need no check of an envelope's value.
	edit := false
	if p.prog.writesValue || !rec.HasMeta {
		var err error
		if edit, err = valueEditable(rec, p.prog.validate); err != nil {
			return err
		}
	}
	if !rec.HasMeta && !edit {
		// A blank plain line passes, so that lines stay one to one.
		return emit(rec)
	}

	// A value that is not JSON has no fields to read, even when its text
	// looks like an object. Only such text can mislead the reads, which
	// find nothing in a value that does not begin with { or [.
	hideValue := false
	if rec.HasMeta && !edit && expr.IsContainer(rec.Value) {
		hideValue = p.prog.writesValue || !(rec.ValueJSON || record.IsEmbeddableJSON(rec.Value))
	}

	p.out = *rec
	if edit && rec.HasMeta {
		// Checked in full by valueEditable; assignments splice numbers
		// and strings into it, which keeps it embeddable JSON.
		p.out.ValueJSON = true
	}
	p.turn = 1 - p.turn
	p.meta[p.turn] = p.meta[p.turn][:0]
	p.spare = 0
	if overlaps(p.bufs[0], rec.Value) {
		p.spare = 1
	}
	headersCopied := false

	for i, a := range p.prog.assigns {
		t := p.prog.targets[i]
		if t != nil && !edit {
			continue // a tombstone or a value that is not JSON passes unchanged
		}

		view := &p.out
		if hideValue {
			p.noValue = p.out
			p.noValue.Value = nil
			view = &p.noValue
		}
		v, err := a.Eval(p.env, view)
		if err != nil {
			return err
		}

		if t != nil {
			p.raw = v.AppendJSON(p.raw[:0])
			value, err := t.set(p.bufs[p.spare], p.out.Value, p.raw, p.env.TargetRaw())
			if err != nil {
				return err
			}
			p.bufs[p.spare] = value
			p.spare = 1 - p.spare
			p.out.Value = value
			p.out.Index = nil
			continue
		}

		if !rec.HasMeta {
			return field.ErrNoMetadata
		}
		if a.Target().Meta() == field.MetaHeader && !headersCopied {
			// SetMeta edits the header list in place; the input record's
			// list must stay intact in case a later assignment fails.
			p.headers[p.turn] = append(p.headers[p.turn][:0], p.out.Headers...)
			p.out.Headers = p.headers[p.turn]
			headersCopied = true
		}
		if err := a.Target().SetMeta(&p.out, p.metaText(v)); err != nil {
			return err
		}
		if headersCopied {
			p.headers[p.turn] = p.out.Headers
		}
	}
	return emit(&p.out)
}

// metaText returns v as the bytes of a key or header value, copied into
// the record's metadata buffer: nil for null.
func (p *Processor) metaText(v expr.Value) []byte {
	if v.Kind == expr.KindNull {
		return nil
	}
	buf := &p.meta[p.turn]
	start := len(*buf)
	*buf = v.AppendText(*buf)
	return (*buf)[start:len(*buf):len(*buf)]
}

// valueEditable reports whether rec's value is a JSON object whose fields
// can be assigned. In an envelope stream, a tombstone or a value that is
// not JSON passes unchanged, by the rule of record.IsEmbeddableJSON,
// which decides what an envelope carries as value_text. JSON that is not
// an object is an error there. In a plain stream a blank line is not
// editable, and any other line that is not a JSON object is an error.
//
// A plain line is checked as etl-set checks it (jsonscan.CheckObject):
// the root object's members in full, and inside nested values only
// matching quotes and brackets, once per record whatever the number of
// assignments. validate checks the whole line as JSON instead.
// An envelope value is always checked in full.
func valueEditable(rec *record.Record, validate bool) (bool, error) {
	v := rec.Value
	start, end := objectBounds(v)
	looksLikeObject := end-start >= 2 && v[start] == '{' && v[end-1] == '}'
	if !rec.HasMeta {
		switch {
		case start == end:
			return false, nil
		case !looksLikeObject:
			return false, fmt.Errorf("the line is %s, not a JSON object", describeBytes(v))
		case validate:
			if !record.ValidJSON(v) {
				return false, errors.New("the line is not valid JSON")
			}
		default:
			if err := jsonscan.CheckObject(v); err != nil {
				return false, err
			}
		}
		return true, nil
	}

	if !rec.ValueJSON && !record.IsEmbeddableJSON(v) {
		return false, nil
	}
	if looksLikeObject {
		return true, nil
	}
	return false, fmt.Errorf("the value is %s, not a JSON object", describeBytes(v))
}

func describeBytes(v []byte) string {
	if !record.ValidJSON(v) {
		return "not valid JSON"
	}
	return describe(gjson.ParseBytes(v))
}

// overlaps reports whether a and b share memory.
func overlaps(a, b []byte) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	a0 := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(cap(b)) && b0 < a0+uintptr(cap(a))
}
