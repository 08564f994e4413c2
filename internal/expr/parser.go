package expr

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/etelgo/etelgo/internal/field"
)

// The grammar, loosest binding first:
//
//	condition  = and { ("or" | "||") and }
//	and        = not { ("and" | "&&") not }
//	not        = ("not" | "!") not | comparison
//	comparison = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
//	                 | ["not"] "in" list | ("=~" | "!~") string ]
//	sum        = product { ("+" | "-") product }
//	product    = unary { ("*" | "/" | "%") unary }
//	unary      = "-" unary | primary
//	primary    = number | string | "true" | "false" | "null"
//	           | path | function "(" [ condition { "," condition } ] ")"
//	           | "(" condition ")"
//	list       = "[" [ literal { "," literal } ] "]"
//
// An assignment is a path, one of = += -= *= /=, and a condition.

type parser struct {
	src    string
	tokens []token
	i      int

	readsValue bool // some path addresses the value, not metadata
}

func newParser(src string) (*parser, error) {
	tokens, err := lex(src)
	if err != nil {
		return nil, err
	}
	return &parser{src: src, tokens: tokens}, nil
}

func (p *parser) peek() token { return p.tokens[p.i] }

func (p *parser) next() token {
	tok := p.tokens[p.i]
	if tok.kind != tokEOF {
		p.i++
	}
	return tok
}

func (p *parser) errorAt(offset int, format string, args ...any) error {
	return syntaxError(p.src, offset, format, args...)
}

// unexpected reports tok where a value was expected.
func (p *parser) unexpected(tok token, what string) error {
	switch tok.kind {
	case tokEOF:
		return p.errorAt(tok.pos, "expected %s, found the end of the expression", what)
	case tokAssign:
		return p.errorAt(tok.pos, "unexpected =: to compare, write ==")
	case tokLBracket:
		return p.errorAt(tok.pos, "a list in [...] is only allowed after in")
	}
	return p.errorAt(tok.pos, "expected %s, found %q", what, tok.text)
}

// end checks that the whole expression was read.
func (p *parser) end() error {
	tok := p.peek()
	switch tok.kind {
	case tokEOF:
		return nil
	case tokAssign, tokAddAssign, tokSubAssign, tokMulAssign, tokDivAssign:
		return p.errorAt(tok.pos, "unexpected %s: an assignment goes at the start, as in total = price * qty; to compare, write ==", tok.text)
	case tokRParen:
		return p.errorAt(tok.pos, "unexpected ): it closes no (")
	}
	return p.errorAt(tok.pos, "unexpected %q after a complete expression: join conditions with and, or", tok.text)
}

func (p *parser) condition() (node, error) {
	x, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokOr {
		p.next()
		y, err := p.and()
		if err != nil {
			return nil, err
		}
		if err := p.checkCondition(x, y); err != nil {
			return nil, err
		}
		x = &logicNode{pos: span{x.span().start, y.span().end}, x: x, y: y}
	}
	return x, nil
}

func (p *parser) and() (node, error) {
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokAnd {
		p.next()
		y, err := p.not()
		if err != nil {
			return nil, err
		}
		if err := p.checkCondition(x, y); err != nil {
			return nil, err
		}
		x = &logicNode{pos: span{x.span().start, y.span().end}, and: true, x: x, y: y}
	}
	return x, nil
}

func (p *parser) not() (node, error) {
	if p.peek().kind != tokNot {
		return p.comparison()
	}
	tok := p.next()
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	if err := p.checkCondition(x); err != nil {
		return nil, err
	}
	return &notNode{pos: span{tok.pos, x.span().end}, x: x}, nil
}

func isComparison(k tokenKind) bool {
	return k == tokEq || k == tokNe || k == tokLt || k == tokLe || k == tokGt || k == tokGe
}

