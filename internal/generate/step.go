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
func (g *generator) requestStep(actor *genActor, x *fixture.Exchange) (step []kv, ref *refVar, notifies bool) {
	op, params, known := x.Called()
	// A refused Complete is a raw request: as an op, the linter would take the chat as
	// completed and refuse the expectations that follow.
	refusedComplete := op.Name == "Complete" && x.Response.Status >= 400
	ownSide := (op.Caller() == gws.CustomerCaller) == (actor.kind == scenarios.KindCustomer)
	if !known || !ownSide || !g.ownCredentials(actor, x) || refusedComplete {
		return g.httpStep(actor, x), nil, false
	}
	var body []kv
	if op.Method == http.MethodPost {
		var sendable bool
		if body, sendable = g.opBody(actor, x, op); !sendable {
			return g.httpStep(actor, x), nil, false
		}
	}
	step = []kv{{"op", op.Name}}
	if op.Dialect == gws.DialectInteractions {
		step = append(step, kv{"dialect", string(op.Dialect)})
	}
	if chatID := params["chat"]; chatID != "" && actor.kind == scenarios.KindAgent {
		step = append(step, kv{"chat", g.chatRef(chatID, false)})
	}
	if len(body) > 0 {
		step = append(step, kv{"body", body})
	} else if q := g.query(x.Request.Query); op.Method == http.MethodGet && len(q) > 0 {
		step = append(step, kv{"query", q})
	}
	if exp := g.expect(x, op); exp != nil {
		step = append(step, kv{"expect", exp})
	}
	if op.Name == gws.RequestChat.Name {
		name := g.newChatVar(x.Account)
		step = append(step, kv{"save", []kv{{name, "/id"}}})
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
func (g *generator) opBody(actor *genActor, x *fixture.Exchange, op gws.Op) ([]kv, bool) {
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

func (g *generator) httpStep(actor *genActor, x *fixture.Exchange) []kv {
	path := x.Request.Path
	for id, name := range g.chatVars {
		if g.defined[name] {
			path = strings.ReplaceAll(path, "/"+id, "/{{"+name+"}}")
		}
	}
	req := []kv{{"method", x.Request.Method}, {"path", path}}
	// Raw customer requests carry their own secureKey: a wrong one is the point of the
	// step (the right one is left out: the chat's key is not a variable).
	wrongKey := actor.kind == scenarios.KindCustomer && requestSecureKey(x) != "" && requestSecureKey(x) != actor.secureKey
	q := g.query(x.Request.Query)
	if wrongKey && x.Request.Method == http.MethodGet {
		q = append(q, kv{"secureKey", wrongSecureKey})
	}
	if len(q) > 0 {
		req = append(req, kv{"query", q})
	}
	if body := g.requestBody(x); len(body) > 0 || x.Request.Body.JSON != nil {
		if op := x.OperationName(); op != "" {
			body = append([]kv{{"operationName", op}}, body...)
		}
		if wrongKey && x.Request.Method != http.MethodGet {
			body = append(body, kv{"secureKey", wrongSecureKey})
		}
		req = append(req, kv{"body", body})
	}
	if actor.kind == scenarios.KindAgent {
		switch auth := x.Request.Header.Get("Authorization"); {
		case auth == "":
			req = append(req, kv{"auth", "none"})
		case actor.auth != "" && auth != actor.auth:
			req = append(req, kv{"auth", "wrong"})
		}
		if x.Request.Method != http.MethodGet && x.Request.Header.Get("X-Csrf-Token") == "" {
			req = append(req, kv{"csrf", false})
		}
	}
	step := []kv{{"http", req}}
	if exp := g.expect(x, gws.Op{}); exp != nil {
		step = append(step, kv{"expect", exp})
	}
	return step
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
func (g *generator) requestBody(x *fixture.Exchange) []kv {
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

// pairs is a body as YAML pairs, with recorded identities and chat ids replaced.
func (g *generator) pairs(obj map[string]any) []kv {
	out := g.substitute(obj).(map[string]any)
	n := toNode(out)
	pairs := make([]kv, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		pairs = append(pairs, kv{n.Content[i].Value, n.Content[i+1]})
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

func (g *generator) query(raw string) []kv {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil
	}
	var pairs []kv
	for _, k := range sortedKeys(values) {
		if strings.EqualFold(k, "secureKey") || strings.EqualFold(k, "password") {
			continue // the runner sends the customer's secureKey
		}
		pairs = append(pairs, kv{k, g.substitute(values.Get(k))})
	}
	return pairs
}

// expect states the recorded answer: the status (a 4xx range for failures, as the
// catalogue does) and the body reduced to what a fresh run reproduces. Nil when the body
// says nothing beyond the op's default success shape.
func (g *generator) expect(x *fixture.Exchange, op gws.Op) []kv {
	status := x.Response.Status
	doc, _ := fixture.DecodeJSON(x.Response.Body.JSON)
	body := normalizeNumbers(doc)
	obj, _ := body.(map[string]any)
	success := status >= 200 && status < 300
	if success && op.Name != "" && len(obj) == 1 && (obj["statusCode"] == 0 || obj["status"] == "ok") {
		return nil // the default check says exactly this
	}
	var exp []kv
	switch {
	case status >= 400 && status < 500:
		exp = append(exp, kv{"status", []kv{{"$range", []any{400, 499}}}})
	case success:
		exp = append(exp, kv{"status", []kv{{"$range", []any{200, 299}}}})
	default:
		exp = append(exp, kv{"status", status})
	}
	switch {
	case obj != nil:
		exp = append(exp, kv{"body", g.reduceObject(obj)})
	case body != nil:
		exp = append(exp, kv{"body", g.reduce("", body)})
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
		return []kv{{"$save", name}}
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
