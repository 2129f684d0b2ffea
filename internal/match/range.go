package match

import "gopkg.in/yaml.v3"

// rangeMatcher is {$range: [min, max]}: a number with min <= n <= max;
// either end may be null for no bound.
type rangeMatcher struct {
	min, max *number
}

func init() { register("$range", compileRange) }

func compileRange(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		return nil, errorAt(n, "$range needs [min, max] (null for no bound)")
	}
	var ends [2]*number
	for i, e := range n.Content {
		if e.Kind != yaml.ScalarNode {
			return nil, errorAt(e, "$range bounds must be numbers or null")
		}
		switch e.ShortTag() {
		case "!!null":
		case "!!int", "!!float":
			var v any
			if err := e.Decode(&v); err != nil {
				return nil, errorAt(e, "bad $range bound %q", e.Value)
			}
			num, ok := toNumber(v)
			if !ok || num.f != num.f { // NaN bounds nothing
				return nil, errorAt(e, "bad $range bound %q", e.Value)
			}
			ends[i] = &num
		default:
			return nil, errorAt(e, "$range bounds must be numbers or null, got %q", e.Value)
		}
	}
	if ends[0] != nil && ends[1] != nil && less(*ends[1], *ends[0]) {
		return nil, errorAt(n, "$range min %s is greater than max %s", formatNumber(*ends[0]), formatNumber(*ends[1]))
	}
	return &rangeMatcher{min: ends[0], max: ends[1]}, nil
}

// less compares exactly when both are integers (large ids), else as floats.
func less(a, b number) bool {
	if a.isInt && b.isInt {
		return a.i < b.i
	}
	return a.f < b.f
}

func (m *rangeMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	n, ok := toNumber(actual)
	if !ok {
		return mismatch(ptr, "expected number in %s, got %s %s", m.text(), typeName(actual), show(actual))
	}
	if n.f != n.f || (m.min != nil && less(n, *m.min)) || (m.max != nil && less(*m.max, n)) {
		return mismatch(ptr, "expected number in %s, got %s", m.text(), show(actual))
	}
	return nil
}

func (m *rangeMatcher) text() string {
	end := func(n *number) string {
		if n == nil {
			return "null"
		}
		return formatNumber(*n)
	}
	return "[" + end(m.min) + ", " + end(m.max) + "]"
}

func (m *rangeMatcher) flow(w *flowWriter) { w.write("{$range: " + m.text() + "}") }

func (m *rangeMatcher) parts() []matcher { return nil }
