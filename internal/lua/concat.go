package lua

import (
	"fmt"
	"io"
	"os"
	"strings"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// gopher-lua's `..` formats numbers with Go's %v (1e+21, 5e-07), while
// tostring here writes them as JSON does (1000000000000000000000, 5e-07
// for small ones). The VM has no hook for that, so the compiler's input
// is rewritten instead: each operand of `..` that is not a string
// constant passes through numberText, which turns a number into its
// tostring text and returns anything else unchanged. Strings, bigints
// and tables with __concat then meet gopher-lua's own concatenation, its
// metamethods and its errors.

// numberTextName is the variable that holds numberText in rewritten
// code. It is no Lua identifier, so a script cannot shadow it.
const numberTextName = "(number text)"

// numberText returns a number argument as tostring shows it, and any
// other argument as it is.
func numberText(L *glua.LState) int {
	v := L.Get(1)
	if n, ok := v.(glua.LNumber); ok {
		L.Push(glua.LString(formatNumber(float64(n))))
		return 1
	}
	L.Push(v)
	return 1
}

// compileChunk parses and compiles Lua source with `..` rewritten.
func compileChunk(src io.Reader, name string) (*glua.FunctionProto, error) {
	chunk, err := parse.Parse(src, name)
	if err != nil {
		return nil, err
	}
	return glua.Compile(rewriteConcat(chunk), name)
}

// rewriteConcat rewrites the operands of every `..` in chunk (see
// numberText) and, when there is one, binds numberTextName to the global
// of that name in a local at the start, so that functions whose
// environment setfenv changed still reach it.
func rewriteConcat(chunk []ast.Stmt) []ast.Stmt {
	r := concatRewriter{}
	r.stmts(chunk)
	if !r.used {
		return chunk
	}
	bind := &ast.LocalAssignStmt{Names: []string{numberTextName}, Exprs: []ast.Expr{&ast.IdentExpr{Value: numberTextName}}}
	bind.SetLine(1)
	bind.SetLastLine(1)
	return append([]ast.Stmt{bind}, chunk...)
}

type concatRewriter struct{ used bool }

func (r *concatRewriter) stmts(list []ast.Stmt) {
	for _, s := range list {
		r.stmt(s)
	}
}

func (r *concatRewriter) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		r.exprs(s.Lhs)
		r.exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		r.exprs(s.Exprs)
	case *ast.FuncCallStmt:
		s.Expr = r.expr(s.Expr)
	case *ast.DoBlockStmt:
		r.stmts(s.Stmts)
	case *ast.WhileStmt:
		s.Condition = r.expr(s.Condition)
		r.stmts(s.Stmts)
	case *ast.RepeatStmt:
		s.Condition = r.expr(s.Condition)
		r.stmts(s.Stmts)
	case *ast.IfStmt:
		s.Condition = r.expr(s.Condition)
		r.stmts(s.Then)
		r.stmts(s.Else)
	case *ast.NumberForStmt:
		s.Init = r.expr(s.Init)
		s.Limit = r.expr(s.Limit)
		s.Step = r.expr(s.Step)
		r.stmts(s.Stmts)
	case *ast.GenericForStmt:
		r.exprs(s.Exprs)
		r.stmts(s.Stmts)
	case *ast.FuncDefStmt:
		if s.Name != nil {
			s.Name.Func = r.expr(s.Name.Func)
			s.Name.Receiver = r.expr(s.Name.Receiver)
		}
		r.stmts(s.Func.Stmts)
	case *ast.ReturnStmt:
		r.exprs(s.Exprs)
	}
}

func (r *concatRewriter) exprs(list []ast.Expr) {
	for i, e := range list {
		list[i] = r.expr(e)
	}
}

