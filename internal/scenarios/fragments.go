package scenarios

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/match"
)

// fragment is a named list of steps with actor parameters, defined in a
// file under a fragments/ directory and expanded by `- include: NAME`.
type fragment struct {
	name     string
	file     string
	line     int
	params   []string
	refs     []string // what the fragment's steps cite unless a step cites its own
	steps    *yaml.Node
	embedded bool
}

var fragmentKeys = []string{"fragment", "description", "refs", "params", "steps"}

// collectFragments decodes every fragment document. A fragment on disk
// replaces an embedded one of the same name; two of the same origin clash.
func collectFragments(docs []document, p *problems) map[string]*fragment {
	out := map[string]*fragment{}
	for _, doc := range docs {
		d := &decoder{file: doc.file, p: p}
		fr := decodeFragment(d, doc.node)
		if fr == nil {
			continue
		}
		fr.embedded = doc.embedded
		if prev, dup := out[fr.name]; dup {
			if prev.embedded == fr.embedded {
				d.errf(doc.node, "duplicate fragment %q (first defined at %s:%d)", fr.name, prev.file, prev.line)
				continue
			}
			if !prev.embedded {
				continue // the disk fragment already replaced this embedded one
			}
		}
		out[fr.name] = fr
	}
	return out
}

func decodeFragment(d *decoder, n *yaml.Node) *fragment {
	fs, ok := d.fields(n, "fragment file", fragmentKeys)
	if !ok {
		return nil
	}
	fr := &fragment{file: d.file, line: n.Line}
	for _, f := range fs {
		switch f.key {
		case "fragment":
			fr.name, _ = d.nonEmpty(f.value, "fragment")
		case "refs":
			fr.refs, _ = d.strings(f.value, "refs")
		case "params":
			fr.params, _ = d.strings(f.value, "params")
			seen := map[string]bool{}
			for _, prm := range fr.params {
				if !match.ValidName(prm) || contains(stepBodyKeys, prm) {
					d.errf(f.value, "params: %q is not a valid parameter name", prm)
				}
				if seen[prm] {
					d.errf(f.value, "params: %q is listed twice", prm)
				}
				seen[prm] = true
			}
		case "steps":
			fr.steps = f.value
		}
	}
	switch {
	case fr.name == "":
		d.errf(n, "a fragment file needs `fragment: NAME`")
		return nil
	case fr.steps == nil:
		d.errf(n, "fragment %q has no steps", fr.name)
		return nil
	case fr.steps.Kind != yaml.SequenceNode || len(fr.steps.Content) == 0:
		d.errf(fr.steps, "fragment %q: steps must be a non-empty list", fr.name)
		return nil
	}
	return fr
}

// include expands `- include: NAME` with `with: {param: actor}`.
func (c *stepContext) include(d *decoder, n *yaml.Node, inc *inclusion) []Step {
	fs, ok := d.fields(n, "include step", []string{"include", "with"})
	if !ok {
		return nil
	}
	var name string
	var withN *yaml.Node
	for _, f := range fs {
		switch f.key {
		case "include":
			name, ok = d.nonEmpty(f.value, "include")
		case "with":
			withN = f.value
		}
	}
	if !ok {
		return nil
	}
	fr, found := c.fragments[name]
	if !found {
		d.errf(n, "unknown fragment %q (fragments: %s)%s", name, strings.Join(c.fragmentNames(), ", "), suggest(name, c.fragmentNames()))
		return nil
	}
	var chain []string
	if inc != nil {
		chain = inc.chain
	}
	if contains(chain, name) {
		d.errf(n, "include cycle: %s -> %s", strings.Join(chain, " -> "), name)
		return nil
	}
	binding := map[string]string{}
	if withN != nil {
		wfs, good := d.fields(withN, "with", nil)
		if !good {
			return nil
		}
		for _, f := range wfs {
			if !contains(fr.params, f.key) {
				d.errf(f.keyN, "with: fragment %q has no parameter %q (params: %s)%s", name, f.key, strings.Join(fr.params, ", "), suggest(f.key, fr.params))
				ok = false
				continue
			}
			actor, good := d.nonEmpty(f.value, "with: "+f.key)
			if !good {
				ok = false
				continue
			}
			if _, known := c.actors[actor]; !known {
				d.errf(f.value, "with: %s: unknown actor %q (actors: %s)%s", f.key, actor, strings.Join(c.actorNames(), ", "), suggest(actor, c.actorNames()))
				ok = false
				continue
			}
			binding[f.key] = actor
		}
	}
	for _, prm := range fr.params {
		if _, given := binding[prm]; !given && ok {
			if _, sameName := c.actors[prm]; sameName {
				binding[prm] = prm // an actor named like the parameter binds itself
				continue
			}
			d.errf(n, "include %s: parameter %q is not bound (add with: {%s: ACTOR})", name, prm, prm)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	inner := &inclusion{fragment: name, file: d.file, line: n.Line, chain: append(append([]string(nil), chain...), name), refs: fr.refs}
	if len(inner.refs) == 0 && inc != nil {
		inner.refs = inc.refs
	}
	steps := bindParams(fr.steps, binding)
	fd := &decoder{file: fr.file, p: d.p}
	return c.steps(fd, steps, inner)
}

func (c *stepContext) fragmentNames() []string {
	names := make([]string, 0, len(c.fragments))
	for n := range c.fragments {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// bindParams copies a fragment's step list with parameter names replaced by
// actor names: each step's actor key, the values of nested `with`, and the
// first segment of "{{param...}}" references. Lines stay those of the
// fragment file.
func bindParams(steps *yaml.Node, binding map[string]string) *yaml.Node {
	out := cloneNode(steps, binding)
	for _, step := range out.Content {
		if step.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(step.Content); i += 2 {
			k, v := step.Content[i], step.Content[i+1]
			if actor, isParam := binding[k.Value]; isParam && k.Kind == yaml.ScalarNode {
				k.Value = actor
			}
			if k.Value == "with" && v.Kind == yaml.MappingNode {
				for j := 1; j < len(v.Content); j += 2 {
					if actor, isParam := binding[v.Content[j].Value]; isParam {
						v.Content[j].Value = actor
					}
				}
			}
		}
	}
	return out
}

// cloneNode deep-copies n, rewriting references in string scalars.
func cloneNode(n *yaml.Node, binding map[string]string) *yaml.Node {
	c := *n
	if n.Kind == yaml.ScalarNode {
		c.Value = match.RenameRefs(n.Value, func(ref string) string {
			root, rest, dotted := strings.Cut(ref, ".")
			actor, isParam := binding[root]
			switch {
			case !isParam:
				return ref
			case dotted:
				return actor + "." + rest
			}
			return actor
		})
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = cloneNode(child, binding)
		}
	}
	return &c
}
