package match

import "gopkg.in/yaml.v3"

// listMatcher is a YAML list: the actual array has the same length and each
// element matches in order.
type listMatcher struct {
	items []matcher
}

func (c *compiler) compileList(n *yaml.Node, ctx context) (matcher, error) {
	m := &listMatcher{}
	for _, item := range n.Content {
		im, err := c.compile(item, context{exact: ctx.exact})
		if err != nil {
			return nil, err
		}
		m.items = append(m.items, im)
	}
	return m, nil
}

func (m *listMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	arr, ok := asArray(actual)
	if !ok {
		return mismatch(ptr, "expected array, got %s %s", typeName(actual), show(actual))
	}
	if len(arr) != len(m.items) {
		return mismatch(ptr, "expected %d elements, got %d", len(m.items), len(arr))
	}
	for i, item := range m.items {
		if err := item.match(arr[i], st, index(ptr, i)); err != nil {
			return err
		}
	}
	return nil
}

func (m *listMatcher) flow(w *flowWriter) { w.list(m.items) }

func (m *listMatcher) parts() []matcher { return m.items }
