package match

import "gopkg.in/yaml.v3"

// saveMatcher is {$save: name}: matches any present value and saves it as
// name, which later expectations and steps use as "{{name}}". The save takes
// effect only if the whole expectation matches.
type saveMatcher struct {
	name string
}

func init() { register("$save", compileSave) }

func compileSave(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind != yaml.ScalarNode || !ValidName(n.Value) {
		return nil, errorAt(n, "$save needs a variable name ("+NameRule+"), got %q", n.Value)
	}
	return &saveMatcher{name: n.Value}, nil
}

func (m *saveMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	st.saves = append(st.saves, saved{name: m.name, value: actual})
	return nil
}

func (m *saveMatcher) flow(w *flowWriter) { w.write("{$save: " + stringText(m.name) + "}") }

func (m *saveMatcher) parts() []matcher { return nil }
