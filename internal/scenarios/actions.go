package scenarios

import (
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// Action is what a step does: an *OpStep, *HTTPStep, *AwaitStep, *NeverStep or
// *BarrierStep, and nothing else. Its unexported methods seal it, so a new kind
// of step is a new type here that the compiler asks to implement them, and
// internal/modcheck names every type switch on an Action that forgets a kind.
type Action interface {
	// Kind names the kind as a scenario writes it: op, http, await,
	// unordered, never or barrier.
	Kind() string
	// Expectations are the items the action waits for or forbids (an op's
	// then, an await's or a never's items). The slice is the action's own: a
	// caller may set fields of its elements.
	Expectations() []Expectation
	// label is what Step.Label shows after the actor.
	label() string
	// uses lists the variables the action reads and saves (Step.Vars).
	uses(st *Step) []VarUse
}

// Request is what op and http steps share: the request's body and query,
// the checks of its answer and their time limit.
type Request struct {
	// Body is the request body as a decoded YAML value (map[string]any,
	// []any, string, int, float64, bool; nil = none for an http step),
	// "{{var}}" strings left for run time. For an op the runner adds what
	// Op.Injected lists (operationName, the customer's secureKey,
	// RequestChat's nickname and routing hint) unless the body sets it.
	Body any
	// Query holds query parameters (an op takes them on GET only); values
	// may hold "{{var}}".
	Query map[string]string
	// Expect is nil when the step has no `expect`: the runner then requires a
	// 2xx status and, for an op, its documented success shape (statusCode 0
	// or status ok). When set, only what it states is checked.
	Expect *ResponseExpect
	// Save maps a variable name to a JSON pointer into the response body.
	Save map[string]string
	// Within is the step's `within` (see Deadline); nil = none.
	Within *Deadline
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
	Request
	// Then lists this actor's notifications the step causes: a set, matched
	// in any order.
	Then []Expectation

	line             int         // line of the op key
	bodyLine         int         // line of the body, for the linter's messages about it
	requestedDialect gws.Dialect // the dialect asked for (step, else actor)
}

// HTTPStep is a raw request, for the odd case an op step cannot express.
type HTTPStep struct {
	Method  string // upper case
	Path    string // may hold "{{var}}"; relative to the target's base URL, e.g. /api/v2/me
	Headers map[string]string
	// Auth: "basic" (the actor's credentials; the agent default), "none"
	// (the customer default) or "wrong" (a wrong password).
	Auth string
	// CSRF: send the CSRF header and session cookie (agent default true).
	CSRF bool
	Request
}

// AwaitStep waits for the actor's notifications (agent) or transcript
// messages (customer): `await` or `unordered`.
type AwaitStep struct {
	Items []Expectation
	// Ordered (await): each item is searched for after the previous one's
	// match; false (unordered): the items are a set, matched in any order.
	Ordered bool
	// Within is the step's `within` (see Deadline), a plain duration on an
	// await; zero = none.
	Within time.Duration
}

// NeverStep forbids notifications or transcript messages (see
// Expectation.FromHere for from when).
type NeverStep struct {
	Items []Expectation
}

// BarrierStep proves that delivery to the actor has settled now.
type BarrierStep struct{}

func (*OpStep) Kind() string   { return "op" }
func (*HTTPStep) Kind() string { return "http" }
func (a *AwaitStep) Kind() string {
	if a.Ordered {
		return "await"
	}
	return "unordered"
}
func (*NeverStep) Kind() string   { return "never" }
func (*BarrierStep) Kind() string { return "barrier" }

func (o *OpStep) Expectations() []Expectation    { return o.Then }
func (*HTTPStep) Expectations() []Expectation    { return nil }
func (a *AwaitStep) Expectations() []Expectation { return a.Items }
func (n *NeverStep) Expectations() []Expectation { return n.Items }
func (*BarrierStep) Expectations() []Expectation { return nil }

func (o *OpStep) label() string      { return o.Name }
func (h *HTTPStep) label() string    { return "http " + h.Method + " " + h.Path }
func (a *AwaitStep) label() string   { return a.Kind() }
func (n *NeverStep) label() string   { return n.Kind() }
func (b *BarrierStep) label() string { return b.Kind() }
