package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
	"github.com/gwsconform/gwsconform/schemas"
)

// agent is an agent actor: it logs in with an account of the target's, holds a
// contact center session and receives notifications over Bayeux.
type agent struct {
	actorCore
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
	// dups is the duplicate checks' state (duplicates.go), guarded by the
	// run's checkMu while setups run (checkStream), the runner goroutine's after.
	dups dupState
}

var agentTraits = traits{
	caller:        gws.AgentCaller,
	stream:        "notification stream",
	event:         "notification",
	timeline:      "notifications",
	notified:      true,
	cleanupInTurn: true,
}

func (a *agent) traits() *traits { return &agentTraits }

func (a *agent) endpoint(rn *run) (string, http.Header, string) {
	return rn.t.BaseURL, http.Header{}, authBasic
}

func (a *agent) authorize(rn *run, hreq *http.Request, req request) *http.Client {
	switch req.auth {
	case authBasic:
		hreq.SetBasicAuth(a.account.Username, a.account.Password)
	case authWrong:
		hreq.SetBasicAuth(a.account.Username, a.account.Password+"-wrong")
	}
	if !req.csrf {
		return a.bareClient // no cookie jar: no session cookie either
	}
	if a.csrfHeader != "" && hreq.Header.Get(a.csrfHeader) == "" {
		hreq.Header.Set(a.csrfHeader, a.csrfToken)
	}
	if rn.isRawBayeux(req.url) {
		return rn.rawBayeuxClient(a, req.url)
	}
	return a.client
}

// injection: an agent's requests carry only the target's routing key.
func (a *agent) injection(rn *run, _ *scenarios.Step, _ gws.Op) (gws.Injection, error) {
	return gws.Injection{RouteKey: rn.t.RouteKey()}, nil
}

func (a *agent) answered(_ *run, op gws.Op, _ *response) {
	switch {
	case op.Dialect == gws.Ready.Dialect && (op.Name == gws.Ready.Name || op.Name == gws.NotReady.Name):
		a.state = op.Name
	case op.Dialect == gws.StartContactCenterSession.Dialect && op.Name == gws.StartContactCenterSession.Name:
		a.sessionUp = true
	}
}

// follow: notifications are pushed, nothing needs to ask for them.
func (a *agent) follow() func() { return func() {} }

func (a *agent) checkDelivery(rn *run, step *scenarios.Step, events []event) error {
	return rn.checkDuplicates(step, a, events)
}

// currentChat is the chat of the latest StatusChange Invited the agent received
// up to its cursor (what the scenario has awaited), else the latest received at
// all.
func (a *agent) currentChat() (string, string) {
	events, _, _, _ := a.stream.snapshot()
	id := latestInvited(events[:min(a.cursor, len(events))])
	if id == "" {
		id = latestInvited(events)
	}
	return id, "has no current chat (no StatusChange Invited received yet); await one first or set chat:"
}

func latestInvited(events []event) string {
	for i := len(events) - 1; i >= 0; i-- {
		if id, ok := gws.InvitedChat(events[i].value); ok {
			return id
		}
	}
	return ""
}

