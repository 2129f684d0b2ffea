package match

import "gopkg.in/yaml.v3"

// oneOfMatcher is {$oneOf: [M...]}: the actual value matches at least one
// alternative; the first that matches wins (and keeps its saves).
type oneOfMatcher struct {
	alternatives []matcher
}

func init() { register("$oneOf", compileOneOf) }

func compileOneOf(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	target := n
	if target.Kind == yaml.AliasNode && target.Alias != nil {
		target = target.Alias
	}
	if target.Kind != yaml.SequenceNode || len(target.Content) == 0 {
		return nil, errorAt(n, "$oneOf needs a non-empty list of alternatives")
	}
	m := &oneOfMatcher{}
	for _, alt := range target.Content {
		am, err := c.compile(alt, context{mapValue: ctx.mapValue})
		if err != nil {
			return nil, err
		}
		m.alternatives = append(m.alternatives, am)
	}
	return m, nil
}

func (m *oneOfMatcher) match(actual any, st *state, ptr string) error {
	var fatal error
	for _, alt := range m.alternatives {
		err := st.attempt(alt, actual, ptr)
		if err == nil {
			return nil
		}
		if _, tooComplex := err.(*TooComplexError); tooComplex {
			return err
		}
		if isFatal(err) && fatal == nil {
			fatal = err // another alternative may still match
		}
	}
	if fatal != nil {
		return fatal
	}
	w := &flowWriter{}
	w.list(m.alternatives)
	return mismatch(ptr, "expected one of %s, got %s", w.b.String(), show(actual))
}

func (m *oneOfMatcher) flow(w *flowWriter) {
	w.write("{$oneOf: ")
	w.list(m.alternatives)
	w.write("}")
}

func (m *oneOfMatcher) parts() []matcher { return m.alternatives }
