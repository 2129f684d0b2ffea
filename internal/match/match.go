// Package match compiles scenario expectations written in YAML into matchers
// and matches them against decoded JSON values (map[string]any, []any, string,
// float64 or json.Number, bool, nil).
//
// A scalar is equality (numbers by value, "{{x}}" expanded first), a map is an
// object subset, a list is an exact array, and single-key maps whose key starts
// with "$" are operators ($regex, $type, $any, $absent, $contains, $exact,
// $range, $timestamp, $save, $not, $oneOf, $len, and the evidence levels
// $inferred and $reference). See docs/matchers.md.
package match

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Vars holds the variables of a scenario run: saved values and the names the
// runner defines (actor URIs, queues, scenario vars).
type Vars interface {
	Lookup(name string) (any, bool)
	Set(name string, v any)
}

// MapVars is the simplest Vars: a plain map. It is not safe for concurrent use.
type MapVars map[string]any

// Lookup returns the value of name.
func (m MapVars) Lookup(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// Set stores v under name.
func (m MapVars) Set(name string, v any) { m[name] = v }

// Matcher is a compiled expectation.
type Matcher interface {
	// Match returns nil when actual matches. Otherwise the error says where
	// (a JSON pointer into actual) and why, for a person; it is a *Mismatch
	// unless a variable was undefined. Values captured with $save are stored
	// in vars only when the whole match succeeds. Parts under $inferred and
	// $reference must match too.
	Match(actual any, vars Vars) error
	// MatchLenient is Match where the parts under $inferred and $reference
	// need not match: those that do not are returned as deviations of a
	// successful match.
	MatchLenient(actual any, vars Vars) ([]Deviation, error)
	// String renders the expectation as compact YAML-ish flow text.
	String() string
	// Refs lists the variables it reads ("{{chat}}" reads chat), in order of
	// first use. Keys and $regex patterns are not interpolated.
	Refs() []string
	// Saves lists the names it saves with $save, in order of first use.
	Saves() []Save
	// HasLevels reports whether parts of it rest on weaker evidence, under
	// $inferred or $reference.
	HasLevels() bool
	// Line is the line of the YAML it was compiled from.
	Line() int
	// Shape is its structure, for checks that read it rather than run it.
	Shape() Shape
}

// Mismatch is the error of a failed match.
type Mismatch struct {
	Pointer string // JSON pointer into the actual value; "" is the value itself
	Reason  string // e.g. `expected "Chatting", got "Invited"`
	// Nearest is, when no element of an array fits ($contains), how the element
	// that came closest fails; nil when none came closer than the array itself.
	Nearest *Mismatch
	// Matched counts the fields of the object holding Pointer that matched
	// before this one failed (fields are checked in the order written).
	Matched int
}

func (m *Mismatch) Error() string {
	s := m.Reason
	if m.Pointer != "" {
		s = m.Pointer + ": " + m.Reason
	}
	if m.Nearest != nil {
		s += "; nearest " + m.Nearest.Error()
	}
	return s
}

// Closeness ranks how near a failed match came: the deeper in the document the
// mismatch lies (through Nearest), the closer; at equal depth, the more fields
// of its object matched first, the closer; then a wrong value is closer than an
// absent one.
func (m *Mismatch) Closeness() int {
	deepest := m
	for deepest.Nearest != nil {
		deepest = deepest.Nearest
	}
	score := 2 * (1000*strings.Count(deepest.Pointer, "/") + deepest.Matched)
	if !strings.Contains(deepest.Reason, "missing") && !strings.Contains(deepest.Reason, "absent") {
		score++
	}
	return score
}

// CompileError is an error in a matcher's YAML; Line is the YAML line.
type CompileError struct {
	Line    int
	Message string
}

func (e *CompileError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// Compile turns a YAML node (a document node is unwrapped) into a Matcher.
// Errors are *CompileError and carry the offending node's line.
func Compile(node *yaml.Node) (Matcher, error) {
	if node == nil {
		return nil, errors.New("match: no expectation (nil YAML node)")
	}
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			return nil, &CompileError{Line: node.Line, Message: "empty document: no expectation"}
		}
		node = node.Content[0]
	}
	c := newCompiler()
	root, err := c.compile(node, context{})
	if err != nil {
		return nil, err
	}
	return &compiled{root: root, line: node.Line, inventory: inventoryOf(root)}, nil
}

// Expand replaces variable references in v: a string that is exactly "{{x}}"
// becomes the value of x with its own type; a string with references inside
// ("a{{x}}b") becomes a string. Maps and slices are walked and copied; v is
// never modified. An undefined or malformed reference is an error.
func Expand(v any, vars Vars) (any, error) {
	return expandValue(v, vars, "")
}

// compiled is the root of a compiled matcher: it owns the save transaction.
type compiled struct {
	root matcher
	line int
	inventory
}

func (c *compiled) Match(actual any, vars Vars) error {
	_, err := c.run(actual, vars, false)
	return err
}

