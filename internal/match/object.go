package match

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// objectMatcher is a YAML map: the actual object must have every listed key
// with a matching value. Extra keys are allowed unless strict ($exact).
type objectMatcher struct {
	fields []field
	strict bool
}

type field struct {
	key   string
	line  int
	value matcher
}

func (c *compiler) compileObject(n *yaml.Node, pairs []pair, ctx context) (matcher, error) {
	m := &objectMatcher{strict: ctx.exact}
	for _, p := range pairs {
		v, err := c.compile(p.value, context{mapValue: true, exact: ctx.exact})
		if err != nil {
			return nil, err
		}
		m.fields = append(m.fields, field{key: literalKey(p.key.Value), line: p.key.Line, value: v})
	}
	return m, nil
}

func (m *objectMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	obj, ok := asObject(actual)
	if !ok {
		return mismatch(ptr, "expected object, got %s %s", typeName(actual), show(actual))
	}
	for k, f := range m.fields {
		v, ok := obj[f.key]
		if !ok {
			v = missing
		}
		if err := f.value.match(v, st, child(ptr, f.key)); err != nil {
			if mm, ok := err.(*Mismatch); ok && mm.Pointer == child(ptr, f.key) {
				mm.Matched = k
			}
			return err
		}
	}
	if m.strict {
		return m.checkExtra(obj, ptr)
	}
	return nil
}

// checkExtra reports keys the strict object does not list.
func (m *objectMatcher) checkExtra(obj map[string]any, ptr string) error {
	listed := make(map[string]bool, len(m.fields))
	for _, f := range m.fields {
		listed[f.key] = true
	}
	var extra []string
	for k := range obj {
		if !listed[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	if len(extra) == 1 {
		return mismatch(ptr, "unexpected key %q", extra[0])
	}
	return mismatch(ptr, "unexpected keys %s", truncate(`"`+strings.Join(extra, `", "`)+`"`, maxShown))
}

func (m *objectMatcher) flow(w *flowWriter) {
	w.write("{")
	for i, f := range m.fields {
		if w.full {
			return // see flowWriter.list
		}
		if i > 0 {
			w.write(", ")
		}
		w.write(keyText(f.key) + ": ")
		f.value.flow(w)
	}
	w.write("}")
}

func (m *objectMatcher) parts() []matcher {
	out := make([]matcher, len(m.fields))
	for i, f := range m.fields {
		out[i] = f.value
	}
	return out
}
