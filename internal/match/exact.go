package match

import "gopkg.in/yaml.v3"

// exactMatcher is {$exact: M}: M compiled strictly, so every literal map in
// it (at any depth, until the next operator) allows no extra keys. With a
// scalar or list it is plain deep equality.
type exactMatcher struct {
	inner matcher
}

func init() { register("$exact", compileExact) }

func compileExact(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	inner, err := c.compile(n, context{mapValue: ctx.mapValue, exact: true})
	if err != nil {
		return nil, err
	}
	return &exactMatcher{inner: inner}, nil
}

func (m *exactMatcher) match(actual any, st *state, ptr string) error {
	return m.inner.match(actual, st, ptr)
}

func (m *exactMatcher) flow(w *flowWriter) { w.op("$exact", m.inner) }

func (m *exactMatcher) parts() []matcher { return []matcher{m.inner} }
