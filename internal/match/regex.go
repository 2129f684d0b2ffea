package match

import (
	"regexp"

	"gopkg.in/yaml.v3"
)

// regexMatcher is {$regex: pattern}: the actual string contains a match of
// the Go (RE2) pattern; anchor it with ^...$ to match the whole string.
type regexMatcher struct {
	re *regexp.Regexp
}

func init() { register("$regex", compileRegex) }

func compileRegex(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return nil, errorAt(n, "$regex needs a pattern string")
	}
	re, err := regexp.Compile(n.Value)
	if err != nil {
		return nil, errorAt(n, "bad $regex %q: %v", n.Value, err)
	}
	return &regexMatcher{re: re}, nil
}

func (m *regexMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	s, ok := actual.(string)
	if !ok {
		return mismatch(ptr, "expected a string matching %s, got %s %s", stringText(m.re.String()), typeName(actual), show(actual))
	}
	if !m.re.MatchString(s) {
		return mismatch(ptr, "expected a string matching %s, got %s", stringText(m.re.String()), show(s))
	}
	return nil
}

func (m *regexMatcher) flow(w *flowWriter) { w.write("{$regex: " + stringText(m.re.String()) + "}") }

func (m *regexMatcher) parts() []matcher { return nil }