func (p *parser) comparison() (node, error) {
	x, err := p.sum()
	if err != nil {
		return nil, err
	}

	tok := p.peek()
	switch {
	case isComparison(tok.kind):
		p.next()
		y, err := p.sum()
		if err != nil {
			return nil, err
		}
		if next := p.peek(); isComparison(next.kind) {
			return nil, p.errorAt(next.pos, "comparisons do not chain: write a < b and b < c")
		}
		nullCheck := x.kind() == staticNull || y.kind() == staticNull
		return &compareNode{pos: span{x.span().start, y.span().end}, op: tok.kind, x: x, y: y, nullCheck: nullCheck}, nil

	case tok.kind == tokIn:
		p.next()
		return p.list(x, false)

	case tok.kind == tokNot && p.tokens[p.i+1].kind == tokIn:
		p.next()
		p.next()
		return p.list(x, true)

	case tok.kind == tokMatch || tok.kind == tokNotMatch:
		p.next()
		return p.match(x, tok.kind == tokNotMatch)
	}
	return x, nil
}

// list parses the list of literals after in.
func (p *parser) list(x node, negated bool) (node, error) {
	if tok := p.next(); tok.kind != tokLBracket {
		return nil, p.unexpected(tok, "a list such as [1, 2, \"a\"] after in")
	}
	n := &inNode{x: x, negated: negated}
	for p.peek().kind != tokRBracket {
		if len(n.list) > 0 {
			if tok := p.next(); tok.kind != tokComma {
				return nil, p.unexpected(tok, "a comma or ] in the list")
			}
		}
		item, err := p.unary()
		if err != nil {
			return nil, err
		}
		lit, ok := item.(*literalNode)
		if !ok {
			return nil, p.errorAt(item.span().start, "a list holds only numbers, strings, true, false and null")
		}
		n.list = append(n.list, lit.value)
		n.hasNull = n.hasNull || lit.value.Kind == KindNull
	}
	end := p.next()
	n.pos = span{x.span().start, end.end}
	return n, nil
}