// expr rewrites the `..` inside e and returns e.
func (r *concatRewriter) expr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.StringConcatOpExpr:
		e.Lhs = r.operand(e.Lhs)
		e.Rhs = r.operand(e.Rhs)
	case *ast.AttrGetExpr:
		e.Object = r.expr(e.Object)
		e.Key = r.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			f.Key = r.expr(f.Key)
			f.Value = r.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		e.Func = r.expr(e.Func)
		e.Receiver = r.expr(e.Receiver)
		r.exprs(e.Args)
	case *ast.LogicalOpExpr:
		e.Lhs = r.expr(e.Lhs)
		e.Rhs = r.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		e.Lhs = r.expr(e.Lhs)
		e.Rhs = r.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		e.Lhs = r.expr(e.Lhs)
		e.Rhs = r.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		e.Expr = r.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		e.Expr = r.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		e.Expr = r.expr(e.Expr)
	case *ast.FunctionExpr:
		r.stmts(e.Stmts)
	}
	return e
}

// operand rewrites one operand of `..`. A chain a .. b .. c nests to the
// right, and the compiler turns a whole chain into one concatenation, so
// a nested `..` stays as it is and only its operands change.
func (r *concatRewriter) operand(e ast.Expr) ast.Expr {
	switch e.(type) {
	case *ast.StringConcatOpExpr:
		return r.expr(e)
	case *ast.StringExpr:
		return e
	}
	e = r.expr(e)
	r.used = true
	fn := &ast.IdentExpr{Value: numberTextName}
	call := &ast.FuncCallExpr{Func: fn, Args: []ast.Expr{e}}
	for _, n := range []ast.PositionHolder{fn, call} {
		n.SetLine(e.Line())
		n.SetLastLine(e.LastLine())
	}
	return call
}

// openLoaders replaces the functions that compile code at run time, so
// that their code has the same `..` as the script: require uses
// compileChunk directly, these are load, loadstring, and with AllowIO
// loadfile and dofile.
func (e *env) openLoaders() {
	L := e.L
	L.SetGlobal(numberTextName, L.NewFunction(numberText))
	L.SetGlobal("loadstring", L.NewFunction(func(L *glua.LState) int {
		return e.pushLoaded(L, strings.NewReader(L.CheckString(1)), L.OptString(2, "<string>"))
	}))
	L.SetGlobal("load", L.NewFunction(func(L *glua.LState) int {
		fn := L.CheckFunction(1)
		name := L.OptString(2, "=(load)")
		var src strings.Builder
		for {
			L.Push(fn)
			L.Call(0, 1)
			piece := L.Get(-1)
			L.Pop(1)
			if piece == glua.LNil {
				break
			}
			s, ok := piece.(glua.LString)
			if n, isNumber := piece.(glua.LNumber); isNumber {
				s, ok = glua.LString(formatNumber(float64(n))), true
			}
			if !ok {
				L.Push(glua.LNil)
				L.Push(glua.LString("reader function must return a string"))
				return 2
			}
			if s == "" {
				break
			}
			src.WriteString(string(s))
		}
		return e.pushLoaded(L, strings.NewReader(src.String()), name)
	}))
	if !e.script.opts.AllowIO {
		return
	}
	L.SetGlobal("loadfile", L.NewFunction(func(L *glua.LState) int {
		path := L.CheckString(1)
		f, err := os.Open(path)
		if err != nil {
			L.Push(glua.LNil)
			L.Push(glua.LString(fmt.Sprintf("cannot open %s: %v", path, err)))
			return 2
		}
		defer f.Close()
		return e.pushLoaded(L, f, path)
	}))
	L.SetGlobal("dofile", L.NewFunction(func(L *glua.LState) int {
		path := L.CheckString(1)
		f, err := os.Open(path)
		if err != nil {
			L.RaiseError("cannot open %s: %v", path, err)
		}
		proto, err := compileChunk(f, path)
		f.Close()
		if err != nil {
			L.RaiseError("%v", err)
		}
		top := L.GetTop()
		L.Push(L.NewFunctionFromProto(proto))
		L.Call(0, glua.MultRet)
		return L.GetTop() - top
	}))
}

// pushLoaded compiles src and pushes the function, or nil and the error
// message, as load does.
func (e *env) pushLoaded(L *glua.LState, src io.Reader, name string) int {
	proto, err := compileChunk(src, name)
	if err != nil {
		L.Push(glua.LNil)
		L.Push(glua.LString(err.Error()))
		return 2
	}
	L.Push(L.NewFunctionFromProto(proto))
	return 1
}
