package set

import (
	"errors"
	"strings"
	"testing"
)

func TestParseEdit(t *testing.T) {
	cases := []struct {
		arg     string
		path    string
		op      Op
		dflt    bool
		operand string
		column  int
	}{
		{"status=seen", "status", OpSetString, false, "seen", 8},
		{"status=", "status", OpSetString, false, "", 8},
		{"a=b=c", "a", OpSetString, false, "b=c", 3},
		{"a= x ", "a", OpSetString, false, " x ", 3},
		{"note=:-)", "note", OpSetString, false, ":-)", 6},
		{"a=-1", "a", OpSetString, false, "-1", 3},
		{"a=%x", "a", OpSetString, false, "%x", 3},
		{"count:=0", "count", OpSetJSON, false, "0", 8},
		{`tags:=["a","b"]`, "tags", OpSetJSON, false, `["a","b"]`, 7},
		{"id==user.id", "id", OpCopy, false, "user.id", 5},
		{"name==username-", "name", OpMove, false, "username", 7},
		{`x==weird\-`, "x", OpCopy, false, `weird\-`, 4},
		{`x==weird\\-`, "x", OpMove, false, `weird\\`, 4},
		{"full%={first} {last}", "full", OpTemplate, false, "{first} {last}", 7},
		{"tmp-", "tmp", OpDelete, false, "", 0},
		{"a.b.c-", "a.b.c", OpDelete, false, "", 0},
		{"region//=unknown", "region", OpSetString, true, "unknown", 10},
		{"count//:=0", "count", OpSetJSON, true, "0", 10},
		{"id//==user.id", "id", OpCopy, true, "user.id", 7},
		{"id//==user.id-", "id", OpMove, true, "user.id", 7},
		{"full//%={a}", "full", OpTemplate, true, "{a}", 9},
		{`a\=b=x`, `a\=b`, OpSetString, false, "x", 6},
		{`a\:=x`, `a\:`, OpSetString, false, "x", 5},
		{`a\%=x`, `a\%`, OpSetString, false, "x", 5},
		{`url\//=x`, `url\//`, OpSetString, false, "x", 8},
		{`url/\/=x`, `url/\/`, OpSetString, false, "x", 8},
		{`x\-`, "", 0, false, "", 0}, // an error, below
		{`\-x-`, `\-x`, OpDelete, false, "", 0},
		{`@key==user.id`, "@key", OpCopy, false, "user.id", 7},
		{`@headers.trace-id=abc`, "@headers.trace-id", OpSetString, false, "abc", 19},
		{`\@timestamp==@timestamp`, `\@timestamp`, OpCopy, false, "@timestamp", 14},
		{`id\.orig_h=1`, `id\.orig_h`, OpSetString, false, "1", 12},
		{"é=ü", "é", OpSetString, false, "ü", 3},
		{"a::=1", "a:", OpSetJSON, false, "1", 5},
		{"a:==b", "a", OpSetJSON, false, "=b", 4},
	}
	for _, tc := range cases {
		t.Run(tc.arg, func(t *testing.T) {
			e, err := ParseEdit(tc.arg)
			if tc.op == 0 {
				if err == nil {
					t.Fatalf("ParseEdit(%q) = %+v, want an error", tc.arg, e)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEdit(%q): %v", tc.arg, err)
			}
			if e.Path != tc.path {
				t.Errorf("path: got %q, want %q", e.Path, tc.path)
			}
			if e.Op != tc.op {
				t.Errorf("op: got %v, want %v", e.Op, tc.op)
			}
			if e.Default != tc.dflt {
				t.Errorf("default: got %v, want %v", e.Default, tc.dflt)
			}
			if e.Operand != tc.operand {
				t.Errorf("operand: got %q, want %q", e.Operand, tc.operand)
			}
			if tc.op != OpDelete && e.OperandColumn != tc.column {
				t.Errorf("operand column: got %d, want %d", e.OperandColumn, tc.column)
			}
		})
	}
}

func TestParseEditErrors(t *testing.T) {
	cases := []struct {
		arg    string
		column int
		msg    string
	}{
		{"status", 7, "missing operator"},
		{"", 1, "missing operator"},
		{"=x", 1, "missing path before the operator"},
		{":=1", 1, "missing path before the operator"},
		{"//=x", 1, "missing path before the operator"},
		{"-", 1, "missing path before - (delete)"},
		{`x\-`, 4, "missing operator"},
		{`a\`, 2, "lone backslash"},
		{"a:=", 4, "missing JSON literal"},
		{"a:=  ", 4, "missing JSON literal"},
		{"a==", 4, "missing source path"},
		{"a==-", 4, "missing source path"},
		{"é\xffx=1", 2, "not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.arg, func(t *testing.T) {
			_, err := ParseEdit(tc.arg)
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("ParseEdit(%q): got %v, want a *SyntaxError", tc.arg, err)
			}
			if syntaxErr.Column != tc.column {
				t.Errorf("column: got %d, want %d (%v)", syntaxErr.Column, tc.column, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message: got %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		args   []string
		opts   Options
		column int
		msg    string
	}{
		{[]string{"a:=1x"}, Options{}, 5, "invalid JSON literal 1x"},
		{[]string{"a:=[1,]"}, Options{}, 7, "invalid JSON literal"},
		{[]string{`a:="abc`}, Options{}, 7, "unexpected end of JSON input"},
		{[]string{"a:=seen"}, Options{}, 4, `quote a string as '"text"'`},
		{[]string{"ok=1", "a.*=1"}, Options{}, 1, "wildcard"},
		{[]string{"a==b.*"}, Options{}, 4, "wildcard"},
		{[]string{"@nope=1"}, Options{}, 1, "unknown metadata path"},
		{[]string{"a%={b"}, Options{}, 4, "unclosed {"},
		{[]string{"a%=b}"}, Options{}, 5, "unmatched }"},
		{[]string{"a%=x{}"}, Options{}, 5, "empty field"},
		{[]string{"a%=x{b.*}"}, Options{}, 6, "wildcard"},
		{[]string{"@partition=abc"}, Options{}, 12, "invalid partition"},
		{[]string{"@partition:=1.5"}, Options{}, 13, "invalid partition"},
		{[]string{"@offset=-2"}, Options{}, 9, "invalid offset"},
		{[]string{"@timestamp=yesterday"}, Options{}, 12, "invalid timestamp"},
		{[]string{"@key=x"}, Options{Plain: true}, 1, "carry no metadata"},
		{[]string{"a%={@key}"}, Options{Plain: true}, 1, "carry no metadata"},
		{[]string{"a==@headers.h"}, Options{Plain: true}, 1, "carry no metadata"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := Compile(tc.args, tc.opts)
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("Compile(%q): got %v, want a *SyntaxError", tc.args, err)
			}
			if syntaxErr.Column != tc.column {
				t.Errorf("column: got %d, want %d (%v)", syntaxErr.Column, tc.column, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message: got %q, want it to contain %q", err, tc.msg)
			}
		})
	}

	if _, err := Compile(nil, Options{}); err == nil {
		t.Errorf("Compile of no edits: got no error")
	}
}

// FuzzParseEdit checks that any argument parses or fails with a
// SyntaxError, never a panic, and that a parsed edit is consistent.
func FuzzParseEdit(f *testing.F) {
	for _, seed := range []string{
		"status=seen", "count:=0", "a==b", "a==b-", "a%={x} {y}", "a-", "a//=x", "a//:=1",
		`a\=b=c`, `\@t==@timestamp`, `x\-`, "a%={{}}{b\\}}", "@headers.h//==@key-", "=", "-", `\`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		e, err := ParseEdit(arg)
		if err != nil {
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) || syntaxErr.Column < 1 || syntaxErr.Column > len(arg)+1 {
				t.Fatalf("ParseEdit(%q): error %v is not a SyntaxError with a column inside the argument", arg, err)
			}
			return
		}
		if e.Path == "" || !strings.HasPrefix(arg, e.Path) {
			t.Fatalf("ParseEdit(%q): path %q is not a prefix of the argument", arg, e.Path)
		}
		if e.Op != OpDelete && !strings.Contains(arg, e.Operand) {
			t.Fatalf("ParseEdit(%q): operand %q is not in the argument", arg, e.Operand)
		}

		// Compiling must not panic either; its errors are SyntaxErrors.
		if _, err := Compile([]string{arg}, Options{}); err != nil {
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("Compile(%q): error %v is not a SyntaxError", arg, err)
			}
		}
	})
}
