// Package scenarios owns the scenario format: the model the runner plays, the
// loader (YAML files with fragments; every error names file:line), the linter
// and the embedded starter catalogue. What it knows of the GWS API itself (the
// operations, their parameters, the wire vocabulary) it reads from
// internal/gws.
//
// Typical use: scs, err := LoadCatalogue(); then errs := Lint(scs). Only
// lint-clean scenarios should be run. The format is documented in
// docs/scenario-format.md.
package scenarios

import (
	"fmt"
	"time"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
)

// Actor kinds.
const (
	KindAgent    = "agent"
	KindCustomer = "customer"
)

// caller is the side of the API an actor of kind calls.
func caller(kind string) gws.Caller {
	if kind == KindCustomer {
		return gws.CustomerCaller
	}
	return gws.AgentCaller
}

// Scenario is one playable scenario, fragments already expanded.
type Scenario struct {
	Name        string
	Description string
	File        string // as shown to people, e.g. internal/scenarios/catalogue/chat/consult.yaml
	Line        int    // line of the scenario's first key (1-based)
	// Refs are the statements (internal/evidence) the scenario proves; they
	// give its expectations their evidence level unless a step or an item
	// cites its own.
	Refs   []string
	Labels []string
	// Requires is the effective list of target features the scenario needs:
	// the declared `requires`, plus the feature of every operation it uses,
	// plus "notifications" (agent actors subscribe), "customer" (customer
	// actors) and "queues" (a {{queueN}} variable is used). Sorted, unique.
	Requires []string
	// Declared is `requires` exactly as written (for reports).
	Declared []string
	Serial   bool
	Actors   []Actor // in the order written
	Steps    []Step  // in play order, Index 1..len
	Timeout  time.Duration
	// Vars are the scenario's `vars`: name -> decoded YAML value; strings may
	// still hold "{{var}}" expressions, expanded by the runner at run time.
	Vars map[string]any

	// levelProblems say why some evidence levels could not be determined;
	// Lint reports them.
	levelProblems []levelProblem
}

// Actor is a participant the runner plays: an agent (REST + Bayeux) or a
// customer (customer chat API).
type Actor struct {
	Name     string
	Kind     string // KindAgent or KindCustomer
	File     string
	Line     int
	Nickname string // default: the name with its first letter upper-cased
	// RouteTo (customers): where RequestChat asks to be routed, in order.
	// Each entry is an agent actor's name (the runner sends its username) or a
	// "{{...}}" expression such as "{{queue1}}". Empty: no routing hint.
	RouteTo []string
	// Ready (agents): whether actor setup ends with Ready. Default true.
	Ready bool
	// Dialect (agents): default dialect of this actor's op steps, "chats"
	// (default) or "interactions"; customers have the customer dialect.
	Dialect gws.Dialect
}

// Step is one thing an actor does or expects: what every kind of step has
// (who, where, which evidence), and the Action that says what.
type Step struct {
	Actor string // name of an actor of the scenario
	File  string // the file holding the step (a fragment file for included steps)
	Line  int
	Index int // 1-based position in Scenario.Steps

	// Refs are the statements the step cites itself (`refs:` on the step, or
	// the fragment's refs for an included step); empty = the scenario's.
	Refs []string
	// Level is the evidence of the step's response checks and the default of
	// its expectation items: from Refs, else the scenario's refs. Unknown when
	// it cannot be determined (the linter says why).
	Level evidence.Level

	// Include is the fragment name when the step came from `include`; then
	// IncludeFile:IncludeLine is the include line in the including file.
	Include     string
	IncludeFile string
	IncludeLine int

	// Action is what the step does (actions.go). The loader always sets it;
	// a step built by hand without one does nothing, which Lint reports.
	Action Action
}

// Kind names the step kind: op, http, await, unordered, never or barrier
// ("empty" without an Action).
func (s *Step) Kind() string {
	if s.Action == nil {
		return "empty"
	}
	return s.Action.Kind()
}

