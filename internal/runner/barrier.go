package runner

import (
	"context"
	"net/http"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// A barrier proves that everything the target sent an actor before now has
// arrived: the actor makes a request whose effect it must see, and the target
// delivers in order, so anything earlier is in the stream once the effect is.

// barrier moves the agent out of its current state and back (notes/agent-state
// documents the notification of a state change; nothing documents one for an
// unchanged state). Both requests go out at once and their notifications are
// awaited in order: the second is queued after everything sent before the
// barrier, and a slow target costs one notification delay, not two. A barrier
// that cannot be established is the harness's problem, not a finding about the
// target: the checks it guards were not proved.
func (a *agent) barrier(ctx context.Context, rn *run, step *scenarios.Step) error {
	if a.notify == nil {
		return nil
	}
	back := a.state
	away := "NotReady"
	if back == "NotReady" {
		away = "Ready"
	}
	from := a.stream.len()
	for _, state := range []string{away, back} {
		if err := rn.askState(ctx, step, a, state, gws.PurposeBarrier); err != nil {
			a.state = back
			return err
		}
	}
	at, err := rn.awaitState(ctx, step, a, away, from)
	if err == nil {
		_, err = rn.awaitState(ctx, step, a, back, at+1)
	}
	return err
}

// settleState puts an agent whose state is not known yet in the state its actor
// asks for, and proves that notifications flow before step 1. Usually that is a
// real change (agents are NotReady after StartContactCenterSession) and its
// notification comes. When none comes by the deadline, the agent was in that
// state already on a target that notifies only changes: a Ready agent then
// changes away and back, so its readiness is still proved; a NotReady agent is
// left as it is (a trip through Ready could have a chat routed to it), and no
// late notification can be mistaken for one of the scenario's.
func (rn *run) settleState(ctx context.Context, a *agent, state string) error {
	err := rn.changeState(ctx, nil, a, state)
	if !isUnnotified(err) {
		return err
	}
	if state == "NotReady" {
		rn.logf("%s: no notification for NotReady: it was NotReady already", a.name())
		return nil
	}
	rn.logf("%s: no notification for %s (already in it?): changing away and back", a.name(), state)
	for _, s := range []string{"NotReady", state} {
		if err := rn.changeState(ctx, nil, a, s); err != nil {
			return err
		}
	}
	return nil
}

// changeState asks for state and waits for its notification.
func (rn *run) changeState(ctx context.Context, step *scenarios.Step, a *agent, state string) error {
	from := a.stream.len()
	if err := rn.askState(ctx, step, a, state, gws.PurposeSetup); err != nil {
		return err
	}
	_, err := rn.awaitState(ctx, step, a, state, from)
	return err
}

// askState sends Ready or NotReady for the agent.
func (rn *run) askState(ctx context.Context, step *scenarios.Step, a *agent, state string, purpose gws.Purpose) error {
	body := map[string]any{"operationName": state}
	resp, err := rn.send(ctx, a, request{method: http.MethodPost, url: rn.t.BaseURL + "/api/v2/me/channels/chat",
		body: body, hasBody: true, auth: authBasic, csrf: true, purpose: purpose})
	if err != nil {
		return placed(step, "barrier for "+a.name()+": ", err)
	}
	if !is2xx(resp.status) || !successShape(resp.body, gws.ShapeStatusCode) {
		return scenarioError(step, "barrier for %s: cannot prove delivery: POST /api/v2/me/channels/chat %s was refused", a.name(), state).
			withDetail("expected: HTTP 2xx with {\"statusCode\":0}\nreceived: " + describeResponse(resp))
	}
	a.state = state
	return nil
}

// awaitState waits for a ChannelStateChangeMessageV2 showing state at or after the
// stream position from, and returns its position.
func (rn *run) awaitState(ctx context.Context, step *scenarios.Step, a *agent, state string, from int) (int, error) {
	found := -1
	deadline := time.Now().Add(rn.t.NotificationWait())
	result, decided := rn.waitOn(ctx, step, a, deadline, func(events []event) bool {
		for i := min(from, len(events)); i < len(events); i++ {
			if gws.IsChannelState(events[i].value, state) {
				found = i
				return true
			}
		}
		return false
	})
	if decided != nil {
		return -1, decided
	}
	switch result {
	case waitFound:
		return found, nil
	case waitCanceled:
		return -1, rn.canceled(step, ctx)
	case waitClosed:
		_, _, _, err := a.stream.snapshot()
		return -1, streamEndProblem(step, a, err)
	}
	diagnosis := notifyDiagnosis(a)
	p := scenarioError(step, "barrier for %s: cannot prove delivery: %s was answered but no ChannelStateChangeMessageV2 showing %s followed within %s%s",
		a.name(), state, state, rn.t.NotificationWait(), diagnosis)
	// Silence is "perhaps the agent was in that state already" only while the
	// notification channel looks healthy.
	p.unnotified = diagnosis == ""
	return -1, p
}

// barrier reads the transcript afresh: the customer API is read, not pushed, so
// one complete read made now holds everything the target had added before it.
func (c *customer) barrier(ctx context.Context, rn *run, step *scenarios.Step) error {
	p := c.poller
	if p == nil {
		return nil // no chat yet: nothing can have been delivered
	}
	if _, err := p.fetch(ctx); err != nil {
		if ctx.Err() != nil {
			return rn.canceled(step, ctx)
		}
		return placed(step, "barrier for "+c.name()+": reading the transcript: ", err)
	}
	return nil
}
