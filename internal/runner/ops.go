package runner

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// opStep calls an operation of the registry, checks the answer, saves, then
// waits for the notifications listed in `then`.
func (rn *run) opStep(ctx context.Context, step *scenarios.Step, a *actor, start time.Time) *problem {
	ostep := step.Op
	op := ostep.Op
	if op.Name == "" {
		return harnessError(step, "unknown operation %q for %s actor %s", ostep.Name, a.spec.Kind, a.name())
	}
	if (op.Kind() == scenarios.KindCustomer) != !a.isAgent() {
		return harnessError(step, "operation %s (%s dialect) cannot be called by %s actor %s", op.Name, op.Dialect, a.spec.Kind, a.name())
	}
	path := op.Path
	if strings.Contains(path, "{chat}") {
		chat, p := rn.chatOf(step, a, ostep.Chat)
		if p != nil {
			return p
		}
		path = strings.ReplaceAll(path, "{chat}", pathEscape(chat))
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
	if op.Method != http.MethodGet {
		body, p := rn.opBody(step, a, ostep)
		if p != nil {
			return p
		}
		if op.RequestSchema != "" {
			if err := schemas.Validate(op.RequestSchema, body); err != nil {
				return harnessError(step, "the request body built from the scenario %v", err)
			}
		}
		req.body, req.hasBody = body, true
	} else if !a.isAgent() && a.secureKey != "" && !req.query.Has("secureKey") {
		req.query.Set("secureKey", a.secureKey)
	}

	limit, p := rn.answerLimit(step, ostep.Deadline)
	if p != nil {
		return p
	}
	resp, p := rn.sendTimed(ctx, step, a, req, ostep.Deadline, limit)
	rn.pokeCustomers()
	if p != nil {
		return p
	}
	within := ostep.Within
	if within == 0 {
		within = limit // a `within` with variables, resolved above
	}
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
		return rn.expectOrdered(ctx, step, a, ostep.Then, within, start)
	}
	return nil
}

// afterOp updates what the harness tracks about the actor: the agent's asked-for
// state, the customer's chat.
func (rn *run) afterOp(a *actor, op scenarios.Op, resp *response) {
	if !is2xx(resp.status) {
		return
	}
	switch {
	case a.isAgent() && op.Dialect == scenarios.DialectAgent && (op.Name == "Ready" || op.Name == "NotReady"):
		a.state = op.Name
	case a.isAgent() && op.Name == "StartContactCenterSession":
		a.sessionUp = true
	case !a.isAgent() && op.Name == "RequestChat":
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

// opBody expands the step's body and adds what every call of the op carries:
// operationName, and for customers the secureKey and the routing hint.
func (rn *run) opBody(step *scenarios.Step, a *actor, ostep *scenarios.OpStep) (any, *problem) {
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
	if _, set := body["operationName"]; !set {
		body["operationName"] = ostep.Name
	}
	if a.isAgent() {
		return body, nil
	}
	if ostep.Name == "RequestChat" {
		if _, set := body["nickname"]; !set {
			body["nickname"] = a.nickname()
		}
		if p := rn.addRouting(step, a, body); p != nil {
			return nil, p
		}
		return body, nil
	}
	if _, set := body["secureKey"]; !set && a.secureKey != "" {
		body["secureKey"] = a.secureKey
	}
	return body, nil
}

// addRouting sets userData[RoutingKey] to the actor's routeTo: agent actors by
// username, anything else ({{queue1}}, a literal queue name) as expanded.
func (rn *run) addRouting(step *scenarios.Step, a *actor, body map[string]any) *problem {
	if len(a.spec.RouteTo) == 0 {
		return nil
	}
	var names []string
	for _, entry := range a.spec.RouteTo {
		if other, ok := rn.actors[entry]; ok {
			if !other.isAgent() {
				return harnessError(step, "%s routes to %s, which is not an agent", a.name(), entry)
			}
			names = append(names, other.account.Username)
			continue
		}
		v, err := match.Expand(entry, rn.vars)
		if err != nil {
			return matchProblem(step, err)
		}
		names = append(names, stringify(v))
	}
	userData, _ := body["userData"].(map[string]any)
	if userData == nil {
		userData = map[string]any{}
		body["userData"] = userData
	}
	if _, set := userData[rn.t.RouteKey()]; !set {
		userData[rn.t.RouteKey()] = strings.Join(names, ",")
	}
	return nil
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
	hs := step.HTTP
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
	limit, p := rn.answerLimit(step, hs.Deadline)
	if p != nil {
		return p
	}
	resp, p := rn.sendTimed(ctx, step, a, req, hs.Deadline, limit)
	rn.pokeCustomers()
	if p != nil {
		return p
	}
	op, known := opForPath(hs.Method, pathOnly, req.body)
	var opp *scenarios.Op
	if known {
		opp = &op
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

// opForPath finds the registry operation a raw request corresponds to, so its
// answer can be validated like an op's.
func opForPath(method, path string, body any) (scenarios.Op, bool) {
	name, _ := asObject(body)["operationName"].(string)
	var candidate scenarios.Op
	found := false
	for _, op := range scenarios.Ops() {
		if op.Method != method || !pathMatches(op.Path, path) {
			continue
		}
		if name != "" && op.Name == name {
			return op, true
		}
		if !found {
			candidate, found = op, true
		}
	}
	return candidate, found
}

// pathMatches compares a registry template ({chat} is one segment) with a path.
func pathMatches(template, path string) bool {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if ts[i] == "{chat}" {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

func pathEscape(s string) string { return url.PathEscape(s) }
