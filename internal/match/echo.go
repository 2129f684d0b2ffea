package match

import "gopkg.in/yaml.v3"

// echoMatcher is {$echo: name} as the value of an object key: "if this carries
// the value saved as name, it is the same value". When name was saved, the key
// is absent or equal to it; when nothing was saved (the answer that would have
// given it carried none), anything goes. It states API-NOTES' "notifications
// caused by it carry the same value" without demanding a referenceId the
// documentation shows only on some answers.
type echoMatcher struct {
	name string
}

func init() { register("$echo", compileEcho) }

func compileEcho(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if !ctx.mapValue {
		return nil, errorAt(n, "$echo only makes sense as the value of an object key, as in {referenceId: {$echo: ref}}")
	}
	if n.Kind != yaml.ScalarNode || !ValidName(n.Value) {
		return nil, errorAt(n, "$echo needs a variable name (write {$echo: ref}, not {$echo: \"{{ref}}\"}), got %q", n.Value)
	}
	return &echoMatcher{name: n.Value}, nil
}

func (m *echoMatcher) match(actual any, st *state, ptr string) error {
	want, saved := st.lookup(m.name)
	if !saved || want == wildcard || actual == missing || deepEqual(want, actual) {
		return nil
	}
	return mismatch(ptr, "expected %s (the value saved as %s) or no value, got %s", show(want), m.name, show(actual))
}

func (m *echoMatcher) flow(w *flowWriter) { w.write("{$echo: " + stringText(m.name) + "}") }

func (m *echoMatcher) parts() []matcher { return nil }
