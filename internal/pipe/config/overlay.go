package config

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// applyOverlay removes the envs key from doc and, when env is not empty,
// deep-merges the overlay envs.<env> into doc.
func (d *decoder) applyOverlay(doc *yaml.Node, env string) *Error {
	var envs *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "envs" {
			envs = resolve(doc.Content[i+1])
			doc.Content = append(doc.Content[:i:i], doc.Content[i+2:]...)
			break
		}
	}
	if env == "" {
		return nil
	}
	if envs == nil || envs.Kind != yaml.MappingNode {
		return Errorf(Pos{File: d.file}, "--env %q is given but the configuration has no envs mapping: add envs: {%s: {...}} or drop --env", env, env)
	}

	var names []string
	for i := 0; i+1 < len(envs.Content); i += 2 {
		key := envs.Content[i]
		names = append(names, key.Value)
		if key.Value != env {
			continue
		}
		overlay := resolve(envs.Content[i+1])
		if overlay.Kind != yaml.MappingNode {
			return Errorf(pos(d.file, overlay), "envs.%s must be a mapping of the settings it overrides", env)
		}
		for j := 0; j+1 < len(overlay.Content); j += 2 {
			if overlay.Content[j].Value == "envs" {
				return Errorf(pos(d.file, overlay.Content[j]), "envs.%s cannot hold envs of its own", env)
			}
		}
		merge(doc, overlay)
		return nil
	}
	sort.Strings(names)
	return Errorf(pos(d.file, envs), "unknown --env %q: the configuration defines %s", env, strings.Join(names, ", "))
}

// merge deep-merges overlay into base: keys of two mappings merge one by
// one, and any other overlay value replaces the base value.
func merge(base, overlay *yaml.Node) {
	for i := 0; i+1 < len(overlay.Content); i += 2 {
		key, value := overlay.Content[i], resolve(overlay.Content[i+1])
		found := false
		for j := 0; j+1 < len(base.Content); j += 2 {
			if base.Content[j].Value != key.Value {
				continue
			}
			found = true
			if old := resolve(base.Content[j+1]); old.Kind == yaml.MappingNode && value.Kind == yaml.MappingNode {
				// Copy before merging, so that an anchor shared with
				// other keys is not changed under them.
				merged := *old
				merged.Content = append([]*yaml.Node(nil), old.Content...)
				merge(&merged, value)
				base.Content[j+1] = &merged
			} else {
				base.Content[j+1] = value
			}
		}
		if !found {
			base.Content = append(base.Content, key, value)
		}
	}
}

// expandTree replaces ${NAME} references in every scalar value under n.
// Mapping keys are left alone.
func (d *decoder) expandTree(n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		v, err := Expand(n.Value, d.lookup)
		if err != nil {
			d.errorf(n, "%v", err)
			return
		}
		n.Value = v
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			d.expandTree(n.Content[i])
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			d.expandTree(c)
		}
	}
}

// Expand replaces ${NAME} with the value of the variable NAME, and
// ${NAME:-default} with its value or, when it is unset or empty, default.
// $$ stands for a literal $, and a $ before anything else stays as it is.
// A reference to a variable that is not set, without a default, is an
// error naming it.
func Expand(s string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q: close it with }", s)
			}
			ref := s[i+2 : i+2+end]
			name, def, hasDefault := strings.Cut(ref, ":-")
			if !isVarName(name) {
				return "", fmt.Errorf("invalid variable reference ${%s}: use ${NAME} or ${NAME:-default}, where NAME holds letters, digits and _", ref)
			}
			v, ok := lookup(name)
			switch {
			case ok && v != "":
				b.WriteString(v)
			case hasDefault:
				b.WriteString(def)
			case ok:
			default:
				return "", fmt.Errorf("environment variable %s is not set: set it, or give a default with ${%s:-default}", name, name)
			}
			i += 2 + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isVarName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
