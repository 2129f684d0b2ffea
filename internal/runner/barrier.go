package runner

import (
	"context"
	"net/http"
	"time"

	"github.com/gwsconform/gwsconform/scenarios"
)

// barrier proves that everything the target sent the actor before now has
// arrived: the actor makes a request whose effect it must see, and the target
// delivers in order, so anything earlier is in the stream once the effect is.
func (rn *run) barrier(ctx context.Context, step *scenarios.Step, a *actor) *problem {
	if a.isAgent() {
		return rn.agentBarrier(ctx, step, a)
	}
	return rn.customerBarrier(ctx, step, a)
}

// agentBarrier re-sends the agent's current state; every such request yields a
// ChannelStateChangeMessageV2 queued after whatever came before it.
func (rn *run) agentBarrier(ctx context.Context, step *scenarios.Step, a *actor) *problem {
	if a.notify == nil {
		return nil
	}
	from := a.stream.len()
	body := map[string]any{"operationName": a.state}
	resp, err := rn.send(ctx, a, request{method: http.MethodPost, url: rn.t.BaseURL + "/api/v2/me/channels/chat",
		body: body, hasBody: true, auth: authBasic, csrf: true})
	if err != nil {
		return harnessError(step, "barrier for %s: %v", a.name(), err)
	}
	if !is2xx(resp.status) || !successShape(resp.body, scenarios.ShapeStatusCode) {
		return failure(step, "barrier for %s: POST /api/v2/me/channels/chat %s failed", a.name(), a.state).
			withDetail("expected: HTTP 2xx with {\"statusCode\":0}\nreceived: " + describeResponse(resp))
	}
	deadline := time.Now().Add(rn.t.NotificationWait())
	result := rn.waitOn(ctx, a, deadline, func(events []event) bool {
		for _, e := range events[min(from, len(events)):] {
			if isChannelState(e.value, a.state) {
				return true
			}
		}
		return false
	})
	switch result {
	case waitFound:
		return nil
	case waitCanceled:
		return rn.canceled(step, ctx)
	case waitClosed:
		_, _, _, err := a.stream.snapshot()
		return streamEndProblem(step, a, err)
	}
	return failure(step, "barrier for %s: %s was answered but no ChannelStateChangeMessageV2 followed within %s (the target must notify the agent's state on every Ready/NotReady, even when unchanged)",
		a.name(), a.state, rn.t.NotificationWait())
}

// customerBarrier sends a typing notice and waits to read it back from the
// transcript; an ended chat gets one final read instead.
func (rn *run) customerBarrier(ctx context.Context, step *scenarios.Step, a *actor) *problem {
	p := a.poller
	if p == nil {
		return nil // no chat yet: nothing can have been delivered
	}
	if p.hasEnded() {
		return nil // the poller's last read came after the end: the transcript is complete
	}
	from := a.stream.len()
	body := map[string]any{"operationName": "SendStartTypingNotification", "secureKey": a.secureKey}
	resp, err := rn.send(ctx, a, request{method: http.MethodPost, url: rn.t.CustomerURL() + "/api/v2/chats/" + pathEscape(a.chatID),
		body: body, hasBody: true, header: rn.customerHeaders(), auth: authNone})
	if err != nil {
		return harnessError(step, "barrier for %s: %v", a.name(), err)
	}
	if !is2xx(resp.status) || !successShape(resp.body, scenarios.ShapeStatusCode) {
		// The chat may have ended since the last read; a final read settles it.
		if ended, err := p.read(ctx); err == nil && ended {
			return nil
		}
		return failure(step, "barrier for %s: SendStartTypingNotification failed on a chat that has not ended", a.name()).
			withDetail("expected: HTTP 2xx with {\"statusCode\":0}\nreceived: " + describeResponse(resp))
	}
	deadline := time.Now().Add(rn.t.NotificationWait())
	result := rn.waitOn(ctx, a, deadline, func(events []event) bool {
		for _, e := range events[min(from, len(events)):] {
			m := asObject(e.value)
			if m["type"] == "TypingStarted" && asObject(m["from"])["type"] == "Customer" {
				return true
			}
		}
		return false
	})
	switch result {
	case waitFound:
		return nil
	case waitCanceled:
		return rn.canceled(step, ctx)
	case waitClosed:
		if _, _, _, err := a.stream.snapshot(); err != nil {
			return streamEndProblem(step, a, err)
		}
		return nil // the chat ended: the final read is in
	}
	return failure(step, "barrier for %s: its TypingStarted did not appear in the transcript within %s", a.name(), rn.t.NotificationWait())
}

// isChannelState reports whether v is a ChannelStateChangeMessageV2 for the chat
// channel in state (when it names the chat channel's state at all). Checking the
// state keeps a late notification of an earlier request from passing for this one.
func isChannelState(v any, state string) bool {
	n := asObject(v)
	if n["messageType"] != "ChannelStateChangeMessageV2" {
		return false
	}
	for _, c := range asSlice(n["channels"]) {
		ch := asObject(c)
		if ch["channel"] != "chat" {
			continue
		}
		if got, ok := asObject(ch["userState"])["state"].(string); ok {
			return got == state
		}
	}
	return true
}