// setup: GET /api/v2/me (user, CSRF token, session cookie), start the contact
// center session, subscribe to notifications, then Ready unless the actor says not.
func (a *agent) setup(ctx context.Context, rn *run) error {
	who := a.name() + " (" + a.account.Username + ")"
	me, err := rn.send(ctx, a, request{method: gws.GetMe.Method, url: rn.t.BaseURL + gws.GetMe.Path, auth: authBasic, csrf: true, purpose: gws.PurposeSetup})
	if err != nil {
		return placed(nil, "setting up "+who+": ", err)
	}
	switch {
	case me.status == http.StatusUnauthorized:
		return envError(nil, "setting up %s: GET /api/v2/me refused the credentials (HTTP 401); check the target's accounts", who).
			withDetail(describeResponse(me))
	case me.status != http.StatusOK:
		return envError(nil, "setting up %s: GET /api/v2/me answered HTTP %d, want 200", who, me.status).
			withDetail(describeResponse(me))
	}
	if err := schemas.Validate(gws.GetMe.ResponseSchema, me.body); err != nil {
		return invalidPayload(nil, err, fmt.Sprintf("setting up %s: GET /api/v2/me answer", who)).withDetail(describeResponse(me))
	}
	user, _ := asObject(me.body)["user"].(map[string]any)
	a.userID, _ = user["id"].(string)
	a.userURI, _ = user["uri"].(string)

	a.csrfHeader = me.header.Get("X-CSRF-HEADER")
	if a.csrfHeader == "" {
		return envError(nil, "setting up %s: GET /api/v2/me sent no X-CSRF-HEADER header, so the harness cannot authorize POST requests", who)
	}
	a.csrfToken = me.header.Get(a.csrfHeader)
	if a.csrfToken == "" {
		return envError(nil, "setting up %s: GET /api/v2/me named CSRF header %q but sent no value for it", who, a.csrfHeader)
	}

	start := gws.StartContactCenterSession
	session := map[string]any{"channels": []any{gws.ChatChannel}}
	start.Inject(session, gws.Injection{})
	resp, err := rn.send(ctx, a, request{method: start.Method, url: rn.t.BaseURL + start.Path, body: session, hasBody: true, auth: authBasic, csrf: true, purpose: gws.PurposeSetup})
	if err != nil {
		return placed(nil, "setting up "+who+": ", err)
	}
	if resp.status == http.StatusForbidden {
		return envError(nil, "setting up %s: StartContactCenterSession was refused (HTTP 403): the CSRF token or session cookie from GET /api/v2/me did not work", who).
			withDetail(describeResponse(resp))
	}
	if !is2xx(resp.status) || !successShape(resp.body, start.Shape) {
		return envError(nil, "setting up %s: StartContactCenterSession failed", who).withDetail(describeResponse(resp))
	}
	a.sessionUp = true
	a.state = gws.AgentNotReady

	if err := rn.subscribe(ctx, a, who); err != nil {
		return err
	}
	want := gws.AgentReady
	if !a.spec.Ready {
		want = gws.AgentNotReady
	}
	// The state the scenario asked for, whatever the target's default, and a proof
	// that notifications flow: its notification must come back before step 1.
	if err := rn.settleState(ctx, a, want); err != nil {
		return fmt.Errorf("setting up %s: %w", who, err)
	}
	// Another agent still in setup may be building timelines of every actor.
	rn.checkMu.Lock()
	a.cursor = a.stream.len()
	a.origin = a.cursor
	rn.checkMu.Unlock()
	return nil
}

// subscribe starts the Bayeux client on the agent's cookie jar and credentials.
func (rn *run) subscribe(ctx context.Context, a *agent, who string) error {
	a.notify = bayeux.NewClient(rn.t.NotificationsURL(), bayeux.ClientOptions{
		// Same cookie jar (session). Metered except for connects the target may
		// hold: those are the target waiting for news, not round trips.
		HTTPClient: newClient(a.client.Jar, bayeuxMeter{rn.meter}),
		Prepare: func(req *http.Request) {
			req.SetBasicAuth(a.account.Username, a.account.Password)
			req.Header.Set(a.csrfHeader, a.csrfToken)
			req.Header.Set("User-Agent", gws.UserAgent(gws.PurposeNotifications))
		},
	})
	hctx, cancel := context.WithTimeout(ctx, rn.t.RequestWait())
	defer cancel()
	if err := a.notify.Handshake(hctx); err != nil {
		if targetAnswered(err) {
			// The endpoint answered, but not with a Bayeux session: the target's fault.
			return targetError(nil, "setting up %s: Bayeux handshake on %s failed: %v", who, rn.t.NotificationsURL(), err)
		}
		return envError(nil, "setting up %s: Bayeux handshake on %s failed: %v", who, rn.t.NotificationsURL(), err)
	}
	a.pumpDone = make(chan struct{})
	go rn.pump(a)
	for _, channel := range gws.AgentChannels() {
		if err := a.notify.Subscribe(hctx, channel); err != nil {
			if targetAnswered(err) {
				return targetError(nil, "setting up %s: subscribing to %s failed: %v", who, channel, err)
			}
			// No answer at all, as for the handshake: nothing to judge the target by.
			return envError(nil, "setting up %s: subscribing to %s failed: %v", who, channel, err)
		}
	}
	return nil
}

