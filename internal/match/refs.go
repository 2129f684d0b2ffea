package match

import "gopkg.in/yaml.v3"

// nodeWalker collects the variable references and $save names of a YAML
// node without compiling it, so the linter can use them on any node.
type nodeWalker struct {
	refs, saves       []string
	seenRef, seenSave map[string]bool
	visitedAlias      map[*yaml.Node]bool
	depth             int
}

func newNodeWalker() *nodeWalker {
	return &nodeWalker{seenRef: map[string]bool{}, seenSave: map[string]bool{}, visitedAlias: map[*yaml.Node]bool{}}
}

// walk visits n; literal is true under $regex, whose text is not interpolated.
func (w *nodeWalker) walk(n *yaml.Node, literal bool) {
	if n == nil || w.depth > maxDepth {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			w.walk(c, literal)
		}
	case yaml.AliasNode:
		// An anchor's names are the same wherever it is used: visit it once.
		if !w.visitedAlias[n.Alias] {
			w.visitedAlias[n.Alias] = true
			w.walk(n.Alias, literal)
		}
	case yaml.ScalarNode:
		if literal || n.ShortTag() != "!!str" {
			return
		}
		for _, ref := range TextRefs(n.Value) {
			if !w.seenRef[ref] {
				w.seenRef[ref] = true
				w.refs = append(w.refs, ref)
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			switch key {
			case "$regex":
				w.walk(value, true)
			case "$save":
				if value.Kind == yaml.ScalarNode && value.Value != "" && !w.seenSave[value.Value] {
					w.seenSave[value.Value] = true
					w.saves = append(w.saves, value.Value)
				}
			default:
				w.walk(value, literal)
			}
		}
	}
}