func (c *compiled) MatchLenient(actual any, vars Vars) ([]Deviation, error) {
	return c.run(actual, vars, true)
}

func (c *compiled) run(actual any, vars Vars, lenient bool) ([]Deviation, error) {
	st := &state{vars: vars, lenient: lenient}
	if err := c.root.match(actual, st, ""); err != nil {
		return nil, err
	}
	if vars != nil {
		for _, s := range st.saves {
			vars.Set(s.name, s.value)
		}
	}
	return st.deviations, nil
}

func (c *compiled) String() string  { return render(c.root) }
func (c *compiled) Refs() []string  { return c.refs }
func (c *compiled) Saves() []Save   { return c.saves }
func (c *compiled) HasLevels() bool { return c.levels }
func (c *compiled) Line() int       { return c.line }
func (c *compiled) Shape() Shape    { return Shape{c.root} }

// matcher is what every operator implements.
type matcher interface {
	// match checks actual, found at JSON pointer ptr. actual is the missing
	// sentinel when it stands for an absent object key.
	match(actual any, st *state, ptr string) error
	// flow writes the matcher in YAML-ish flow style.
	flow(w *flowWriter)
	// parts are the matchers it applies to the value or to parts of it, in the
	// order written; nil for a leaf. What a matcher reads and saves is found
	// through them (inspect.go).
	parts() []matcher
}

// state is one Match call: the caller's vars plus the saves made so far,
// which only reach vars when the whole match succeeds.
type state struct {
	vars     Vars
	saves    []saved
	attempts int // tentative matches so far, bounded by maxAttempts
	// lenient lets $inferred and $reference parts miss, recording deviations
	// (dropped with the saves when a tentative match fails).
	lenient    bool
	deviations []Deviation
}

// maxAttempts bounds the tentative matches of one Match call: nested $oneOf
// or $contains built from YAML aliases could otherwise take exponential time.
const maxAttempts = 100_000

type saved struct {
	name  string
	value any
}

// lookup sees saves made earlier in the same match before the caller's vars,
// so {id: {$save: x}, ref: "{{x}}"} works.
func (st *state) lookup(name string) (any, bool) {
	for i := len(st.saves) - 1; i >= 0; i-- {
		if st.saves[i].name == name {
			return st.saves[i].value, true
		}
	}
	if st.vars == nil {
		return nil, false
	}
	return st.vars.Lookup(name)
}

// attempt runs a tentative match (an alternative of $oneOf, a candidate
// element of $contains, the inside of $not) and drops its saves if it fails.
func (st *state) attempt(m matcher, actual any, ptr string) error {
	if err := st.count(ptr); err != nil {
		return err
	}
	n, nd := len(st.saves), len(st.deviations)
	err := m.match(actual, st, ptr)
	if err != nil {
		st.saves, st.deviations = st.saves[:n], st.deviations[:nd]
	}
	return err
}

// probe runs a tentative match and always drops its saves.
func (st *state) probe(m matcher, actual any, ptr string) error {
	if err := st.count(ptr); err != nil {
		return err
	}
	n, nd := len(st.saves), len(st.deviations)
	err := m.match(actual, st, ptr)
	st.saves, st.deviations = st.saves[:n], st.deviations[:nd]
	return err
}

func (st *state) count(ptr string) error {
	st.attempts++
	if st.attempts > maxAttempts {
		return &TooComplexError{Pointer: ptr}
	}
	return nil
}

// TooComplexError stops a match that tried more than maxAttempts alternatives.
type TooComplexError struct {
	Pointer string
}

func (e *TooComplexError) Error() string {
	return fmt.Sprintf("%s: expectation too complex: more than %d alternatives tried", where(e.Pointer), maxAttempts)
}

// missing stands for an object key that is not there.
type missingKey struct{}

var missing any = missingKey{}

// mismatch builds a *Mismatch.
func mismatch(ptr, format string, args ...any) error {
	return &Mismatch{Pointer: ptr, Reason: fmt.Sprintf(format, args...)}
}

// ifMissing is the common first check: most matchers need a value.
func ifMissing(actual any, ptr string) error {
	if actual == missing {
		return mismatch(ptr, "missing")
	}
	return nil
}

// Wildcards is the Vars of a documentation sample: every variable is defined
// and stands for whatever the sample holds there, since a sample's ids,
// nicknames and referenceIds are not the scenario's. Checking an expectation
// against the samples of the statements it cites with Wildcards asks "does our
// expectation accept what the page prints?". Saves are dropped.
type Wildcards struct{}

// Lookup reports every name as defined, with the wildcard value.
func (Wildcards) Lookup(string) (any, bool) { return wildcard, true }

// Set drops the value.
func (Wildcards) Set(string, any) {}

// wildcardValue is what a variable stands for under Wildcards.
type wildcardValue struct{}

var wildcard any = wildcardValue{}
