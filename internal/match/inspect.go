package match

// What a compiled expectation reads, saves and describes is found once, when it
// is compiled: a checker (the scenario linter) asks the matcher instead of
// walking its YAML a second time with rules of its own.

// Save is a name a matcher saves with $save.
type Save struct {
	Name string
	// Weak: a $save of it is under $inferred or $reference, so a lenient match
	// may leave it unsaved.
	Weak bool
}

// inventory is what a matcher reads and saves.
type inventory struct {
	refs   []string
	saves  []Save
	levels bool // it has $inferred or $reference parts
}

func inventoryOf(root matcher) inventory {
	var inv inventory
	seenRef := map[string]bool{}
	saveAt := map[string]int{}
	type visit struct {
		m    matcher
		weak bool
	}
	// An alias compiles to one matcher used in several places: visit it once
	// (per weakness), or a "billion laughs" document would take exponential time.
	visited := map[visit]bool{}
	var walk func(m matcher, weak bool)
	walk = func(m matcher, weak bool) {
		if visited[visit{m, weak}] {
			return
		}
		visited[visit{m, weak}] = true
		switch m := m.(type) {
		case *equalMatcher:
			if m.tmpl != nil {
				for _, p := range m.tmpl.parts {
					if p.ref != "" && !seenRef[p.ref] {
						seenRef[p.ref] = true
						inv.refs = append(inv.refs, p.ref)
					}
				}
			}
		case *saveMatcher:
			if i, ok := saveAt[m.name]; ok {
				inv.saves[i].Weak = inv.saves[i].Weak || weak
			} else {
				saveAt[m.name] = len(inv.saves)
				inv.saves = append(inv.saves, Save{Name: m.name, Weak: weak})
			}
		case *levelMatcher:
			inv.levels, weak = true, true
		}
		for _, p := range m.parts() {
			walk(p, weak)
		}
	}
	walk(root, false)
	return inv
}

// Shape is the structure of a compiled matcher, for checks that read what an
// expectation demands rather than run it, such as the scenario linter's
// checks of literals against the documented vocabulary.
type Shape struct{ m matcher }

// Field is a key an object matcher requires.
type Field struct {
	Key   string // as matched: "$$x" in the YAML is "$x"
	Line  int
	Value Shape
}

// Literal is a string a matcher compares the value with.
type Literal struct {
	Text string
	Line int
}

// Fields are the keys of an object matcher, in the order written; nil for any
// other matcher.
func (s Shape) Fields() []Field {
	obj, ok := s.m.(*objectMatcher)
	if !ok {
		return nil
	}
	out := make([]Field, len(obj.fields))
	for i, f := range obj.fields {
		out[i] = Field{Key: f.key, Line: f.line, Value: Shape{f.value}}
	}
	return out
}

// Objects are the object matchers that describe the value, or its elements:
// the shape itself, the items of a list, and the operands of $contains, $exact
// and $oneOf, at any depth. Other operators ($not, $optional, $inferred...)
// say something else of the value and are not looked into.
func (s Shape) Objects() []Shape {
	var out []Shape
	visited := map[matcher]bool{}
	var walk func(m matcher)
	walk = func(m matcher) {
		if visited[m] {
			return
		}
		visited[m] = true
		switch m.(type) {
		case *objectMatcher:
			out = append(out, Shape{m})
		case *listMatcher, *containsMatcher, *exactMatcher, *oneOfMatcher:
			for _, p := range m.parts() {
				walk(p)
			}
		}
	}
	walk(s.m)
	return out
}

// Strings are the strings without references the value is compared with: the
// shape's own, or those among the alternatives of $oneOf, at any depth.
func (s Shape) Strings() []Literal {
	switch m := s.m.(type) {
	case *equalMatcher:
		if text, ok := m.expected.(string); ok && m.tmpl == nil {
			return []Literal{{Text: text, Line: m.line}}
		}
	case *oneOfMatcher:
		var out []Literal
		for _, alt := range m.alternatives {
			out = append(out, Shape{alt}.Strings()...)
		}
		return out
	}
	return nil
}
