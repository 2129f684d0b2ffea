package match

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxDepth bounds nesting (and alias chains) so hostile YAML cannot exhaust the stack.
const maxDepth = 200

// context is what a node's position means for compiling it.
type context struct {
	mapValue bool // the node is the value of an object key: $absent is allowed
	exact    bool // inside $exact: literal maps allow no extra keys
}

// operator compiles the value node of a single-key "$op" map.
type operator func(c *compiler, value *yaml.Node, ctx context) (matcher, error)

// operators is filled by each operator's file in init, to keep one matcher per file.
var operators = map[string]operator{}

func register(name string, op operator) { operators[name] = op }

type compiler struct {
	depth int
	// aliases caches compiled alias targets so repeated aliases compile once
	// (an exponential "billion laughs" document stays cheap).
	aliases map[aliasKey]matcher
}

type aliasKey struct {
	node *yaml.Node
	ctx  context
}

func newCompiler() *compiler { return &compiler{aliases: map[aliasKey]matcher{}} }

func errorAt(n *yaml.Node, format string, args ...any) error {
	return &CompileError{Line: n.Line, Message: fmt.Sprintf(format, args...)}
}

func (c *compiler) compile(n *yaml.Node, ctx context) (matcher, error) {
	if c.depth >= maxDepth {
		return nil, errorAt(n, "expectation nested deeper than %d levels", maxDepth)
	}
	c.depth++
	defer func() { c.depth-- }()

	switch n.Kind {
	case yaml.AliasNode:
		key := aliasKey{n.Alias, ctx}
		if m, ok := c.aliases[key]; ok {
			return m, nil
		}
		if n.Alias == nil {
			return nil, errorAt(n, "alias *%s has no anchor", n.Value)
		}
		m, err := c.compile(n.Alias, ctx)
		if err != nil {
			return nil, err
		}
		c.aliases[key] = m
		return m, nil
	case yaml.ScalarNode:
		return compileScalar(n)
	case yaml.SequenceNode:
		return c.compileList(n, ctx)
	case yaml.MappingNode:
		pairs, err := c.mappingPairs(n, 0)
		if err != nil {
			return nil, err
		}
		if op, ok := operatorKey(pairs); ok {
			if len(pairs) != 1 {
				return nil, errorAt(op, "operator %s must be the only key of its map (write $$%s for a literal key)",
					op.Value, op.Value[1:])
			}
			return c.compileOperator(op, pairs[0].value, ctx)
		}
		return c.compileObject(n, pairs, ctx)
	case yaml.DocumentNode:
		return nil, errorAt(n, "unexpected document inside an expectation")
	}
	return nil, errorAt(n, "unsupported YAML node")
}

// operatorKey finds the first key that names an operator ("$x" but not "$$x").
func operatorKey(pairs []pair) (*yaml.Node, bool) {
	// Quoting does not escape an operator; only "$$" does.
	for _, p := range pairs {
		if strings.HasPrefix(p.key.Value, "$") && !strings.HasPrefix(p.key.Value, "$$") {
			return p.key, true
		}
	}
	return nil, false
}

func (c *compiler) compileOperator(key, value *yaml.Node, ctx context) (matcher, error) {
	op, ok := operators[key.Value]
	if !ok {
		if near := closest(key.Value, operatorNames()); near != "" {
			return nil, errorAt(key, "unknown operator %s (did you mean %s?)", key.Value, near)
		}
		return nil, errorAt(key, "unknown operator %s (write $$%s for a literal key)", key.Value, key.Value[1:])
	}
	// An operator's operand is explicit: $exact does not leak into it.
	return op(c, value, context{mapValue: ctx.mapValue})
}

// pair is one key/value of a mapping, after merge keys are resolved.
type pair struct {
	key, value *yaml.Node
}

// mappingPairs lists a mapping's pairs, resolving YAML merge keys ("<<: *base"):
// explicit keys win over merged ones.
func (c *compiler) mappingPairs(n *yaml.Node, depth int) ([]pair, error) {
	if depth > maxDepth {
		return nil, errorAt(n, "merge keys nested deeper than %d levels", maxDepth)
	}
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return nil, errorAt(k, "object keys must be scalars")
		}
		if k.ShortTag() == "!!merge" {
			sources := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				sources = v.Content
			}
			for _, s := range sources {
				target := s
				if target.Kind == yaml.AliasNode {
					target = target.Alias
				}
				if target == nil || target.Kind != yaml.MappingNode {
					return nil, errorAt(s, "merge key << needs a map or an alias of one")
				}
				more, err := c.mappingPairs(target, depth+1)
				if err != nil {
					return nil, err
				}
				merged = append(merged, more...)
			}
			continue
		}
		own = append(own, pair{k, v})
	}
	seen := map[string]bool{}
	var out []pair
	for _, p := range own {
		if seen[p.key.Value] {
			return nil, errorAt(p.key, "duplicate key %q", p.key.Value)
		}
		seen[p.key.Value] = true
		out = append(out, p)
	}
	for _, p := range merged {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func operatorNames() []string {
	names := make([]string, 0, len(operators))
	for name := range operators {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// closest returns the candidate nearest to s (case-insensitive edit
// distance), or "" when none is near enough to be a plausible typo: one edit
// for short names, one per three characters for longer ones.
func closest(s string, candidates []string) string {
	best, bestDist := "", max(1, len(s)/3)+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// literalKey turns a YAML key into the object key it matches: "$$x" means "$x".
func literalKey(k string) string {
	if strings.HasPrefix(k, "$$") {
		return k[1:]
	}
	return k
}
