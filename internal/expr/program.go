package expr

import (
	"fmt"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
)

// Predicate is a compiled condition, as etl-filter takes it. It is
// immutable, so goroutines share one Predicate, each with its own Env.
type Predicate struct {
	src        string
	root       node
	readsValue bool
}

// CompilePredicate parses and checks a condition. Errors are
// *SyntaxError values pointing at the faulty column.
func CompilePredicate(src string) (*Predicate, error) {
	p, err := newParser(src)
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tokEOF {
		return nil, p.errorAt(0, "empty condition: write one such as status == \"paid\"")
	}
	root, err := p.condition()
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	if err := p.checkCondition(root); err != nil {
		return nil, err
	}
	return &Predicate{src: src, root: root, readsValue: p.readsValue}, nil
}

// String returns the condition as written.
func (p *Predicate) String() string { return p.src }

// ReadsValue reports whether the condition reads a field of the value, as
// opposed to metadata only.
func (p *Predicate) ReadsValue() bool { return p.readsValue }

// Test reports whether the condition holds for rec. Only a true value
// holds: false, a missing field, null or any value other than a boolean do
// not. An error comes only from an Env in strict mode, for the cases
// listed with the comparison rules.
func (p *Predicate) Test(env *Env, rec *record.Record) (bool, error) {
	env.begin(rec)
	v := p.root.eval(env)
	switch v.Kind {
	case KindBool:
		return v.Bool, nil
	case KindInvalid:
		if env.strict {
			return false, env.err(p.src)
		}
		return false, nil
	}
	if env.strict {
		if v.Kind == KindMissing {
			env.failed = failure{err: ErrMissing, node: p.root}
		} else {
			env.failed = failure{err: ErrType, node: p.root, value: v, want: "a boolean"}
		}
		return false, env.err(p.src)
	}
	return false, nil
}

// Assignment is a compiled assignment, as etl-math takes it: a target
// path and the expression whose value goes there. A compound assignment
// such as amount *= 1.2 is compiled as amount = amount * 1.2.
type Assignment struct {
	src    string
	target *field.Path
	value  node
}

// assignable lists the metadata an assignment may write.
var assignable = map[field.Meta]bool{field.MetaNone: true, field.MetaKey: true, field.MetaHeader: true}

// CompileAssignment parses and checks an assignment. Errors are
// *SyntaxError values pointing at the faulty column.
func CompileAssignment(src string) (*Assignment, error) {
	p, err := newParser(src)
	if err != nil {
		return nil, err
	}
	targetTok := p.next()
	opTok := p.next()
	if targetTok.kind != tokPath || !isAssignment(opTok.kind) {
		at := targetTok
		if targetTok.kind == tokPath {
			at = opTok
		}
		return nil, p.errorAt(at.pos, "expected an assignment, such as total = price * qty or amount *= 1.2")
	}
	target, err := p.path(targetTok)
	if err != nil {
		return nil, err
	}
	if !assignable[target.path.Meta()] {
		return nil, p.errorAt(targetTok.pos, "cannot assign to %s: only value fields, @key and @headers.NAME can be assigned", targetTok.text)
	}

	value, err := p.condition()
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}

	if opTok.kind != tokAssign {
		if err := p.checkNumber(value); err != nil {
			return nil, err
		}
		read := &targetNode{pathNode: target}
		value = &arithNode{pos: span{0, len(src)}, op: compoundOps[opTok.kind], x: read, y: value}
	}
	return &Assignment{src: src, target: target.path, value: value}, nil
}

var compoundOps = map[tokenKind]tokenKind{
	tokAddAssign: tokPlus,
	tokSubAssign: tokMinus,
	tokMulAssign: tokStar,
	tokDivAssign: tokSlash,
}

func isAssignment(k tokenKind) bool {
	_, compound := compoundOps[k]
	return k == tokAssign || compound
}

// String returns the assignment as written.
func (a *Assignment) String() string { return a.src }

// Target returns the path the assignment writes.
func (a *Assignment) Target() *field.Path { return a.target }

// Eval computes the value to assign for rec. The Value may point into
// rec's bytes and into env: the caller writes it before the next Eval.
func (a *Assignment) Eval(env *Env, rec *record.Record) (Value, error) {
	env.begin(rec)
	v := a.value.eval(env)
	switch v.Kind {
	case KindInvalid:
		return v, env.err(a.src)
	case KindMissing:
		env.failed = failure{err: ErrMissing, node: a.value}
		return v, env.err(a.src)
	}
	return v, nil
}

// TargetRaw returns the JSON text of the target field as the last Eval of
// a compound assignment read it, pointing into the record's value, or ""
// when it did not read it. A caller that writes the result finds the
// field's place from it without searching the value again.
func (env *Env) TargetRaw() string { return env.targetRaw }

// targetNode reads the target of a compound assignment and remembers
// where the field is.
type targetNode struct {
	*pathNode
}

func (n *targetNode) eval(env *Env) Value {
	v := n.pathNode.eval(env)
	env.targetRaw = v.Raw
	return v
}

// err turns the recorded failure into an error.
func (env *Env) err(src string) error {
	if env.failed.err == nil {
		return fmt.Errorf("%q cannot be computed", src)
	}
	return &EvalError{Msg: env.failed.message(src), Err: env.failed.err}
}
