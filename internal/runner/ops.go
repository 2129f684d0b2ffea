package runner

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// opStep calls an operation of the registry, checks the answer, saves, then
// waits for the notifications listed in `then`.
func (rn *run) opStep(ctx context.Context, step *scenarios.Step, a *actor, start time.Time) *problem {
	ostep := step.Action.(*scenarios.OpStep)
	op := ostep.Op
	if op.Name == "" {
		return harnessError(step, "unknown operation %q for %s actor %s", ostep.Name, a.spec.Kind, a.name())
	}
	if (op.Caller() == gws.AgentCaller) != a.isAgent() {
		return harnessError(step, "operation %s (%s dialect) cannot be called by %s actor %s", op.Name, op.Dialect, a.spec.Kind, a.name())
	}
	path := op.Path
	if op.TakesChat() {
		chat, p := rn.chatOf(step, a, ostep.Chat)
		if p != nil {
			return p
		}
		path = op.PathFor(chat)
	}
	req := request{method: op.Method, auth: authBasic, csrf: true}
	if a.isAgent() {
		req.url = rn.t.BaseURL + path
	} else {
		req.url = rn.t.CustomerURL() + path
		req.header, req.auth = rn.customerHeaders(), authNone
	}
	query, p := rn.expandQuery(step, ostep.Query)
	if p != nil {
		return p
	}
	req.query = query
	in, p := rn.injection(step, a, op)
	if p != nil {
		return p
	}
	if op.Method != http.MethodGet {
		body, p := rn.opBody(step, ostep, in)
		if p != nil {
			return p
		}
		if op.RequestSchema != "" {
			if err := schemas.Validate(op.RequestSchema, body); err != nil {
				return harnessError(step, "the request body built from the scenario %v", err)
			}
		}
		req.body, req.hasBody = body, true
	} else {
		op.InjectQuery(req.query, in)
	}

	limit, p := rn.answerLimit(step, ostep.Within)
	if p != nil {
		return p
	}
	resp, p := rn.sendTimed(ctx, step, a, req, ostep.Within, limit)
	rn.pokeCustomers()
	if p != nil {
		return p
	}
	within := limit // the then items' default deadline (scenarios.Deadline)
	if ostep.Expect != nil && ostep.Expect.Refused {
		if p := rn.checkRefusal(ctx, step, a, resp, &op, within, start); p != nil {
			return p
		}
	} else if p := rn.checkResponse(step, resp, ostep.Expect, &op); p != nil {
		return p
	}
	if p := rn.deviate(step.Level, where(step), rn.saveFrom(step, resp.body, ostep.Save, "the response")); p != nil {
		return p
	}
	rn.afterOp(a, op, resp)
	if len(ostep.Then) > 0 {
		// A set: no page states the order of the notifications one request
		// causes (an await list after the step demands one).
		return rn.expectSet(ctx, step, a, ostep.Then, within, start)
	}
	return nil
}

// afterOp updates what the harness tracks about the actor: the agent's asked-for
// state, the customer's chat.
func (rn *run) afterOp(a *actor, op gws.Op, resp *response) {
	if !is2xx(resp.status) {
		return
	}
	switch {
	case op.Dialect == gws.Ready.Dialect && (op.Name == gws.Ready.Name || op.Name == gws.NotReady.Name):
		a.state = op.Name
	case op.Dialect == gws.StartContactCenterSession.Dialect && op.Name == gws.StartContactCenterSession.Name:
		a.sessionUp = true
	case op.Dialect == gws.RequestChat.Dialect && op.Name == gws.RequestChat.Name:
		body := asObject(resp.body)
		id, _ := body["id"].(string)
		key, _ := body["secureKey"].(string)
		if id == "" {
			return
		}
		a.chatID, a.secureKey = id, key
		rn.startPolling(a)
	}
}

// chatOf resolves the chat an op acts on: the step's `chat` expression, else the
// actor's current chat.
func (rn *run) chatOf(step *scenarios.Step, a *actor, expr string) (string, *problem) {
	if expr == "" {
		chat := a.currentChat()
		if chat == "" {
			if a.isAgent() {
				return "", harnessError(step, "%s has no current chat (no StatusChange Invited received yet); await one first or set chat:", a.name())
			}
			return "", harnessError(step, "%s has no chat yet; call RequestChat first", a.name())
		}
		return chat, nil
	}
	v, err := match.Expand(expr, rn.vars)
	if err != nil {
		return "", matchProblem(step, err)
	}
	chat, ok := v.(string)
	if !ok || chat == "" {
		return "", harnessError(step, "chat %q expands to %v, want a non-empty string", expr, v)
	}
	return chat, nil
}

