package match

import "gopkg.in/yaml.v3"

// optionalMatcher is {$optional: M} as the value of an object key: the key may
// be absent; when it is there, M must match. It is how a scenario accepts what
// the documentation shows only sometimes, such as an answer's referenceId.
type optionalMatcher struct {
	inner matcher
}

func init() { register("$optional", compileOptional) }

func compileOptional(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if !ctx.mapValue {
		return nil, errorAt(n, "$optional only makes sense as the value of an object key, as in {referenceId: {$optional: {$save: ref}}}")
	}
	inner, err := c.compile(n, context{mapValue: true})
	if err != nil {
		return nil, err
	}
	return &optionalMatcher{inner: inner}, nil
}

func (m *optionalMatcher) match(actual any, st *state, ptr string) error {
	if actual == missing {
		return nil
	}
	return m.inner.match(actual, st, ptr)
}

func (m *optionalMatcher) flow(w *flowWriter) { w.op("$optional", m.inner) }

func (m *optionalMatcher) parts() []matcher { return []matcher{m.inner} }