// targetAnswered reports whether a Bayeux error is the target's answer (an HTTP
// status, a refusal, a reply that is not Bayeux) rather than no answer at all.
func targetAnswered(err error) bool {
	var status *bayeux.StatusError
	var reply *bayeux.ReplyError
	var protocol *bayeux.ProtocolError
	return errors.As(err, &status) || errors.As(err, &reply) || errors.As(err, &protocol)
}

// notifyDiagnosis is what the agent's Bayeux client knows is wrong with the
// notification endpoint, as a clause to append to the reason of a wait that
// failed ("" when the client has nothing to say): the wait's own reason only says
// what did not come, this says why.
func notifyDiagnosis(a *agent) string {
	if a.notify == nil {
		return ""
	}
	if err := a.notify.Diagnosis(); err != nil {
		return "; the Bayeux client reports: " + err.Error()
	}
	return ""
}

// pump moves the agent's notifications into its stream, validating each one. When
// the client stops on an error (the endpoint broke the protocol, refused the
// session, or one bad pattern repeated past the client's bound), the stream ends
// with that error, so a waiting step ends at once and names it.
func (rn *run) pump(a *agent) {
	defer close(a.pumpDone)
	for m := range a.notify.Messages() {
		at := time.Now()
		var value any
		var invalid error
		if err := json.Unmarshal(m.Data, &value); err != nil {
			invalid = err
		} else {
			invalid = schemas.Validate("notification", value)
		}
		rn.received(a, at, m, value, invalid)
		rn.logf("%s <- %s %s", a.name(), m.Channel, summarize(value))
	}
	// The client stops only on what the endpoint did (broke the protocol, refused
	// the session, failed every connect up to the client's bound): the target's
	// failure, whatever the client's error type.
	var stopped error
	if err := a.notify.Err(); err != nil {
		stopped = targetError(nil, "%w", err)
	}
	a.stream.close(stopped)
}

// cleanup: chats still assigned are rejected or completed, the agent goes
// NotReady, notifications stop.
func (a *agent) cleanup(ctx context.Context, rn *run) {
	if a.sessionUp {
		rn.completeLeftovers(ctx, a)
		body := map[string]any{}
		gws.NotReady.Inject(body, gws.Injection{})
		if _, err := rn.send(ctx, a, request{method: gws.NotReady.Method, url: rn.t.BaseURL + gws.NotReady.Path, body: body, hasBody: true, auth: authBasic, csrf: true, purpose: gws.PurposeCleanup}); err != nil {
			rn.logf("cleanup %s: NotReady: %v", a.name(), err)
		}
	}
	if a.notify != nil {
		if err := a.notify.Disconnect(ctx); err != nil {
			rn.logf("cleanup %s: Bayeux disconnect: %v", a.name(), err)
		}
		// No pump runs when the handshake failed: nothing would ever close pumpDone,
		// and waiting on it would cost the whole cleanup deadline.
		if a.pumpDone != nil {
			select {
			case <-a.pumpDone:
			case <-ctx.Done():
			}
		}
	}
}

// completeLeftovers ends the chats the scenario left with the agent.
func (rn *run) completeLeftovers(ctx context.Context, a *agent) {
	resp, err := rn.send(ctx, a, request{method: gws.ListChats.Method, url: rn.t.BaseURL + gws.ListChats.Path, auth: authBasic, csrf: true, purpose: gws.PurposeCleanup})
	if err != nil || resp.status != http.StatusOK {
		rn.logf("cleanup %s: cannot list chats: %v", a.name(), err)
		return
	}
	chats, _ := asObject(resp.body)["chats"].([]any)
	for _, c := range chats {
		chat, _ := c.(map[string]any)
		id, _ := chat["id"].(string)
		state, _ := chat["state"].(string)
		if id == "" || state == gws.ChatCompleted {
			continue
		}
		name := "Complete"
		if state == gws.ChatInvited {
			name = "Reject"
		}
		op, _ := gws.Lookup(gws.DialectChats, name)
		body := map[string]any{}
		op.Inject(body, gws.Injection{})
		if _, err := rn.send(ctx, a, request{method: op.Method, url: rn.t.BaseURL + op.PathFor(id), body: body, hasBody: true, auth: authBasic, csrf: true, purpose: gws.PurposeCleanup}); err != nil {
			rn.logf("cleanup %s: %s %s: %v", a.name(), name, id, err)
		}
	}
}
