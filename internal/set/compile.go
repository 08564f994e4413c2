package set

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/tidwall/gjson"
)

// Options tune how a Program treats records.
type Options struct {
	// Validate checks every plain line as JSON in full, instead of only
	// its first and last bytes.
	Validate bool
	// Plain is set when the stream is known to be plain lines (--format
	// plain): an edit that addresses metadata is then a usage error at
	// start instead of an error on the first record.
	Plain bool
}

// Compile parses and compiles edit arguments, in order. The error names
// the first faulty argument and the column where the fault is.
func Compile(args []string, opts Options) (*Program, error) {
	if len(args) == 0 {
		return nil, errors.New("no edits given: " + operatorHelp)
	}
	prog := &Program{validate: opts.Validate}
	for _, arg := range args {
		e, err := ParseEdit(arg)
		if err != nil {
			return nil, err
		}
		o, err := compileEdit(e, prog)
		if err != nil {
			return nil, err
		}
		if opts.Plain && usesMeta(o) {
			return nil, &SyntaxError{Arg: arg, Column: 1, Msg: "--format plain lines carry no metadata: drop --format plain if the input is envelope lines"}
		}
		prog.ops = append(prog.ops, o)
	}
	return prog, nil
}

// compileEdit turns one parsed edit into an op and records in prog what
// the op touches.
func compileEdit(e Edit, prog *Program) (op, error) {
	dst, err := field.Compile(e.Path)
	if err != nil {
		return nil, &SyntaxError{Arg: e.Arg, Column: 1, Msg: err.Error()}
	}
	var tgt *target
	if dst.IsMeta() {
		if dst.Meta() == field.MetaHeader {
			prog.usesHeaders = true
		}
	} else {
		tgt = newTarget(dst)
		prog.usesValue = true
	}

	if e.Op == OpDelete {
		return &deleteOp{arg: e.Arg, dst: dst, tgt: tgt}, nil
	}

	a := &assign{arg: e.Arg, dst: dst, tgt: tgt, dflt: e.Default}
	switch e.Op {
	case OpSetString:
		a.src = &constSource{
			raw:  appendJSONString(nil, e.Operand),
			meta: append([]byte{}, e.Operand...),
		}
	case OpSetJSON:
		raw, err := compactJSON(e)
		if err != nil {
			return nil, err
		}
		c := &constSource{raw: raw, meta: metaBytes(gjson.ParseBytes(raw))}
		if c.meta != nil {
			c.meta = append([]byte{}, c.meta...)
		}
		a.src = c
	case OpCopy, OpMove:
		p, err := field.Compile(e.Operand)
		if err != nil {
			return nil, &SyntaxError{Arg: e.Arg, Column: e.OperandColumn, Msg: err.Error()}
		}
		src := fieldSource{path: p}
		if p.IsMeta() {
			if e.Op == OpMove && p.Meta() == field.MetaHeader {
				prog.usesHeaders = true
			}
		} else {
			src.tgt = newTarget(p)
			prog.usesValue = true
		}
		if e.Op == OpMove {
			a.src = &moveSource{src}
		} else {
			a.src = &src
		}
	case OpTemplate:
		t, err := parseTemplate(e.Arg, e.Operand, len(e.Arg)-len(e.Operand))
		if err != nil {
			return nil, err
		}
		if t.usesValue() {
			prog.usesValue = true
		}
		a.src = t
	}

	if err := checkMetaConstant(e, a); err != nil {
		return nil, err
	}
	return a, nil
}

// compactJSON validates the JSON literal of a := edit and returns it
// without insignificant spaces, so that it cannot break a line.
func compactJSON(e Edit) ([]byte, error) {
	// Unmarshal, unlike Compact, reports the offset of a syntax error.
	var probe json.RawMessage
	err := json.Unmarshal([]byte(e.Operand), &probe)
	if err == nil {
		var buf bytes.Buffer
		if err = json.Compact(&buf, []byte(e.Operand)); err == nil {
			return buf.Bytes(), nil
		}
	}

	col := e.OperandColumn
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) && syntaxErr.Offset > 0 {
		bad := int(min(syntaxErr.Offset-1, int64(len(e.Operand))))
		col = column(e.Arg, len(e.Arg)-len(e.Operand)+bad)
	}
	return nil, &SyntaxError{Arg: e.Arg, Column: col, Msg: fmt.Sprintf("invalid JSON literal %s: %v; quote a string as '\"text\"', or use = to set text", e.Operand, err)}
}

// checkMetaConstant rejects, at start, a constant that a numeric piece
// of metadata cannot take, such as @partition=abc.
func checkMetaConstant(e Edit, a *assign) error {
	c, ok := a.src.(*constSource)
	if !ok || a.tgt != nil {
		return nil
	}
	probe := record.Record{HasMeta: true}
	if err := a.dst.SetMeta(&probe, c.meta); err != nil {
		return &SyntaxError{Arg: e.Arg, Column: e.OperandColumn, Msg: err.Error()}
	}
	return nil
}

// usesMeta reports whether an op reads or writes metadata.
func usesMeta(o op) bool {
	switch o := o.(type) {
	case *deleteOp:
		return o.dst.IsMeta()
	case *assign:
		if o.dst.IsMeta() {
			return true
		}
		switch src := o.src.(type) {
		case *fieldSource:
			return src.path.IsMeta()
		case *moveSource:
			return src.path.IsMeta()
		case *templateSource:
			for _, p := range src.parts {
				if p.path != nil && p.path.IsMeta() {
					return true
				}
			}
		}
	}
	return false
}
