package match

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// containsMatcher is {$contains: [M...]}: the actual array has, for each
// matcher, its own element that matches it, in any order (two matchers
// cannot share one element). A single matcher may be written without a list.
type containsMatcher struct {
	items []matcher
}

func init() { register("$contains", compileContains) }

func compileContains(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	target := n
	if target.Kind == yaml.AliasNode && target.Alias != nil {
		target = target.Alias
	}
	if target.Kind != yaml.SequenceNode {
		m, err := c.compile(n, context{})
		if err != nil {
			return nil, err
		}
		return &containsMatcher{items: []matcher{m}}, nil
	}
	m := &containsMatcher{}
	for _, item := range target.Content {
		im, err := c.compile(item, context{})
		if err != nil {
			return nil, err
		}
		m.items = append(m.items, im)
	}
	return m, nil
}

func (m *containsMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	arr, ok := asArray(actual)
	if !ok {
		return mismatch(ptr, "expected array, got %s %s", typeName(actual), show(actual))
	}
	// fits[i] lists the elements matcher i matches; probing keeps no saves.
	fits := make([][]int, len(m.items))
	for i, item := range m.items {
		var nearest *Mismatch
		for j, el := range arr {
			err := st.probe(item, el, index(ptr, j))
			if err == nil {
				fits[i] = append(fits[i], j)
			} else if isFatal(err) {
				return err
			} else if mm := err.(*Mismatch); insideElement(mm, index(ptr, j)) && (nearest == nil || mm.Closeness() > nearest.Closeness()) {
				nearest = mm
			}
		}
		if len(fits[i]) == 0 {
			return &Mismatch{Pointer: ptr, Reason: fmt.Sprintf("no element matches %s (%d elements)", render(item), len(arr)), Nearest: nearest}
		}
	}
	owner := assignDistinct(fits, len(arr))
	if owner == nil {
		w := &flowWriter{}
		w.list(m.items)
		return mismatch(ptr, "no distinct elements match all of %s (%d elements)", w.b.String(), len(arr))
	}
	// Replay the chosen pairs for real so their saves are kept.
	for j, i := range owner {
		if i >= 0 {
			if err := m.items[i].match(arr[j], st, index(ptr, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// insideElement says whether mm lies below the element at elementPtr: only
// then does it tell which field of the nearest element differs (for scalar
// elements every one fails at itself, and naming one would blame it at random).
func insideElement(mm *Mismatch, elementPtr string) bool {
	return strings.HasPrefix(mm.Pointer, elementPtr+"/")
}

// assignDistinct finds a matching of every matcher to its own element
// (Kuhn's augmenting paths). It returns owner[element] = matcher or -1, or
// nil when no complete assignment exists.
func assignDistinct(fits [][]int, elements int) []int {
	owner := make([]int, elements)
	for j := range owner {
		owner[j] = -1
	}
	for i := range fits {
		seen := make([]bool, elements)
		if !augment(i, fits, owner, seen) {
			return nil
		}
	}
	return owner
}

func augment(i int, fits [][]int, owner []int, seen []bool) bool {
	for _, j := range fits[i] {
		if seen[j] {
			continue
		}
		seen[j] = true
		if owner[j] < 0 || augment(owner[j], fits, owner, seen) {
			owner[j] = i
			return true
		}
	}
	return false
}

func (m *containsMatcher) flow(w *flowWriter) {
	w.write("{$contains: ")
	w.list(m.items)
	w.write("}")
}

func (m *containsMatcher) parts() []matcher { return m.items }
