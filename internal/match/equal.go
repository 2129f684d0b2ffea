package match

import "gopkg.in/yaml.v3"

// equalMatcher is a YAML scalar: equality, numbers by value. A string with
// "{{x}}" references is expanded at match time; a whole "{{x}}" keeps the
// saved value's type and is compared by deep equality.
type equalMatcher struct {
	expected any
	tmpl     *template // set when the expected string has references
	line     int
}

func compileScalar(n *yaml.Node) (matcher, error) {
	switch n.ShortTag() {
	case "!!null":
		return &equalMatcher{expected: nil, line: n.Line}, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, errorAt(n, "bad %s %q", n.ShortTag()[2:], n.Value)
		}
		return &equalMatcher{expected: v, line: n.Line}, nil
	case "!!str", "!!timestamp", "!!binary":
		// Timestamps stay strings: they are compared as the JSON text they are.
		t, err := parseTemplate(n.Value)
		if err != nil {
			return nil, errorAt(n, "%v", err)
		}
		if t.hasRefs() {
			return &equalMatcher{expected: n.Value, tmpl: &t, line: n.Line}, nil
		}
		return &equalMatcher{expected: n.Value, line: n.Line}, nil
	}
	return nil, errorAt(n, "unsupported YAML tag %s", n.Tag)
}

func (m *equalMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	expected := m.expected
	if m.tmpl != nil {
		if _, isSample := st.vars.(Wildcards); isSample {
			return nil // a variable stands for whatever the sample holds
		}
		v, err := m.tmpl.expand(st.lookup, ptr)
		if err != nil {
			return err
		}
		expected = v
	}
	if deepEqual(expected, actual) {
		return nil
	}
	if m.tmpl != nil {
		return mismatch(ptr, "expected %s (from %s), got %s", show(expected), m.tmpl.raw, show(actual))
	}
	return mismatch(ptr, "expected %s, got %s", show(expected), show(actual))
}

func (m *equalMatcher) flow(w *flowWriter) {
	if m.tmpl != nil {
		w.write(stringText(m.tmpl.raw))
		return
	}
	w.write(scalarText(m.expected))
}

func (m *equalMatcher) parts() []matcher { return nil }
