package expr

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokNumber
	tokString
	tokPath // a field path, a function name, or a keyword before lookup
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokComma
	tokPlus
	tokMinus
	tokStar
	tokSlash
	tokPercent
	tokEq
	tokNe
	tokLt
	tokLe
	tokGt
	tokGe
	tokMatch
	tokNotMatch
	tokAssign
	tokAddAssign
	tokSubAssign
	tokMulAssign
	tokDivAssign
	tokAnd
	tokOr
	tokNot
	tokIn
	tokTrue
	tokFalse
	tokNull
)

// token is one lexeme. pos and end are byte offsets into the expression.
type token struct {
	kind     tokenKind
	pos, end int
	text     string // the source text
	value    string // a string literal's decoded text; a header path's unescaped text
}

var keywords = map[string]tokenKind{
	"and":   tokAnd,
	"or":    tokOr,
	"not":   tokNot,
	"in":    tokIn,
	"true":  tokTrue,
	"false": tokFalse,
	"null":  tokNull,
}

// operators lists the operator lexemes, longest first where one is the
// prefix of another.
var operators = []struct {
	text string
	kind tokenKind
}{
	{"==", tokEq}, {"!=", tokNe}, {"<=", tokLe}, {">=", tokGe},
	{"=~", tokMatch}, {"!~", tokNotMatch},
	{"+=", tokAddAssign}, {"-=", tokSubAssign}, {"*=", tokMulAssign}, {"/=", tokDivAssign},
	{"&&", tokAnd}, {"||", tokOr},
	{"<", tokLt}, {">", tokGt}, {"=", tokAssign}, {"!", tokNot},
	{"+", tokPlus}, {"-", tokMinus}, {"*", tokStar}, {"/", tokSlash}, {"%", tokPercent},
	{"(", tokLParen}, {")", tokRParen}, {"[", tokLBracket}, {"]", tokRBracket}, {",", tokComma},
}

// lex splits src into tokens, ending with a tokEOF.
func lex(src string) ([]token, error) {
	var tokens []token
	i := 0
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i == len(src) {
			return append(tokens, token{kind: tokEOF, pos: i, end: i}), nil
		}

		var tok token
		var err error
		c := src[i]
		switch {
		case isDigit(c):
			tok, err = lexNumber(src, i)
		case c == '"':
			tok, err = lexString(src, i)
		case isPathStart(c):
			tok, err = lexPath(src, i)
		default:
			tok, err = lexOperator(src, i)
		}
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, tok)
		i = tok.end
	}
}

func lexOperator(src string, i int) (token, error) {
	for _, op := range operators {
		if strings.HasPrefix(src[i:], op.text) {
			return token{kind: op.kind, pos: i, end: i + len(op.text), text: op.text}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(src[i:])
	if r == '\'' {
		return token{}, syntaxError(src, i, "strings are written in double quotes")
	}
	return token{}, syntaxError(src, i, "unexpected character %q", r)
}

// lexNumber reads a number in JSON syntax.
func lexNumber(src string, start int) (token, error) {
	i := start
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	for i < len(src) && (isPathByte(src[i]) || src[i] == '.') {
		i++
	}

	text := src[start:i]
	var a Arith
	if _, err := a.Parse(text, false); err != nil {
		if err == ErrRange {
			return token{}, syntaxError(src, start, "number %s is out of range", text)
		}
		if len(text) > 1 && text[0] == '0' && isDigit(text[1]) {
			return token{}, syntaxError(src, start, "invalid number %s: leading zeros are not allowed", text)
		}
		return token{}, syntaxError(src, start, "invalid number %s", text)
	}
	return token{kind: tokNumber, pos: start, end: i, text: text}, nil
}

// lexString reads a string in double quotes with JSON escapes.
func lexString(src string, start int) (token, error) {
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(src) {
			return token{}, syntaxError(src, start, "string has no closing double quote")
		}
		c := src[i]
		if c == '"' {
			i++
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(src) {
			return token{}, syntaxError(src, i, "string has no closing double quote")
		}
		esc := src[i+1]
		switch esc {
		case '"', '\\', '/':
			b.WriteByte(esc)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, ok := decodeUnicodeEscape(src[i:])
			if !ok {
				return token{}, syntaxError(src, i, `invalid escape: \u needs four hex digits`)
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			return token{}, syntaxError(src, i, `invalid escape \%c: use \", \\, \/, \b, \f, \n, \r, \t or \uXXXX`, esc)
		}
		i += 2
	}
	return token{kind: tokString, pos: start, end: i, text: src[start:i], value: b.String()}, nil
}

// decodeUnicodeEscape decodes \uXXXX at the start of s, and a following
// low surrogate escape when the first is a high surrogate. It returns the
// rune and the number of bytes read.
func decodeUnicodeEscape(s string) (rune, int, bool) {
	hex := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(s[2:6], 16, 16)
		return rune(n), err == nil
	}
	r, ok := hex(s)
	if !ok {
		return 0, 0, false
	}
	if utf16.IsSurrogate(r) {
		if low, ok := hex(s[6:]); ok {
			if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
				return pair, 12, true
			}
		}
		return utf8.RuneError, 6, true
	}
	return r, 6, true
}

// lexPath reads a field path, a function name or a keyword. A path holds
// letters, digits, underscores, dots, UTF-8 letters and escaped characters
// (any character after a backslash). It begins with a letter, an
// underscore, a backslash or an @. Header names (@headers.NAME) may also
// hold hyphens, so that @headers.trace-id reads as one path.
func lexPath(src string, start int) (token, error) {
	header := strings.HasPrefix(src[start:], "@headers.")
	i := start
	if src[i] == '@' {
		i++
	}
	var unescaped strings.Builder
	unescaped.WriteString(src[start:i])
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\':
			if i+1 >= len(src) {
				return token{}, syntaxError(src, i, "a backslash at the end of the expression escapes nothing")
			}
			_, size := utf8.DecodeRuneInString(src[i+1:])
			unescaped.WriteString(src[i+1 : i+1+size])
			i += 1 + size
			continue
		case isPathByte(c) || c == '.' || (header && c == '-'):
		default:
			return pathToken(src, start, i, header, unescaped.String()), nil
		}
		unescaped.WriteByte(c)
		i++
	}
	return pathToken(src, start, i, header, unescaped.String()), nil
}

func pathToken(src string, start, end int, header bool, unescaped string) token {
	tok := token{kind: tokPath, pos: start, end: end, text: src[start:end]}
	if kind, ok := keywords[tok.text]; ok {
		tok.kind = kind
	}
	if header {
		tok.value = unescaped
	}
	return tok
}

func isPathStart(c byte) bool {
	return c == '_' || c == '@' || c == '\\' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isPathByte(c byte) bool { return isPathStart(c) && c != '@' && c != '\\' || isDigit(c) }
