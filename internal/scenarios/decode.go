package scenarios

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/match"
)

// decoder reads one file's YAML nodes and records problems with file:line.
type decoder struct {
	file string
	p    *problems
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.p.add(d.file, line, format, args...)
}

// field is one key/value pair of a mapping.
type field struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
}

// fields returns the pairs of mapping n, reporting a non-mapping, non-string
// and duplicate keys, and keys outside allowed (with a suggestion). what
// names the mapping in messages. Unknown keys are dropped.
func (d *decoder) fields(n *yaml.Node, what string, allowed []string) ([]field, bool) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, "%s must be a mapping, got %s", what, describe(n))
		return nil, false
	}
	seen := map[string]bool{}
	var out []field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errf(k, "%s: a key must be a plain string, got %s (quote \"{{...}}\" expressions)", what, describe(k))
			continue
		}
		if seen[k.Value] {
			d.errf(k, "%s: duplicate key %q", what, k.Value)
			continue
		}
		seen[k.Value] = true
		if allowed != nil && !contains(allowed, k.Value) {
			d.errf(k, "%s: unknown key %q%s", what, k.Value, suggest(k.Value, allowed))
			continue
		}
		out = append(out, field{key: k.Value, keyN: k, value: v})
	}
	return out, true
}

// str reads a string scalar.
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.errf(n, "%s must be a string, got %s%s", what, describe(n), quoteHint(n))
		return "", false
	}
	return n.Value, true
}

// nonEmpty reads a string scalar that must not be empty.
func (d *decoder) nonEmpty(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if ok && strings.TrimSpace(s) == "" {
		d.errf(n, "%s must not be empty", what)
		return "", false
	}
	return s, ok
}

// boolean reads true or false.
func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errf(n, "%s must be true or false, got %s", what, describe(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errf(n, "%s must be true or false, got %q", what, n.Value)
		return false, false
	}
	return b, true
}

// duration reads a positive Go duration such as 5s or 500ms.
func (d *decoder) duration(n *yaml.Node, what string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.errf(n, "%s: bad duration %s (write e.g. 5s or 500ms)", what, describe(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		d.errf(n, "%s: bad duration %q (write e.g. 5s or 500ms)", what, n.Value)
		return 0, false
	}
	return v, true
}

// strings reads a list of strings; a single string is a list of one.
func (d *decoder) strings(n *yaml.Node, what string) ([]string, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		return []string{n.Value}, true
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "%s must be a list of strings, got %s", what, describe(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		s, good := d.nonEmpty(item, what+" item")
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// stringMap reads a mapping of string to string (query, headers).
func (d *decoder) stringMap(n *yaml.Node, what string) (map[string]string, bool) {
	fs, ok := d.fields(n, what, nil)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		if f.value.Kind != yaml.ScalarNode || f.value.Tag == "!!null" {
			d.errf(f.value, "%s: %s must be a scalar, got %s", what, f.key, describe(f.value))
			ok = false
			continue
		}
		out[f.key] = f.value.Value
	}
	return out, ok
}

// saves reads `save: {name: /json/pointer}`.
func (d *decoder) saves(n *yaml.Node) (map[string]string, bool) {
	fs, ok := d.fields(n, "save", nil)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		if !match.ValidName(f.key) {
			d.errf(f.keyN, "save: %q is not a valid variable name (%s)", f.key, match.NameRule)
			ok = false
			continue
		}
		p, good := d.str(f.value, "save: "+f.key)
		if !good {
			ok = false
			continue
		}
		if p != "" && !strings.HasPrefix(p, "/") {
			d.errf(f.value, "save: %s: %q is not a JSON pointer (write e.g. /id or /chat/id)", f.key, p)
			ok = false
			continue
		}
		out[f.key] = p
	}
	return out, ok
}

// value decodes n into plain Go values: map[string]any, []any, string,
// int, float64, bool or nil. Timestamps and other special scalars stay
// strings, so bodies are sent exactly as written.
func (d *decoder) value(n *yaml.Node, what string) (any, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		fs, ok := d.fields(n, what, nil)
		out := make(map[string]any, len(fs))
		for _, f := range fs {
			v, good := d.value(f.value, what+"."+f.key)
			ok = ok && good
			out[f.key] = v
		}
		return out, ok
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		ok := true
		for _, item := range n.Content {
			v, good := d.value(item, what)
			ok = ok && good
			out = append(out, v)
		}
		return out, ok
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				d.errf(n, "%s: bad %s value %q", what, strings.TrimPrefix(n.Tag, "!!"), n.Value)
				return nil, false
			}
			return v, true
		}
		return n.Value, true
	}
	d.errf(n, "%s: unexpected %s", what, describe(n))
	return nil, false
}

// quoteHint explains the classic mistake: an unquoted {{var}} is a YAML
// flow mapping inside a flow mapping.
func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Kind == yaml.MappingNode {
		return " (quote variable references: \"{{name}}\")"
	}
	return ""
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!null":
			return "nothing (null)"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return "an unknown node"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkNoAliases reports every alias (and so every merge key) in the tree:
// scenario files reuse steps through fragments, and refusing aliases keeps
// every later walk of the tree linear in the file's size.
func (d *decoder) checkNoAliases(n *yaml.Node) bool {
	ok := true
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			d.errf(n, "YAML aliases (*name) are not supported; use a fragment to reuse steps")
			ok = false
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return ok
}
