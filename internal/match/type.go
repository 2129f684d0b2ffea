package match

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// typeMatcher is {$type: name}: the actual value has that JSON type;
// "integer" is a number without a fractional part.
type typeMatcher struct {
	name string
}

var typeNames = []string{"string", "number", "integer", "boolean", "object", "array", "null"}

func init() { register("$type", compileType) }

func compileType(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind == yaml.ScalarNode {
		for _, t := range typeNames {
			if n.Value == t {
				return &typeMatcher{name: t}, nil
			}
		}
	}
	if near := closest(n.Value, typeNames); near != "" && n.Kind == yaml.ScalarNode {
		return nil, errorAt(n, "unknown $type %q (did you mean %s?)", n.Value, near)
	}
	return nil, errorAt(n, "$type needs one of %s", strings.Join(typeNames, ", "))
}

func (m *typeMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	got := typeName(actual)
	if got == m.name {
		return nil
	}
	if m.name == "integer" {
		if n, ok := toNumber(actual); ok {
			if n.integral() {
				return nil
			}
			return mismatch(ptr, "expected integer, got %s", show(actual))
		}
	}
	return mismatch(ptr, "expected %s, got %s %s", m.name, got, show(actual))
}

func (m *typeMatcher) flow(w *flowWriter) { w.write("{$type: " + m.name + "}") }

func (m *typeMatcher) parts() []matcher { return nil }