// Expectations are the step's expectation items (see Action.Expectations);
// nil without an Action.
func (s *Step) Expectations() []Expectation {
	if s.Action == nil {
		return nil
	}
	return s.Action.Expectations()
}

// Label is a short name for the step: "alice Consult", "bob await",
// "carol http GET /api/v2/chats/{{chat}}".
func (s *Step) Label() string {
	if s.Action == nil {
		return s.Actor + " " + s.Kind()
	}
	return s.Actor + " " + s.Action.label()
}

// Where is the prefix of every message about the step:
// "internal/scenarios/catalogue/chat/consult.yaml:42: step 5 (alice Consult)", plus
// "via include at FILE:LINE" for steps that came from a fragment.
func (s *Step) Where() string {
	w := fmt.Sprintf("%s:%d: step %d (%s)", s.File, s.Line, s.Index, s.Label())
	if s.Include != "" {
		w += fmt.Sprintf(" [fragment %s, included at %s:%d]", s.Include, s.IncludeFile, s.IncludeLine)
	}
	return w
}

// ResponseExpect is an `expect` block: what the HTTP answer must be.
type ResponseExpect struct {
	File string
	Line int
	// Status matches the HTTP status code (a number, or a matcher such as
	// {$range: [400, 499]}); nil = not checked.
	Status match.Matcher
	// Body matches the decoded JSON body; nil = not checked.
	Body match.Matcher
	// Headers match response headers by canonical name (first value).
	Headers map[string]match.Matcher
	// Refused is `expect: refused`: the operation must be refused, in its answer
	// (statusCode above 0 with a statusMessage, or the status shape's error) or,
	// for an agent, by an Error notification after a statusCode 0 answer: API-NOTES
	// documents both ways (notes/failure-sync-or-async). Status, Body and Headers
	// are then nil.
	Refused bool
}

// matchers are its matchers in the order the runner applies them: status,
// headers by name, body.
func (e *ResponseExpect) matchers() []match.Matcher {
	var out []match.Matcher
	if e.Status != nil {
		out = append(out, e.Status)
	}
	for _, name := range sortedKeys(e.Headers) {
		out = append(out, e.Headers[name])
	}
	if e.Body != nil {
		out = append(out, e.Body)
	}
	return out
}

// ExpectsSuccess reports whether a step with this expectation wants the operation
// to succeed: no expect (the op's success shape, or a 2xx), or a status matcher that
// accepts 200. A step that expects a refusal leaves the chat as it was.
func (e *ResponseExpect) ExpectsSuccess() bool {
	if e != nil && e.Refused {
		return false
	}
	if e == nil || e.Status == nil {
		return true
	}
	return e.Status.Match(200, match.MapVars{}) == nil
}

// Expectation is one notification (agent) or transcript message (customer)
// an actor expects, or must never receive.
type Expectation struct {
	File  string
	Line  int
	Match match.Matcher
	// Within is the item's own `within` (see Deadline); zero = its step's.
	Within time.Duration
	// Once: exactly one such notification may arrive during the scenario
	// (checked at every barrier and at the end).
	Once bool
	// FromHere (never only): forbidden from this step on; false = during the
	// whole scenario, including before this step.
	FromHere bool
	// Save maps a variable name to a JSON pointer into the matched value.
	Save map[string]string
	// Refs are the statements the item cites itself; empty = its step's.
	Refs []string
	// Level is the item's evidence: from Refs, else its step's Level. Below
	// Documented, an item that does not hold is a deviation, not a failure.
	Level evidence.Level
}

// Saves says whether matching the expectation sets the variable name, by
// `save` or by a $save inside its matcher.
func (e Expectation) Saves(name string) bool {
	if _, ok := e.Save[name]; ok {
		return true
	}
	if e.Match == nil {
		return false
	}
	for _, s := range e.Match.Saves() {
		if s.Name == name {
			return true
		}
	}
	return false
}

// VarRefs lists the variables the expectation's matcher uses ("chat",
// "alice.nickname"), in order of first use.
func (e Expectation) VarRefs() []string {
	if e.Match == nil {
		return nil
	}
	return e.Match.Refs()
}
