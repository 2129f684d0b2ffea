package generate

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Request steps: one op step (or http step) per recorded request, with its body, chat,
// credentials and expected answer.

// requestStep builds an op step for x, or an http step when no op step sends what x
// sent.
func (g *generator) requestStep(actor *genActor, x *fixture.Exchange) (step *scenarios.DocStep, ref *refVar, notifies bool) {
	op, params, known := x.Called()
	// A refused Complete is a raw request: as an op, the linter would take the chat as
	// completed and refuse the expectations that follow.
	refusedComplete := op.Name == "Complete" && x.Response.Status >= 400
	ownSide := (op.Caller() == gws.CustomerCaller) == (actor.kind == scenarios.KindCustomer)
	if !known || !ownSide || !g.ownCredentials(actor, x) || refusedComplete {
		return g.httpStep(actor, x), nil, false
	}
	var body fields
	if op.Method == http.MethodPost {
		var sendable bool
		if body, sendable = g.opBody(actor, x, op); !sendable {
			return g.httpStep(actor, x), nil, false
		}
	}
	step = &scenarios.DocStep{Actor: actor.name, Op: op.Name, Expect: g.expect(x, op)}
	if op.Dialect == gws.DialectInteractions {
		step.Dialect = string(op.Dialect)
	}
	if chatID := params["chat"]; chatID != "" && actor.kind == scenarios.KindAgent {
		step.Chat = g.chatRef(chatID, false)
	}
	if len(body) > 0 {
		step.Body = body
	} else if q := g.query(x.Request.Query); op.Method == http.MethodGet && len(q) > 0 {
		step.Query = q
	}
	if op.Name == gws.RequestChat.Name {
		step.Save = fields{{Key: g.newChatVar(x.Account), Value: "/id"}}
	}
	if id := fixture.ReferenceID(x.Response.Body.JSON); id != "" {
		g.nextRef++
		ref = &refVar{name: "ref" + strconv.Itoa(g.nextRef), value: id}
	}
	return step, ref, op.Notifies
}

// opBody is the body of an op step for x: the recorded body without what the runner
// fills in itself (gws.Op.StepBody), with recorded identities and chat ids replaced.
// False when no op step sends the recorded body (it leaves out a required parameter,
// or one the runner would add: a negative test, which only an http step can send).
func (g *generator) opBody(actor *genActor, x *fixture.Exchange, op gws.Op) (fields, bool) {
	doc, err := fixture.DecodeJSON(x.Request.Body.JSON)
	if err != nil {
		return nil, false
	}
	sent, ok := normalizeNumbers(doc).(map[string]any)
	if !ok {
		return nil, false
	}
	in := gws.Injection{Nickname: actor.nickname, SecureKey: actor.secureKey, RouteKey: g.routeKey, Route: g.routeHint(actor)}
	body, ok := op.StepBody(sent, in)
	if !ok {
		return nil, false
	}
	return g.pairs(body), true
}

// routeHint is the routing hint the runner sends for a customer actor: its routeTo
// entries, agents by username and queues by name.
func (g *generator) routeHint(c *genActor) string {
	var names []string
	for _, r := range c.routeTo {
		if queue, ok := strings.CutPrefix(r, "{{"); ok {
			names = append(names, strings.TrimSuffix(queue, "}}"))
			continue
		}
		for _, a := range g.agents {
			if a.name == r {
				names = append(names, a.username)
			}
		}
	}
	return strings.Join(names, ",")
}

func (g *generator) httpStep(actor *genActor, x *fixture.Exchange) *scenarios.DocStep {
	path := x.Request.Path
	for id, name := range g.chatVars {
		if g.defined[name] {
			path = strings.ReplaceAll(path, "/"+id, "/{{"+name+"}}")
		}
	}
	req := &scenarios.DocHTTP{Method: x.Request.Method, Path: path}
	// Raw customer requests carry their own secureKey: a wrong one is the point of the
	// step (the right one is left out: the chat's key is not a variable).
	wrongKey := actor.kind == scenarios.KindCustomer && requestSecureKey(x) != "" && requestSecureKey(x) != actor.secureKey
	q := g.query(x.Request.Query)
	if wrongKey && x.Request.Method == http.MethodGet {
		q = append(q, kv{Key: "secureKey", Value: wrongSecureKey})
	}
	req.Query = q
	if body := g.requestBody(x); len(body) > 0 || x.Request.Body.JSON != nil {
		if op := x.OperationName(); op != "" {
			body = append(fields{{Key: "operationName", Value: op}}, body...)
		}
		if wrongKey && x.Request.Method != http.MethodGet {
			body = append(body, kv{Key: "secureKey", Value: wrongSecureKey})
		}
		req.Body = body
	}
	if actor.kind == scenarios.KindAgent {
		switch auth := x.Request.Header.Get("Authorization"); {
		case auth == "":
			req.Auth = "none"
		case actor.auth != "" && auth != actor.auth:
			req.Auth = "wrong"
		}
		req.NoCSRF = x.Request.Method != http.MethodGet && x.Request.Header.Get("X-Csrf-Token") == ""
	}
	return &scenarios.DocStep{Actor: actor.name, HTTP: req, Expect: g.expect(x, gws.Op{})}
}

// wrongSecureKey stands for a customer secureKey that is not the chat's.
const wrongSecureKey = "not-the-key"

