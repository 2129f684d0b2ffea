package runner

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// gmsCustomer is a customer actor on a target whose customers use GMS Chat API
// v2 (target customerAPI: gms). It plays the scenario's customer steps, written
// once for both customer APIs, over GMS: a GWS customer operation goes out as its
// GMS equivalent (gws.GMSFor), form-encoded, and its answer and the transcript
// are presented in the GWS spelling (gws.GMSAnswerAsGWS, gws.GMSMessageAsGWS), so
// the catalogue's expectations hold for both. GMS operations named by their GMS
// names (send, refresh, ...) go out as written and are answered as GMS writes
// them. Every GMS answer is checked against its gms/ schema as sent.
//
// It is a customer (routing, the transcript stream, follow, barrier, the current
// chat); what differs is the wire: the endpoint, the session fields every GMS
// request carries, the transcript read, the cleanup.
type gmsCustomer struct {
	customer
	// mu guards the session fields, which the poller's answers update too (the
	// alias may change within a session: APIResponses).
	mu     sync.Mutex
	userID string
	alias  string
}

// GMS statusCode 1 is "an error, the client can keep trying until it receives
// statusCode 0" (APIResponses): the harness, playing the client, tries again, at
// most gmsRetries times, gmsRetryDelay apart.
const (
	gmsRetries    = 5
	gmsRetryDelay = 50 * time.Millisecond
)

func (g *gmsCustomer) endpoint(rn *run) (string, http.Header, string) {
	return rn.t.GMSServiceURL(), rn.customerHeaders(), authNone
}

// wire: a GMS operation goes out as written; a GWS customer operation as its GMS
// equivalent; one without (GetChat, GetMessages) is the scenario's mistake: what
// only the GWS customer API expresses requires customer.gws-api.
func (g *gmsCustomer) wire(step *scenarios.Step, op gws.Op) (gws.Op, map[string]string, error) {
	if op.IsGMS() {
		return op, nil, nil
	}
	gms, renames, ok := gws.GMSFor(op)
	if !ok {
		return op, nil, scenarioError(step, "%s has no GMS Chat API v2 equivalent, and %s's target uses GMS: a scenario calling it requires %s", op.Name, g.name(), gws.FeatureGWSCustomer)
	}
	return gms, renames, nil
}

func (g *gmsCustomer) injection(rn *run, step *scenarios.Step, op gws.Op) (gws.Injection, error) {
	in, err := g.customer.injection(rn, step, op)
	g.mu.Lock()
	in.UserID, in.Alias = g.userID, g.alias
	g.mu.Unlock()
	return in, err
}

// remember keeps the session fields of a successful GMS answer: the alias may
// change, and the request chat answer hands out the rest.
func (g *gmsCustomer) remember(body map[string]any) {
	if body["statusCode"] != float64(0) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if v, ok := body["alias"].(string); ok && v != "" {
		g.alias = v
	}
	if v, ok := body["userId"].(string); ok && v != "" {
		g.userID = v
	}
}

// answered: the chat a request chat answer names is the customer's from now on,
// and its transcript is refreshed; every answer may carry a new alias.
func (g *gmsCustomer) answered(rn *run, op gws.Op, resp *response) {
	body := asObject(resp.wireBody())
	g.remember(body)
	if op.Name != gws.GMSRequestChat.Name || !op.IsGMS() {
		return
	}
	id, _ := body["chatId"].(string)
	if id == "" || body["statusCode"] != float64(0) {
		return
	}
	g.mu.Lock() // a poller of an earlier chat may still be reading them
	g.chatID = id
	g.secureKey, _ = body["secureKey"].(string)
	g.mu.Unlock()
	rn.startPollingWith(&g.customer, func(p *poller) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) { return g.read(ctx, p) }
	})
}

// sessionRequest is a harness request of op on the customer's chat: the session
// fields and extra as the form.
func (g *gmsCustomer) sessionRequest(rn *run, op gws.Op, extra map[string]string, purpose gws.Purpose) request {
	g.mu.Lock()
	form := map[string][]string{"userId": {g.userID}, "secureKey": {g.secureKey}, "alias": {g.alias}}
	chat := g.chatID
	g.mu.Unlock()
	for k, v := range extra {
		form[k] = []string{v}
	}
	return request{method: http.MethodPost, url: rn.t.GMSServiceURL() + op.PathFor(chat),
		form: form, header: rn.customerHeaders(), auth: authNone, purpose: purpose}
}

