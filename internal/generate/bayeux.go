package generate

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// A scenario may speak CometD itself (raw http steps on the notifications endpoint, to
// test the protocol); the runner's own session is plumbing and left out (see
// findPlumbing). Each request of another session becomes an http step with the
// recorded body (its clientId a saved variable) and an expectation on the exact reply
// list: every message's channel, id, success, error code, advice, subscription and
// version, and the notifications a connect carried.

// bayeuxStep builds the http step for one raw Bayeux exchange.
func (g *generator) bayeuxStep(actor string, x *fixture.Exchange) *scenarios.DocStep {
	req := &scenarios.DocHTTP{Method: x.Request.Method, Path: x.Request.Path}
	if doc, err := fixture.DecodeJSON(x.Request.Body.JSON); err == nil {
		req.Body = g.bayeuxRequest(normalizeNumbers(doc))
	}
	exp := &scenarios.DocExpect{Status: x.Response.Status}
	step := &scenarios.DocStep{Actor: actor, HTTP: req, Expect: exp}
	var save fields
	if doc, err := fixture.DecodeJSON(x.Response.Body.JSON); err == nil {
		if replies, ok := normalizeNumbers(doc).([]any); ok {
			var items []any
			for i, r := range replies {
				m, _ := r.(map[string]any)
				if m == nil {
					items = append(items, r)
					continue
				}
				if m["channel"] == "/meta/handshake" && m["clientId"] != nil {
					name := "bayeux" + strconv.Itoa(len(g.bayeuxVars)+1)
					g.bayeuxVars[stringOr(m["clientId"])] = name
					save = append(save, kv{Key: name, Value: "/" + strconv.Itoa(i) + "/clientId"})
					if advice, ok := m["advice"].(map[string]any); ok && advice["timeout"] != nil {
						save = append(save, kv{Key: name + "Timeout", Value: "/" + strconv.Itoa(i) + "/advice/timeout"})
						g.bayeuxTimeouts[name] = true
					}
				}
				items = append(items, g.bayeuxReply(m))
			}
			exp.Body = items
		}
	}
	// A connect the server may hold must come back within the timeout its handshake
	// advised (plus a margin for the trip back), as clients give it no longer.
	if session := g.heldConnect(x); session != "" {
		step.Within = "{{" + session + "Timeout}}ms + 500ms"
	}
	step.Save = save
	return step
}

// bayeuxRequest is the recorded request with known session ids as variables.
func (g *generator) bayeuxRequest(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "clientId" {
				if name, ok := g.bayeuxVars[s]; ok {
					v[k] = "{{" + name + "}}"
				}
				continue
			}
			v[k] = g.bayeuxRequest(c)
		}
	case []any:
		for i, c := range v {
			v[i] = g.bayeuxRequest(c)
		}
	}
	return v
}

var bayeuxErrorCode = regexp.MustCompile(`^\d{3}:`)

// bayeuxReply reduces one reply message.
func (g *generator) bayeuxReply(m map[string]any) fields {
	var pairs fields
	for _, k := range []string{"channel", "id", "successful", "subscription", "version"} {
		if k == "id" && !strings.HasPrefix(stringOr(m["channel"]), "/meta/") {
			continue // an event's id is the server's own numbering
		}
		if v, ok := m[k]; ok && v != nil {
			pairs = append(pairs, kv{Key: k, Value: v})
		}
	}
	if s, ok := m["clientId"].(string); ok && s != "" {
		pairs = append(pairs, kv{Key: "clientId", Value: fields{{Key: "$type", Value: "string"}}})
	}
	if s, ok := m["error"].(string); ok {
		if code := bayeuxErrorCode.FindString(s); code != "" {
			pairs = append(pairs, kv{Key: "error", Value: fields{{Key: "$regex", Value: "^" + code}}})
		} else {
			pairs = append(pairs, kv{Key: "error", Value: fields{{Key: "$type", Value: "string"}}})
		}
	}
	if types, ok := m["supportedConnectionTypes"].([]any); ok {
		pairs = append(pairs, kv{Key: "supportedConnectionTypes", Value: fields{{Key: "$contains", Value: types}}})
	}
	if advice, ok := m["advice"].(map[string]any); ok {
		pairs = append(pairs, kv{Key: "advice", Value: g.reduceObject(advice)})
	}
	if data, ok := m["data"].(map[string]any); ok {
		pairs = append(pairs, kv{Key: "data", Value: g.notificationMatcher(data, "")})
	}
	return pairs
}

// heldConnect names the session variable of a /meta/connect the server may hold (the
// client did not ask for an immediate answer with advice.timeout), when that session's
// handshake advised a timeout; "" otherwise.
func (g *generator) heldConnect(x *fixture.Exchange) string {
	var msgs []struct {
		Channel  string         `json:"channel"`
		ClientID string         `json:"clientId"`
		Advice   map[string]any `json:"advice"`
	}
	if json.Unmarshal(x.Request.Body.JSON, &msgs) != nil {
		return ""
	}
	for _, m := range msgs {
		if m.Channel != "/meta/connect" {
			continue
		}
		if _, immediate := m.Advice["timeout"]; immediate {
			return ""
		}
		if name := g.bayeuxVars[m.ClientID]; g.bayeuxTimeouts[name] {
			return name
		}
	}
	return ""
}
