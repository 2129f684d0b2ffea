package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/schemas"
)

// setupAgents logs every agent in, concurrently: they are independent.
func (rn *run) setupAgents(ctx context.Context) *problem {
	var wg sync.WaitGroup
	problems := make([]*problem, len(rn.order))
	for i, a := range rn.order {
		if !a.isAgent() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			problems[i] = rn.setupAgent(ctx, a)
		}()
	}
	wg.Wait()
	for _, p := range problems {
		if p != nil {
			return p
		}
	}
	return nil
}

// setupAgent: GET /api/v2/me (user, CSRF token, session cookie), start the contact
// center session, subscribe to notifications, then Ready unless the actor says not.
func (rn *run) setupAgent(ctx context.Context, a *actor) *problem {
	who := a.name() + " (" + a.account.Username + ")"
	me, err := rn.send(ctx, a, request{method: gws.GetMe.Method, url: rn.t.BaseURL + gws.GetMe.Path, auth: authBasic, csrf: true, purpose: gws.PurposeSetup})
	if err != nil {
		return transportProblem(nil, "setting up "+who+": ", err)
	}
	switch {
	case me.status == http.StatusUnauthorized:
		return harnessError(nil, "setting up %s: GET /api/v2/me refused the credentials (HTTP 401); check the target's accounts", who).
			withDetail(describeResponse(me))
	case me.status != http.StatusOK:
		return harnessError(nil, "setting up %s: GET /api/v2/me answered HTTP %d, want 200", who, me.status).
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
		return harnessError(nil, "setting up %s: GET /api/v2/me sent no X-CSRF-HEADER header, so the harness cannot authorize POST requests", who)
	}
	a.csrfToken = me.header.Get(a.csrfHeader)
	if a.csrfToken == "" {
		return harnessError(nil, "setting up %s: GET /api/v2/me named CSRF header %q but sent no value for it", who, a.csrfHeader)
	}

	start := gws.StartContactCenterSession
	session := map[string]any{"channels": []any{gws.ChatChannel}}
	start.Inject(session, gws.Injection{})
	resp, err := rn.send(ctx, a, request{method: start.Method, url: rn.t.BaseURL + start.Path, body: session, hasBody: true, auth: authBasic, csrf: true, purpose: gws.PurposeSetup})
	if err != nil {
		return transportProblem(nil, "setting up "+who+": ", err)
	}
	if resp.status == http.StatusForbidden {
		return harnessError(nil, "setting up %s: StartContactCenterSession was refused (HTTP 403): the CSRF token or session cookie from GET /api/v2/me did not work", who).
			withDetail(describeResponse(resp))
	}
	if !is2xx(resp.status) || !successShape(resp.body, start.Shape) {
		return harnessError(nil, "setting up %s: StartContactCenterSession failed", who).withDetail(describeResponse(resp))
	}
	a.sessionUp = true
	a.state = gws.AgentNotReady

	if p := rn.subscribe(ctx, a, who); p != nil {
		return p
	}
	want := gws.AgentReady
	if !a.spec.Ready {
		want = gws.AgentNotReady
	}
	// The state the scenario asked for, whatever the target's default, and a proof
	// that notifications flow: its notification must come back before step 1.
	if p := rn.settleState(ctx, a, want); p != nil {
		p.reason = "setting up " + who + ": " + p.reason
		return p
	}
	// Another agent still in setup may be building timelines of every actor.
	rn.checkMu.Lock()
	a.cursor = a.stream.len()
	a.origin = a.cursor
	rn.checkMu.Unlock()
	return nil
}

// subscribe starts the Bayeux client on the agent's cookie jar and credentials.
func (rn *run) subscribe(ctx context.Context, a *actor, who string) *problem {
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
			return failure(nil, "setting up %s: Bayeux handshake on %s failed: %v", who, rn.t.NotificationsURL(), err)
		}
		return harnessError(nil, "setting up %s: Bayeux handshake on %s failed: %v", who, rn.t.NotificationsURL(), err)
	}
	a.pumpDone = make(chan struct{})
	go rn.pump(a)
	for _, channel := range gws.AgentChannels() {
		if err := a.notify.Subscribe(hctx, channel); err != nil {
			return failure(nil, "setting up %s: subscribing to %s failed: %v", who, channel, err)
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
func notifyDiagnosis(a *actor) string {
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
func (rn *run) pump(a *actor) {
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
	a.stream.close(a.notify.Err())
}

// cleanupAgent leaves the target as the scenario found it: chats still assigned
// are rejected or completed, the agent goes NotReady, notifications stop. Best
// effort: problems are logged, never reported.
func (rn *run) cleanupAgent(ctx context.Context, a *actor) {
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
func (rn *run) completeLeftovers(ctx context.Context, a *actor) {
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