// ownCredentials: the request carries what the runner sends for the actor (an agent's
// Basic credentials and CSRF token; a customer's own secureKey). Anything else is the
// point of the step and needs an http step.
func (g *generator) ownCredentials(actor *genActor, x *fixture.Exchange) bool {
	if actor.kind == scenarios.KindCustomer {
		key := requestSecureKey(x)
		return key == "" || actor.secureKey == "" || key == actor.secureKey
	}
	auth := x.Request.Header.Get("Authorization")
	if auth == "" || (actor.auth != "" && auth != actor.auth) {
		return false
	}
	return x.Request.Method == http.MethodGet || x.Request.Header.Get("X-Csrf-Token") != ""
}

// requestSecureKey is the (redacted) secureKey a customer request sent, in its body or query.
func requestSecureKey(x *fixture.Exchange) string {
	var body struct {
		SecureKey string `json:"secureKey"`
	}
	if len(x.Request.Body.JSON) > 0 && json.Unmarshal(x.Request.Body.JSON, &body) == nil && body.SecureKey != "" {
		return body.SecureKey
	}
	values, _ := url.ParseQuery(x.Request.Query)
	return values.Get("secureKey")
}

// requestBody is the recorded body of a raw request without its operationName and
// secureKey (httpStep writes those itself), with recorded identities and chat ids
// replaced.
func (g *generator) requestBody(x *fixture.Exchange) fields {
	doc, err := fixture.DecodeJSON(x.Request.Body.JSON)
	if err != nil {
		return nil
	}
	obj, ok := normalizeNumbers(doc).(map[string]any)
	if !ok {
		return nil
	}
	delete(obj, "operationName")
	delete(obj, "secureKey")
	return g.pairs(obj)
}

// pairs is a body as ordered fields (sorted by key), with recorded identities and chat
// ids replaced.
func (g *generator) pairs(obj map[string]any) fields {
	out := g.substitute(obj).(map[string]any)
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make(fields, 0, len(keys))
	for _, k := range keys {
		v := out[k]
		if v == nil {
			v = jsonNull
		}
		pairs = append(pairs, kv{Key: k, Value: v})
	}
	return pairs
}

// substitute replaces recorded identities and known chat ids by variable references.
func (g *generator) substitute(v any) any {
	switch v := v.(type) {
	case string:
		if expr, ok := g.identity[v]; ok {
			return expr
		}
		if name, ok := g.chatVars[v]; ok && g.defined[name] {
			return "{{" + name + "}}"
		}
		return v
	case map[string]any:
		for k, c := range v {
			v[k] = g.substitute(c)
		}
	case []any:
		for i, c := range v {
			v[i] = g.substitute(c)
		}
	}
	return v
}

func (g *generator) query(raw string) fields {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil
	}
	var pairs fields
	for _, k := range sortedKeys(values) {
		if strings.EqualFold(k, "secureKey") || strings.EqualFold(k, "password") {
			continue // the runner sends the customer's secureKey
		}
		pairs = append(pairs, kv{Key: k, Value: g.substitute(values.Get(k))})
	}
	return pairs
}

// expect states the recorded answer: the status (a 4xx range for failures, as the
// catalogue does) and the body reduced to what a fresh run reproduces. Nil when the body
// says nothing beyond the op's default success shape.
func (g *generator) expect(x *fixture.Exchange, op gws.Op) *scenarios.DocExpect {
	status := x.Response.Status
	doc, _ := fixture.DecodeJSON(x.Response.Body.JSON)
	body := normalizeNumbers(doc)
	obj, _ := body.(map[string]any)
	success := status >= 200 && status < 300
	if success && op.Name != "" && len(obj) == 1 && (obj["statusCode"] == 0 || obj["status"] == "ok") {
		return nil // the default check says exactly this
	}
	exp := &scenarios.DocExpect{Status: status}
	g.reading = x.Request.Method == http.MethodGet
	defer func() { g.reading = false }()
	switch {
	case status >= 400 && status < 500:
		exp.Status = fields{{Key: "$range", Value: []any{400, 499}}}
	case success:
		exp.Status = fields{{Key: "$range", Value: []any{200, 299}}}
	}
	switch {
	case obj != nil:
		exp.Body = g.reduceObject(obj)
	case body != nil:
		exp.Body = g.reduce("", body)
	}
	return exp
}

// chatRef is the expression for a chat id: "{{var}}" once saved; the first time it is
// seen where a matcher can save it, {$save: var}; otherwise the recorded id.
func (g *generator) chatRef(id string, canSave bool) any {
	name, ok := g.chatVars[id]
	if !ok {
		name = g.newChatVar(id)
		g.defined[name] = false
	}
	if g.defined[name] {
		return "{{" + name + "}}"
	}
	if canSave {
		g.defined[name] = true
		return fields{{Key: "$save", Value: name}}
	}
	return id
}

// newChatVar names the chat id (chat, chat2, ...), defined from here on.
func (g *generator) newChatVar(id string) string {
	if name, ok := g.chatVars[id]; ok {
		g.defined[name] = true
		return name
	}
	name := "chat"
	if n := len(g.chatVars); n > 0 {
		name = "chat" + strconv.Itoa(n+1)
	}
	g.chatVars[id] = name
	g.defined[name] = true
	return name
}

// normalizeNumbers turns json.Number into int (or float64) so YAML and comparisons are plain.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, c := range v {
			v[k] = normalizeNumbers(c)
		}
	case []any:
		for i, c := range v {
			v[i] = normalizeNumbers(c)
		}
	}
	return v
}

func sortedKeys(values url.Values) []string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
