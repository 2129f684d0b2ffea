package runner

import (
	"net/http"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/target"
	"github.com/gwsconform/gwsconform/scenarios"
)

// actor is one participant of a run. The runner goroutine owns every field except
// the stream (shared with the Bayeux pump or the transcript poller); agent setup
// runs one goroutine per actor, each touching only its own actor.
type actor struct {
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

	// Agents.
	account    target.Account
	bareClient *http.Client // metered, without cookie jar (csrf: false)
	rawBayeux  *http.Client // the scenario's own Bayeux requests (see rawBayeuxClient)
	csrfHeader string
	csrfToken  string
	userID     string
	userURI    string
	notify     *bayeux.Client
	pumpDone   chan struct{}
	state      string // the chat channel state the agent last asked for: Ready or NotReady
	sessionUp  bool   // StartContactCenterSession succeeded

	// Customers.
	chatID    string
	secureKey string
	poller    *poller
}

func (a *actor) name() string    { return a.spec.Name }
func (a *actor) isAgent() bool   { return a.spec.Kind == scenarios.KindAgent }
func (a *actor) hasChecks() bool { return len(a.nevers) > 0 || len(a.onces) > 0 }

func (a *actor) streamName() string {
	if a.isAgent() {
		return "notification stream"
	}
	return "transcript"
}

func (a *actor) nickname() string {
	if a.spec.Nickname != "" {
		return a.spec.Nickname
	}
	return defaultNickname(a.spec.Name)
}

// currentChat is the chat an op step without `chat` acts on. For a customer, its
// chat; for an agent, the chat of the latest StatusChange Invited it received up to
// its cursor (what the scenario has awaited), else the latest received at all.
func (a *actor) currentChat() string {
	if !a.isAgent() {
		return a.chatID
	}
	events, _, _, _ := a.stream.snapshot()
	if id := latestInvited(events[:min(a.cursor, len(events))]); id != "" {
		return id
	}
	return latestInvited(events)
}

func latestInvited(events []event) string {
	for i := len(events) - 1; i >= 0; i-- {
		if id, ok := gws.InvitedChat(events[i].value); ok {
			return id
		}
	}
	return ""
}
