package match

import (
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// lenMatcher is {$len: n}: an array's element count, an object's key count
// or a string's character count is n. n may itself be a matcher, as in
// {$len: {$range: [1, null]}}.
type lenMatcher struct {
	count matcher
}

func init() { register("$len", compileLen) }

func compileLen(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!int" {
		return nil, errorAt(n, "$len needs a non-negative integer or a matcher, got %q", n.Value)
	}
	count, err := c.compile(n, context{})
	if err != nil {
		return nil, err
	}
	return &lenMatcher{count: count}, nil
}

func (m *lenMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	var length int
	if s, ok := actual.(string); ok {
		length = utf8.RuneCountInString(s)
	} else if arr, ok := asArray(actual); ok {
		length = len(arr)
	} else if obj, ok := asObject(actual); ok {
		length = len(obj)
	} else {
		return mismatch(ptr, "expected something with a length, got %s %s", typeName(actual), show(actual))
	}
	if err := m.count.match(length, st, ptr); err != nil {
		if isFatal(err) {
			return err
		}
		return mismatch(ptr, "expected length %s, got %d", render(m.count), length)
	}
	return nil
}

func (m *lenMatcher) flow(w *flowWriter) { w.op("$len", m.count) }

func (m *lenMatcher) parts() []matcher { return []matcher{m.count} }
