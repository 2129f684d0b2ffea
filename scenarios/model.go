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
	File        string // as shown to people, e.g. scenarios/catalogue/chat/consult.yaml
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

// Step is one thing an actor does or expects. Exactly one of Op, HTTP, Await,
// Unordered, Never, Barrier is set.
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

	Op        *OpStep
	HTTP      *HTTPStep
	Await     []Expectation // in order, each after the previous one
	Unordered []Expectation // a set, any order
	Never     []Expectation // must not be received (see Expectation.FromHere)
	Barrier   bool          // prove delivery to this actor settled now
	// Within is the step's `within`: the default deadline for its Await and
	// Unordered items (and an op's Then items); zero = the target's
	// notification timeout. For op and http steps it is set only when `within`
	// is a plain duration; OpStep.Deadline and HTTPStep.Deadline hold the
	// expression.
	Within time.Duration
}

// Kind names the step kind: op, http, await, unordered, never or barrier.
func (s *Step) Kind() string {
	switch {
	case s.Op != nil:
		return "op"
	case s.HTTP != nil:
		return "http"
	case len(s.Await) > 0:
		return "await"
	case len(s.Unordered) > 0:
		return "unordered"
	case len(s.Never) > 0:
		return "never"
	case s.Barrier:
		return "barrier"
	}
	return "empty"
}

// ItemLists returns the step's expectation items by kind: await, unordered,
// never and an op's then. They are the step's own slices, so a caller may set
// fields of their elements.
func (s *Step) ItemLists() [][]Expectation {
	lists := [][]Expectation{s.Await, s.Unordered, s.Never}
	if s.Op != nil {
		lists = append(lists, s.Op.Then)
	}
	return lists
}

// Label is a short name for the step: "alice Consult", "bob await",
// "carol http GET /api/v2/chats/{{chat}}".
func (s *Step) Label() string {
	switch {
	case s.Op != nil:
		return s.Actor + " " + s.Op.Name
	case s.HTTP != nil:
		return s.Actor + " http " + s.HTTP.Method + " " + s.HTTP.Path
	}
	return s.Actor + " " + s.Kind()
}

// Where is the prefix of every message about the step:
// "scenarios/catalogue/chat/consult.yaml:42: step 5 (alice Consult)", plus
// "via include at FILE:LINE" for steps that came from a fragment.
func (s *Step) Where() string {
	w := fmt.Sprintf("%s:%d: step %d (%s)", s.File, s.Line, s.Index, s.Label())
	if s.Include != "" {
		w += fmt.Sprintf(" [fragment %s, included at %s:%d]", s.Include, s.IncludeFile, s.IncludeLine)
	}
	return w
}

// OpStep calls an operation from the registry.
type OpStep struct {
	Name    string      // operation name, e.g. Consult
	Dialect gws.Dialect // the dialect it resolved in (chats, interactions, agent, customer); "" when unknown
	// Op is the registry entry; zero (Op.Name == "") when the name is unknown
	// for the actor, which Lint reports.
	Op gws.Op
	// Chat is the chat id expression for ops whose path has {chat}; "" means
	// the actor's current chat ({{actor.chat}}).
	Chat string
	// Body is the request body as a decoded YAML value (map[string]any,
	// []any, string, int, float64, bool, nil), "{{var}}" strings left for run
	// time. The runner adds what Op.Injected lists (operationName, the
	// customer's secureKey, RequestChat's nickname and routing hint) unless the
	// body sets it.
	Body any
	// Query holds query parameters for GET operations (values may hold
	// "{{var}}").
	Query map[string]string
	// Expect is nil when the step has no `expect`: the runner then requires a
	// 2xx status and the op's documented success shape (statusCode 0 or
	// status ok). When set, only what it states is checked.
	Expect *ResponseExpect
	// Save maps a variable name to a JSON pointer into the response body.
	Save map[string]string
	// Then lists this actor's notifications the step causes, in order.
	Then []Expectation
	// Within is the default deadline for Then items when the step's `within`
	// is a plain duration; zero = target default (or Deadline, resolved at run
	// time, when it uses variables).
	Within time.Duration
	// Deadline is the step's `within`: the whole answer must have arrived
	// within it, else the step fails; nil = no limit but the target's request
	// timeout.
	Deadline *Deadline

	line             int         // line of the op key
	bodyLine         int         // line of the body, for the linter's messages about it
	requestedDialect gws.Dialect // the dialect asked for (step, else actor)
}

// HTTPStep is a raw request, for the odd case an op step cannot express.
type HTTPStep struct {
	Method  string // upper case
	Path    string // may hold "{{var}}"; relative to the target's base URL, e.g. /api/v2/me
	Query   map[string]string
	Headers map[string]string
	Body    any // nil = no body; otherwise JSON-encoded like OpStep.Body
	// Auth: "basic" (the actor's credentials; the agent default), "none"
	// (the customer default) or "wrong" (a wrong password).
	Auth string
	// CSRF: send the CSRF header and session cookie (agent default true).
	CSRF   bool
	Expect *ResponseExpect // nil = any 2xx status
	Save   map[string]string
	// Deadline is the step's `within`: the whole answer must have arrived
	// within it, else the step fails; nil = no limit but the target's request
	// timeout.
	Deadline *Deadline
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
	// Within is the deadline from the step's start; zero = the step's Within,
	// else the target's notification timeout.
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
