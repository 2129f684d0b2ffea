package match

import "gopkg.in/yaml.v3"

// anyMatcher is {$any: true}: any value, but an object key must be present.
type anyMatcher struct{}

func init() { register("$any", compileAny) }

func compileAny(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!null" && !(n.ShortTag() == "!!bool" && isTrue(n))) {
		return nil, errorAt(n, "$any takes true (write {$any: true})")
	}
	return anyMatcher{}, nil
}

func isTrue(n *yaml.Node) bool {
	var b bool
	return n.Decode(&b) == nil && b
}

func (anyMatcher) match(actual any, st *state, ptr string) error { return ifMissing(actual, ptr) }

func (anyMatcher) flow(w *flowWriter) { w.write("{$any: true}") }

func (anyMatcher) parts() []matcher { return nil }
