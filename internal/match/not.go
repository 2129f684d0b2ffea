package match

import "gopkg.in/yaml.v3"

// notMatcher is {$not: M}: the value is present and does not match M. As an
// object value it fails on a missing key, so {state: {$not: Idle}} means
// "state is there and is not Idle"; allow absence with
// {$oneOf: [{$absent: true}, {$not: Idle}]}. Saves inside M never take effect.
type notMatcher struct {
	inner matcher
}

func init() { register("$not", compileNot) }

func compileNot(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	inner, err := c.compile(n, context{mapValue: ctx.mapValue})
	if err != nil {
		return nil, err
	}
	return &notMatcher{inner: inner}, nil
}

func (m *notMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	// A weak part cannot be waived inside a negation: "not (A, or not B)"
	// would turn a deviation into a match.
	lenient := st.lenient
	st.lenient = false
	err := st.probe(m.inner, actual, ptr)
	st.lenient = lenient
	if err == nil {
		return mismatch(ptr, "expected not %s, got %s", render(m.inner), show(actual))
	}
	if isFatal(err) {
		return err // a scenario bug must not pass as "does not match"
	}
	return nil
}

func (m *notMatcher) flow(w *flowWriter) { w.op("$not", m.inner) }

func (m *notMatcher) parts() []matcher { return []matcher{m.inner} }