// retryGMS asks again while a GMS answer says statusCode 1 (see gmsRetries).
func (rn *run) retryGMS(ctx context.Context, step *scenarios.Step, a actor, req request, within *scenarios.Deadline, limit time.Duration, resp *response) (*response, error) {
	for try := 0; try < gmsRetries && asObject(resp.body)["statusCode"] == float64(1); try++ {
		if err := sleep(ctx, gmsRetryDelay); err != nil {
			return nil, rn.canceled(step, ctx)
		}
		rn.logf("%s: statusCode 1, trying again (GMS: the client can keep trying)", a.name())
		var err error
		if resp, err = rn.sendTimed(ctx, step, a, req, within, limit); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// refresh is one GMS refresh from position from, retried on statusCode 1.
func (g *gmsCustomer) refresh(ctx context.Context, rn *run, chat string, from int) (map[string]any, error) {
	req := g.sessionRequest(rn, gws.GMSRefresh, map[string]string{"transcriptPosition": strconv.Itoa(from)}, gws.PurposePoll)
	what := "GMS refresh of chat " + chat
	for try := 0; ; try++ {
		resp, err := rn.send(ctx, g, req)
		if err != nil {
			return nil, err
		}
		if resp.status != http.StatusOK {
			return nil, targetError(nil, "%s answered HTTP %d, want 200 (APIResponses: statusCode is in an HTTP 200 answer): %s", what, resp.status, abbreviate(string(resp.raw), 300))
		}
		if resp.decodeErr != nil {
			return nil, targetError(nil, "%s: the answer is not JSON: %v", what, resp.decodeErr)
		}
		if err := schemas.Validate(gws.GMSRefresh.ResponseSchema, resp.body); err != nil {
			return nil, invalidPayload(nil, err, what+" answer")
		}
		body := asObject(resp.body)
		if body["statusCode"] == float64(1) && try < gmsRetries {
			if err := sleep(ctx, gmsRetryDelay); err != nil {
				return nil, err
			}
			continue
		}
		return body, nil
	}
}

// read refreshes the transcript from the poller's position and appends the new
// messages in the GWS spelling. It reports whether the chat has ended
// (chatEnded). nextPosition is followed as the documentation says; a message at
// or below the last one seen is a repeat and is dropped (the transcript is what
// counts), so a nextPosition that does not advance costs reads, not duplicates:
// the scenarios check nextPosition itself.
func (g *gmsCustomer) read(ctx context.Context, p *poller) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return true, nil
	}
	rn := p.rn
	body, err := g.refresh(ctx, rn, p.chatID, p.next)
	if err != nil {
		return false, err
	}
	switch body["statusCode"] {
	case float64(0):
	case float64(2):
		if body["chatEnded"] == true {
			p.ended = true
			return true, nil
		}
		return false, targetError(nil, "GMS refresh of chat %s answered statusCode 2 (repeating will not succeed) without chatEnded: %s", p.chatID, abbreviate(compactJSON(body), 300))
	default:
		return false, targetError(nil, "GMS refresh of chat %s kept answering statusCode %v after %d tries", p.chatID, body["statusCode"], gmsRetries+1)
	}
	g.remember(body)
	messages, _ := body["messages"].([]any)
	at := time.Now()
	last := p.next - 1
	prev, prevAt := -1, 0
	for i, m := range messages {
		index, ok := messageIndex(m)
		if ok && prev >= 0 && index <= prev {
			return false, targetError(nil, "GMS refresh of chat %s answered messages[%d] with index %d after messages[%d] with index %d: a repeated or decreasing index", p.chatID, i, index, prevAt, prev)
		}
		if ok {
			prev, prevAt = index, i
		}
		if ok && index <= p.last {
			continue
		}
		if ok {
			last = max(last, index)
		}
		p.c.stream.add(at, "transcript", gws.GMSMessageAsGWS(m), schemas.Validate("gms/message", m))
		rn.logf("%s <- transcript %s", g.name(), summarize(m))
		p.last = max(p.last, index)
	}
	if next, ok := body["nextPosition"].(float64); ok && next == float64(int(next)) {
		p.next = int(next)
	} else {
		p.next = last + 1
	}
	if body["chatEnded"] == true {
		p.ended = true
	}
	return p.ended, nil
}

// cleanup stops reading and disconnects a chat that has not ended, so it is not
// routed to an agent of a later scenario.
func (g *gmsCustomer) cleanup(ctx context.Context, rn *run) {
	p := g.poller
	if p == nil {
		return
	}
	ended := p.hasEnded()
	p.halt()
	if ended {
		return
	}
	resp, err := rn.send(ctx, g, g.sessionRequest(rn, gws.GMSDisconnect, nil, gws.PurposeCleanup))
	switch {
	case err != nil:
		rn.logf("cleanup %s: disconnect: %v", g.name(), err)
	case resp.status != http.StatusOK || asObject(resp.body)["statusCode"] != float64(0):
		rn.logf("cleanup %s: disconnect answered HTTP %d %s", g.name(), resp.status, abbreviate(string(resp.raw), 200))
	}
}
