package expr

import (
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Kind is the type of a Value.
type Kind uint8

const (
	// KindMissing is a field that is not in the record.
	KindMissing Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindObject
	KindArray
	// KindInvalid is the result of a computation that failed, such as a
	// division by zero. The Env that evaluated it holds the reason.
	KindInvalid
)

// Value is the result of an expression, or a field read from a record.
//
// A Value read from a record points into the record's bytes: it is valid
// until the record changes or the Env evaluates again.
type Value struct {
	Kind Kind
	Bool bool
	Num  Number
	// Str is the text of a string, or the JSON text of an object or array.
	Str string
	// Raw is the JSON text the value was read from, when it comes from the
	// record's value unchanged; it is empty for computed values. Writing
	// Raw back keeps the text byte for byte, such as 1.0 or "\u00e9".
	Raw string
}

var (
	missingValue = Value{Kind: KindMissing}
	invalidValue = Value{Kind: KindInvalid}
)

func boolValue(b bool) Value { return Value{Kind: KindBool, Bool: b} }

func numberValue(n Number) Value { return Value{Kind: KindNumber, Num: n} }

// AppendJSON appends v as JSON text. A missing or invalid value has no
// JSON text: the caller checks the kind first.
func (v Value) AppendJSON(buf []byte) []byte {
	if v.Raw != "" {
		return append(buf, v.Raw...)
	}
	switch v.Kind {
	case KindNull:
		return append(buf, "null"...)
	case KindBool:
		if v.Bool {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case KindNumber:
		return v.Num.Append(buf)
	case KindString:
		return AppendJSONString(buf, v.Str)
	case KindObject, KindArray:
		return append(buf, v.Str...)
	}
	return buf
}

// AppendText appends v as text without JSON quoting, as a key or header
// value holds it: a string as is, anything else as its JSON text.
func (v Value) AppendText(buf []byte) []byte {
	if v.Kind == KindString {
		return append(buf, v.Str...)
	}
	return v.AppendJSON(buf)
}

// AppendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, so that the output stays valid JSON.
func AppendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, s[start:i]...)
				buf = append(buf, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// fromResult turns a gjson result into a Value without copying.
func (env *Env) fromResult(r gjson.Result, n node) Value {
	switch r.Type {
	case gjson.Null:
		if !r.Exists() {
			return missingValue
		}
		return Value{Kind: KindNull, Raw: r.Raw}
	case gjson.False:
		return Value{Kind: KindBool, Raw: r.Raw}
	case gjson.True:
		return Value{Kind: KindBool, Bool: true, Raw: r.Raw}
	case gjson.String:
		return Value{Kind: KindString, Str: r.Str, Raw: r.Raw}
	case gjson.Number:
		num, err := env.arith.Parse(r.Raw, false)
		if err != nil {
			// gjson reads loosely; the text is not a JSON number.
			v := Value{Kind: KindString, Str: r.Raw}
			return env.fail(failure{err: ErrType, node: n, value: v, want: "a valid JSON number"})
		}
		return Value{Kind: KindNumber, Num: num, Raw: r.Raw}
	case gjson.JSON:
		kind := KindObject
		if len(r.Raw) > 0 && r.Raw[0] == '[' {
			kind = KindArray
		}
		return Value{Kind: kind, Str: r.Raw, Raw: r.Raw}
	}
	return missingValue
}
