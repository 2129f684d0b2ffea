package match

import "gopkg.in/yaml.v3"

// absentMatcher is {$absent: true} as the value of an object key: the key
// must not be there (a null value is not absent).
type absentMatcher struct{}

func init() { register("$absent", compileAbsent) }

func compileAbsent(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if !ctx.mapValue {
		return nil, errorAt(n, "$absent only makes sense as the value of an object key, as in {chat: {$absent: true}}")
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!null" && !(n.ShortTag() == "!!bool" && isTrue(n))) {
		return nil, errorAt(n, "$absent takes true (write {$absent: true})")
	}
	return absentMatcher{}, nil
}

func (absentMatcher) match(actual any, st *state, ptr string) error {
	if actual == missing {
		return nil
	}
	return mismatch(ptr, "expected absent, got %s", show(actual))
}

func (absentMatcher) flow(w *flowWriter) { w.write("{$absent: true}") }

func (absentMatcher) parts() []matcher { return nil }