func (p *parser) match(x node, negated bool) (node, error) {
	tok := p.next()
	if tok.kind != tokString {
		return nil, p.unexpected(tok, "a regular expression in double quotes")
	}
	if k := x.kind(); k != staticAny && k != staticString {
		return nil, p.errorAt(x.span().start, "%s is %s: =~ matches strings", p.quote(x), k)
	}
	re, err := regexp.Compile(tok.value)
	if err != nil {
		return nil, p.errorAt(tok.pos, "invalid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return &matchNode{pos: span{x.span().start, tok.end}, x: x, re: re, negated: negated}, nil
}

func (p *parser) sum() (node, error) {
	x, err := p.product()
	if err != nil {
		return nil, err
	}
	for k := p.peek().kind; k == tokPlus || k == tokMinus; k = p.peek().kind {
		p.next()
		y, err := p.product()
		if err != nil {
			return nil, err
		}
		if err := p.checkNumber(x, y); err != nil {
			return nil, err
		}
		x = &arithNode{pos: span{x.span().start, y.span().end}, op: k, x: x, y: y}
	}
	return x, nil
}

func (p *parser) product() (node, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for k := p.peek().kind; k == tokStar || k == tokSlash || k == tokPercent; k = p.peek().kind {
		p.next()
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		if err := p.checkNumber(x, y); err != nil {
			return nil, err
		}
		x = &arithNode{pos: span{x.span().start, y.span().end}, op: k, x: x, y: y}
	}
	return x, nil
}

func (p *parser) unary() (node, error) {
	if p.peek().kind != tokMinus {
		return p.primary()
	}
	tok := p.next()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	if err := p.checkNumber(x); err != nil {
		return nil, err
	}
	pos := span{tok.pos, x.span().end}

	// A negative literal stays a literal, written as in the expression.
	if lit, ok := x.(*literalNode); ok {
		var a Arith
		v := lit.value
		v.Num = a.Neg(v.Num)
		if raw, ok := strings.CutPrefix(v.Raw, "-"); ok {
			v.Raw = raw
		} else {
			v.Raw = "-" + v.Raw
		}
		return &literalNode{pos: pos, value: v}, nil
	}
	return &negNode{pos: pos, x: x}, nil
}

func (p *parser) primary() (node, error) {
	tok := p.next()
	pos := span{tok.pos, tok.end}
	switch tok.kind {
	case tokNumber:
		var a Arith
		n, err := a.Parse(tok.text, false)
		if err != nil {
			return nil, p.errorAt(tok.pos, "invalid number %s", tok.text)
		}
		return &literalNode{pos: pos, value: Value{Kind: KindNumber, Num: n, Raw: tok.text}}, nil
	case tokString:
		return &literalNode{pos: pos, value: Value{Kind: KindString, Str: tok.value}}, nil
	case tokTrue, tokFalse:
		return &literalNode{pos: pos, value: boolValue(tok.kind == tokTrue)}, nil
	case tokNull:
		return &literalNode{pos: pos, value: Value{Kind: KindNull}}, nil
	case tokLParen:
		x, err := p.condition()
		if err != nil {
			return nil, err
		}
		closing := p.next()
		if closing.kind == tokEOF {
			return nil, p.errorAt(tok.pos, "this ( is not closed: add a ) after %q", p.src[tok.pos:])
		}
		if closing.kind != tokRParen {
			return nil, p.unexpected(closing, fmt.Sprintf("a ) to close the ( at column %d", p.column(tok.pos)))
		}
		return &parenNode{pos: span{tok.pos, closing.end}, x: x}, nil
	case tokPath:
		if p.peek().kind == tokLParen {
			return p.call(tok)
		}
		return p.path(tok)
	}
	return nil, p.unexpected(tok, "a number, a string, a field or (")
}

// path compiles a field path token.
func (p *parser) path(tok token) (*pathNode, error) {
	text := tok.text
	if tok.value != "" {
		text = tok.value // a header path, its escapes resolved
	}
	path, err := field.Compile(text)
	if err != nil {
		return nil, p.errorAt(tok.pos, "%v", err)
	}
	p.readsValue = p.readsValue || !path.IsMeta()
	return &pathNode{pos: span{tok.pos, tok.end}, path: path}, nil
}

func (p *parser) call(name token) (node, error) {
	p.next() // (
	var args []node
	for p.peek().kind != tokRParen {
		if len(args) > 0 {
			if tok := p.next(); tok.kind != tokComma {
				return nil, p.unexpected(tok, fmt.Sprintf("a comma or ) in the call of %s", name.text))
			}
		}
		arg, err := p.condition()
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	closing := p.next()
	pos := span{name.pos, closing.end}

	if name.text == "exists" {
		if len(args) != 1 {
			return nil, p.errorAt(name.pos, "exists takes one field path, as in exists(user.id)")
		}
		path, ok := args[0].(*pathNode)
		if !ok {
			return nil, p.errorAt(args[0].span().start, "exists takes a field path, as in exists(user.id)")
		}
		return &existsNode{pos: pos, path: path}, nil
	}

	fn := lookupFunction(name.text)
	if fn == nil {
		names := []string{"exists"}
		for _, f := range Functions {
			names = append(names, f.name)
		}
		return nil, p.errorAt(name.pos, "unknown function %s: the functions are %s", name.text, strings.Join(names, ", "))
	}
	if len(args) < fn.minArgs || (fn.maxArgs >= 0 && len(args) > fn.maxArgs) {
		return nil, p.errorAt(name.pos, "%s is called with %d arguments: write %s", fn.name, len(args), fn.usage)
	}
	if fn.arg == staticNumber {
		if err := p.checkNumber(args...); err != nil {
			return nil, err
		}
	}
	return &callNode{pos: pos, fn: fn, args: args}, nil
}

// checkNumber rejects operands that can never be numbers.
func (p *parser) checkNumber(nodes ...node) error {
	for _, n := range nodes {
		switch k := n.kind(); k {
		case staticString:
			return p.errorAt(n.span().start, "%s is a string, not a number: convert a string field with num()", p.quote(n))
		case staticBool, staticNull:
			return p.errorAt(n.span().start, "%s is %s, not a number", p.quote(n), k)
		}
	}
	return nil
}

// checkCondition rejects operands of and, or and not that can never be
// booleans.
func (p *parser) checkCondition(nodes ...node) error {
	for _, n := range nodes {
		switch k := n.kind(); k {
		case staticNumber, staticString, staticNull:
			return p.errorAt(n.span().start, "%s is %s, not a condition: compare it, as in x > 0 or x == \"a\"", p.quote(n), k)
		}
	}
	return nil
}

func (p *parser) quote(n node) string {
	s := n.span()
	return fmt.Sprintf("%q", p.src[s.start:s.end])
}

func (p *parser) column(offset int) int {
	return (&SyntaxError{Src: p.src, Offset: offset}).Column()
}
