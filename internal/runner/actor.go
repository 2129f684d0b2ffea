package runner

import (
	"context"
	"net/http"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// actor is one participant of a run: an *agent or a *customer. What every kind
// has is its actorCore; what differs by kind is a method here, so that a new
// kind does not compile until it says how it does each of these, and the
// runner never asks which kind an actor is to decide one of them.
type actor interface {
	core() *actorCore
	name() string
	traits() *traits

	// setup prepares the actor before step 1. The actors' setups run
	// concurrently, each touching only its own actor.
	setup(ctx context.Context, rn *run) error
	// endpoint is where the actor's step requests go (base URL), with the
	// headers and the authentication (authBasic, authNone) they carry unless
	// the step says otherwise.
	endpoint(rn *run) (base string, header http.Header, auth string)
	// authorize puts the actor's credentials on a request (as req.auth and
	// req.csrf ask) and returns the client to send it with.
	authorize(rn *run, hreq *http.Request, req request) *http.Client
	// wire is the operation op goes out as, and the body fields it spells
	// differently: op itself but for a GMS customer playing a GWS customer
	// operation (gmscustomer.go).
	wire(step *scenarios.Step, op gws.Op) (gws.Op, map[string]string, error)
	// injection is what the harness fills into the actor's requests of op.
	injection(rn *run, step *scenarios.Step, op gws.Op) (gws.Injection, error)
	// answered updates what the harness tracks about the actor after op
	// succeeded (an agent's asked-for state, a customer's chat).
	answered(rn *run, op gws.Op, resp *response)

	// follow is called when a wait on the actor's stream starts, with nothing
	// in it deciding the wait yet; the wait calls what it returns when it ends.
	follow() (done func())
	// checkDelivery applies the kind's own rules to what the actor received,
	// besides the schemas every event is checked against.
	checkDelivery(rn *run, step *scenarios.Step, events []event) error
	// barrier proves that everything the target sent the actor before now has
	// arrived (see barrier.go).
	barrier(ctx context.Context, rn *run, step *scenarios.Step) error
	// cleanup leaves the target as the scenario found it. Best effort: problems
	// are logged, never reported.
	cleanup(ctx context.Context, rn *run)
	// currentChat is the chat an op step without `chat` acts on, or "" and what
	// the scenario must do first.
	currentChat() (id, missing string)
}

// traits are what the runner needs to know of an actor's kind besides its
// behaviour.
type traits struct {
	caller   gws.Caller // the side of the API whose operations it calls
	stream   string     // its stream in reasons: "alice's notification stream stopped"
	event    string     // one event of its stream: "notification"
	timeline string     // what its timeline lists: "alice's notifications (...)"
	// notified: the target pushes it notifications, so a refusal may come as a
	// notification after a success answer.
	notified bool
	// cleanupInTurn: its cleanup notifies other actors (agents' Completes of a
	// shared chat), so such cleanups go one after the other, in scenario order,
	// after the others, which go concurrently (see run.cleanup).
	cleanupInTurn bool
}

// actorCore is what every actor has. The runner goroutine owns every field
// except the stream (shared with the Bayeux pump or the transcript poller);
// setups run one goroutine per actor, each touching only its own actor.
type actorCore struct {
	spec   scenarios.Actor
	stream *stream
	// cursor is where the next ordered search starts in stream.
	cursor int
	// origin is where the scenario's part of the stream starts: an agent's stream
	// may begin with late notifications of an earlier scenario on the same
	// account, before its setup's own Ready notification.
	origin int
	// matched maps an event's seq to the place ("file:line") of the expectation it
	// satisfied, for timelines.
	matched map[int]string
	nevers  []neverCheck
	onces   []onceCheck
	// checked is how many events were already checked for schema violations.
	checked int
	// reportedEnd is set once an early end of the stream was reported.
	reportedEnd bool

	client *http.Client // metered, with the actor's cookie jar
}

func (c *actorCore) core() *actorCore { return c }

// wire: agents and GWS customers send what the scenario names.
func (c *actorCore) wire(_ *scenarios.Step, op gws.Op) (gws.Op, map[string]string, error) {
	return op, nil, nil
}
func (c *actorCore) name() string    { return c.spec.Name }
func (c *actorCore) hasChecks() bool { return len(c.nevers) > 0 || len(c.onces) > 0 }

func (c *actorCore) nickname() string {
	if c.spec.Nickname != "" {
		return c.spec.Nickname
	}
	return defaultNickname(c.spec.Name)
}

// addActor makes the actor of core's kind, the one place that reads the kind,
// and adds it to the run.
func (rn *run) addActor(core actorCore) error {
	var a actor
	switch core.spec.Kind {
	case scenarios.KindAgent:
		ag := &agent{actorCore: core, bareClient: newClient(nil, rn.meter)}
		rn.agents = append(rn.agents, ag)
		a = ag
	case scenarios.KindCustomer:
		// One target has one customer API: the scenario's customer is played
		// with it (target.CustomerAPI).
		if rn.t.UsesGMS() {
			g := &gmsCustomer{customer: customer{actorCore: core}}
			rn.customers = append(rn.customers, &g.customer)
			a = g
			break
		}
		c := &customer{actorCore: core}
		rn.customers = append(rn.customers, c)
		a = c
	default:
		return scenarioError(nil, "actor %s has kind %q: want %s or %s", core.spec.Name, core.spec.Kind, scenarios.KindAgent, scenarios.KindCustomer)
	}
	rn.actors[core.spec.Name] = a
	rn.order = append(rn.order, a)
	return nil
}
