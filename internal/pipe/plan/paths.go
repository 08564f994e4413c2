package plan

import (
	"path/filepath"
	"reflect"
	"strings"

	"github.com/alecthomas/kong"
)

// fileArguments are the arguments, by stage, that name a file but carry
// no kong path type, so that their values are taken as they are written.
var fileArguments = map[string][]string{
	"etl-lua": {"script"},
}

// pathTypes are the kong types whose values name files or directories.
// kong makes them absolute against the working directory.
var pathTypes = map[string]bool{"path": true, "existingfile": true, "existingdir": true}

// resolveFilesIn makes every flag and argument of node that names a file
// resolve a relative path against dir. Each value's mapper is wrapped so
// that it decodes the path joined to dir, and kong's own checks, such as
// that an existingdir exists, run on the joined path.
func resolveFilesIn(node *kong.Node, stage, dir string) {
	wrap := func(v *kong.Value) {
		v.Mapper = relativeMapper{dir: dir, next: v.Mapper}
	}
	for _, f := range node.Flags {
		if pathTypes[f.Tag.Type] {
			wrap(f.Value)
		}
	}
	for _, p := range node.Positional {
		if pathTypes[p.Tag.Type] || containsName(fileArguments[stage], p.Name) {
			wrap(p)
		}
	}
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// relativeMapper joins relative paths to dir before next decodes them.
type relativeMapper struct {
	dir  string
	next kong.Mapper
}

func (m relativeMapper) Decode(ctx *kong.DecodeContext, target reflect.Value) error {
	if target.Kind() == reflect.Slice && ctx.Value.Flag == nil {
		// A list argument takes every value token that follows.
		tokens := ctx.Scan.PopWhile(func(t kong.Token) bool { return t.IsValue() })
		for i := len(tokens) - 1; i >= 0; i-- {
			ctx.Scan.PushToken(m.resolveToken(tokens[i], -1))
		}
		return m.next.Decode(ctx, target)
	}

	token := ctx.Scan.Pop()
	if token.IsEOL() {
		ctx.Scan.PushToken(token)
		return m.next.Decode(ctx, target)
	}
	sep := rune(-1)
	if target.Kind() == reflect.Slice {
		// A list flag splits one value on its separator, as kong does.
		sep = ctx.Value.Tag.Sep
	}
	ctx.Scan.PushToken(m.resolveToken(token, sep))
	return m.next.Decode(ctx, target)
}

// resolveToken returns token with its path, or each path of a list
// separated by sep (-1 for none), joined to the directory.
func (m relativeMapper) resolveToken(token kong.Token, sep rune) kong.Token {
	value, ok := token.Value.(string)
	if !ok {
		return token
	}
	if sep == -1 {
		token.Value = m.resolve(value)
		return token
	}
	parts := kong.SplitEscaped(value, sep)
	for i, part := range parts {
		parts[i] = m.resolve(part)
	}
	token.Value = kong.JoinEscaped(parts, sep)
	return token
}

// resolve joins a relative path to the directory. An absolute path, a
// path that starts with ~ (which kong expands to the home directory), -
// and the empty string stay as they are.
func (m relativeMapper) resolve(path string) string {
	if path == "" || path == "-" || filepath.IsAbs(path) || strings.HasPrefix(path, "~") {
		return path
	}
	return filepath.Join(m.dir, path)
}
