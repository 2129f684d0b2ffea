package runner

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// opStep calls an operation of the registry, checks the answer, saves, then
// waits for the notifications listed in `then`.
func (rn *run) opStep(ctx context.Context, step *scenarios.Step, a actor, start time.Time) error {
	ostep := step.Action.(*scenarios.OpStep)
	op := ostep.Op
	kind := a.core().spec.Kind
	if op.Name == "" {
		return scenarioError(step, "unknown operation %q for %s actor %s", ostep.Name, kind, a.name())
	}
	if op.Caller() != a.traits().caller {
		return scenarioError(step, "operation %s (%s dialect) cannot be called by %s actor %s", op.Name, op.Dialect, kind, a.name())
	}
	// stepOp is what the scenario wrote, op what goes on the wire: a GMS
	// customer plays a GWS customer operation as its GMS equivalent, and its
	// answer is presented to the step in the GWS spelling (gmscustomer.go).
	stepOp := op
	op, renames, err := a.wire(step, op)
	if err != nil {
		return err
	}
	translated := op.Dialect != stepOp.Dialect
	path := op.Path
	if op.TakesChat() {
		chat, err := rn.chatOf(step, a, ostep.Chat)
		if err != nil {
			return err
		}
		path = op.PathFor(chat)
	}
	base, header, auth := a.endpoint(rn)
	req := request{method: op.Method, url: base + path, header: header, auth: auth, csrf: true}
	query, err := rn.expandQuery(step, ostep.Query)
	if err != nil {
		return err
	}
	req.query = query
	in, err := a.injection(rn, step, op)
	if err != nil {
		return err
	}
	if op.Method != http.MethodGet {
		body, err := rn.opBody(step, ostep, op, in)
		if err != nil {
			return err
		}
		if op.RequestSchema != "" {
			if err := schemas.Validate(op.RequestSchema, body); err != nil {
				return scenarioError(step, "the request body built from the scenario %v", err)
			}
		}
		req.body, req.hasBody = body, true
		if op.IsGMS() {
			form, err := gws.GMSForm(body, renames)
			if err != nil {
				return scenarioError(step, "the body of %s as a GMS form: %v", ostep.Name, err)
			}
			req.form, req.body, req.hasBody = form, nil, false
		}
	} else {
		op.InjectQuery(req.query, in)
	}

	limit, err := rn.answerLimit(step, ostep.Within)
	if err != nil {
		return err
	}
	resp, err := rn.sendTimed(ctx, step, a, req, ostep.Within, limit)
	if err == nil && op.IsGMS() {
		resp, err = rn.retryGMS(ctx, step, a, req, ostep.Within, limit, resp)
	}
	rn.pokeCustomers()
	if err != nil {
		return err
	}
	if translated && resp.decodeErr == nil {
		resp.wire, resp.body = resp.body, gws.GMSAnswerAsGWS(stepOp, resp.body)
	}
	within := limit // the then items' default deadline (scenarios.Deadline)
	if ostep.Expect != nil && ostep.Expect.Refused {
		if err := rn.checkRefusal(ctx, step, a, resp, &op, within, start); err != nil {
			return err
		}
	} else if err := rn.checkResponse(step, resp, ostep.Expect, &op); err != nil {
		return err
	}
	if err := rn.deviate(step.Level, where(step), rn.saveFrom(step, resp.body, ostep.Save, "the response")); err != nil {
		return err
	}
	if is2xx(resp.status) {
		a.answered(rn, op, resp)
	}
	if len(ostep.Then) > 0 {
		// A set: no page states the order of the notifications one request
		// causes (an await list after the step demands one).
		return rn.expectSet(ctx, step, a, ostep.Then, within, start)
	}
	return nil
}

// chatOf resolves the chat an op acts on: the step's `chat` expression, else the
// actor's current chat.
func (rn *run) chatOf(step *scenarios.Step, a actor, expr string) (string, error) {
	if expr == "" {
		chat, missing := a.currentChat()
		if chat == "" {
			return "", scenarioError(step, "%s %s", a.name(), missing)
		}
		return chat, nil
	}
	v, err := match.Expand(expr, rn.vars)
	if err != nil {
		return "", matchProblem(step, err)
	}
	chat, ok := v.(string)
	if !ok || chat == "" {
		return "", scenarioError(step, "chat %q expands to %v, want a non-empty string", expr, v)
	}
	return chat, nil
}

// opBody expands the step's body and adds what the harness fills in itself
// (Op.Injected).
func (rn *run) opBody(step *scenarios.Step, ostep *scenarios.OpStep, op gws.Op, in gws.Injection) (map[string]any, error) {
	expanded, err := match.Expand(ostep.Body, rn.vars)
	if err != nil {
		return nil, matchProblem(step, err)
	}
	if expanded == nil {
		expanded = map[string]any{}
	}
	body, ok := expanded.(map[string]any)
	if !ok {
		return nil, scenarioError(step, "the body of %s must be a mapping, got %T", ostep.Name, expanded)
	}
	op.Inject(body, in)
	return body, nil
}

func (rn *run) expandQuery(step *scenarios.Step, query map[string]string) (url.Values, error) {
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
func (rn *run) httpStep(ctx context.Context, step *scenarios.Step, a actor) error {
	hs := step.Action.(*scenarios.HTTPStep)
	pathValue, err := match.Expand(hs.Path, rn.vars)
	if err != nil {
		return matchProblem(step, err)
	}
	path := stringify(pathValue)
	base, header, auth := a.endpoint(rn)
	req := request{method: hs.Method, auth: cmp.Or(hs.Auth, auth), csrf: hs.CSRF, header: header}
	pathOnly, rawQuery, _ := strings.Cut(path, "?")
	req.url = base + pathOnly
	query, err := rn.expandQuery(step, hs.Query)
	if err != nil {
		return err
	}
	if rawQuery != "" {
		inline, err := url.ParseQuery(rawQuery)
		if err != nil {
			return scenarioError(step, "query of %q: %v", path, err)
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
	limit, err := rn.answerLimit(step, hs.Within)
	if err != nil {
		return err
	}
	resp, err := rn.sendTimed(ctx, step, a, req, hs.Within, limit)
	rn.pokeCustomers()
	if err != nil {
		return err
	}
	var opp *gws.Op
	if op, _, known := gws.Identify(hs.Method, pathOnly, asObject(req.body)); known {
		opp = &op // its answer is checked like an op's
	}
	if hs.Expect != nil && hs.Expect.Refused {
		if err := rn.checkRefusal(ctx, step, a, resp, opp, limit, time.Now()); err != nil {
			return err
		}
	} else if err := rn.checkResponse(step, resp, hs.Expect, opp); err != nil {
		return err
	}
	return rn.deviate(step.Level, where(step), rn.saveFrom(step, resp.body, hs.Save, "the response"))
}

func pathEscape(s string) string { return url.PathEscape(s) }