// opBody expands the step's body and adds what the harness fills in itself
// (Op.Injected).
func (rn *run) opBody(step *scenarios.Step, ostep *scenarios.OpStep, in gws.Injection) (any, *problem) {
	expanded, err := match.Expand(ostep.Body, rn.vars)
	if err != nil {
		return nil, matchProblem(step, err)
	}
	if expanded == nil {
		expanded = map[string]any{}
	}
	body, ok := expanded.(map[string]any)
	if !ok {
		return nil, harnessError(step, "the body of %s must be a mapping, got %T", ostep.Name, expanded)
	}
	ostep.Op.Inject(body, in)
	return body, nil
}

// injection is what the harness fills into actor a's requests of op: for a
// customer, its nickname, secureKey and, where op carries one, routing hint.
func (rn *run) injection(step *scenarios.Step, a *actor, op gws.Op) (gws.Injection, *problem) {
	in := gws.Injection{RouteKey: rn.t.RouteKey()}
	if a.isAgent() {
		return in, nil
	}
	in.Nickname, in.SecureKey = a.nickname(), a.secureKey
	if slices.Contains(op.Injected, gws.RoutingField) {
		route, p := rn.route(step, a)
		if p != nil {
			return in, p
		}
		in.Route = route
	}
	return in, nil
}

// route is the customer's routeTo as the target reads it: agent actors by
// username, anything else ({{queue1}}, a literal queue name) as expanded,
// comma-separated.
func (rn *run) route(step *scenarios.Step, a *actor) (string, *problem) {
	var names []string
	for _, entry := range a.spec.RouteTo {
		if other, ok := rn.actors[entry]; ok {
			if !other.isAgent() {
				return "", harnessError(step, "%s routes to %s, which is not an agent", a.name(), entry)
			}
			names = append(names, other.account.Username)
			continue
		}
		v, err := match.Expand(entry, rn.vars)
		if err != nil {
			return "", matchProblem(step, err)
		}
		names = append(names, stringify(v))
	}
	return strings.Join(names, ","), nil
}

func (rn *run) expandQuery(step *scenarios.Step, query map[string]string) (url.Values, *problem) {
	values := url.Values{}
	for k, raw := range query {
		v, err := match.Expand(raw, rn.vars)
		if err != nil {
			return nil, matchProblem(step, err)
		}
		values.Set(k, stringify(v))
	}
	return values, nil
}

// httpStep sends a raw request.
func (rn *run) httpStep(ctx context.Context, step *scenarios.Step, a *actor) *problem {
	hs := step.Action.(*scenarios.HTTPStep)
	pathValue, err := match.Expand(hs.Path, rn.vars)
	if err != nil {
		return matchProblem(step, err)
	}
	path := stringify(pathValue)
	base := rn.t.BaseURL
	req := request{method: hs.Method, auth: hs.Auth, csrf: hs.CSRF, header: http.Header{}}
	if !a.isAgent() {
		base = rn.t.CustomerURL()
		req.header = rn.customerHeaders()
	}
	if req.auth == "" {
		req.auth = authBasic
		if !a.isAgent() {
			req.auth = authNone
		}
	}
	pathOnly, rawQuery, _ := strings.Cut(path, "?")
	req.url = base + pathOnly
	query, p := rn.expandQuery(step, hs.Query)
	if p != nil {
		return p
	}
	if rawQuery != "" {
		inline, err := url.ParseQuery(rawQuery)
		if err != nil {
			return harnessError(step, "query of %q: %v", path, err)
		}
		for k, vs := range inline {
			if !query.Has(k) {
				query[k] = vs
			}
		}
	}
	req.query = query
	for name, raw := range hs.Headers {
		v, err := match.Expand(raw, rn.vars)
		if err != nil {
			return matchProblem(step, err)
		}
		req.header.Set(name, stringify(v))
	}
	if hs.Body != nil {
		body, err := match.Expand(hs.Body, rn.vars)
		if err != nil {
			return matchProblem(step, err)
		}
		req.body, req.hasBody = body, true
	}
	limit, p := rn.answerLimit(step, hs.Within)
	if p != nil {
		return p
	}
	resp, p := rn.sendTimed(ctx, step, a, req, hs.Within, limit)
	rn.pokeCustomers()
	if p != nil {
		return p
	}
	var opp *gws.Op
	if op, _, known := gws.Identify(hs.Method, pathOnly, asObject(req.body)); known {
		opp = &op // its answer is checked like an op's
	}
	if hs.Expect != nil && hs.Expect.Refused {
		if p := rn.checkRefusal(ctx, step, a, resp, opp, limit, time.Now()); p != nil {
			return p
		}
	} else if p := rn.checkResponse(step, resp, hs.Expect, opp); p != nil {
		return p
	}
	return rn.deviate(step.Level, where(step), rn.saveFrom(step, resp.body, hs.Save, "the response"))
}

func pathEscape(s string) string { return url.PathEscape(s) }
