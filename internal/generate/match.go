package generate

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// Generated expectations keep everything a fresh run on another server reproduces, so
// a server that changes or leaves out a field, a state, a message, a capability or a
// visibility fails them: types, states, texts, nicknames, visibility, message indexes,
// capabilities, userData (exactly), status codes. What a fresh run changes becomes a
// variable or a type check: chat ids ({{chat}}), referenceIds ({{refN}}), agents' ids,
// URIs and usernames ({{agent1.id}}), other ids, URIs and secrets ({$type: string}),
// timestamps ({$timestamp: true}). Arrays of objects become $contains (extra items are
// tolerated; order is the server's business), except where a list is the point (a
// Bayeux reply, the customer's final transcript).

// volatileStrings are keys whose string values differ from one run to the next.
var volatileStrings = map[string]bool{
	"id": true, "uri": true, "chatUri": true, "chatPath": true, "path": true, "participantId": true,
	"userId": true, "secureKey": true, "alias": true, "sessionId": true, "clientId": true,
	"statusMessage": true, "errorMessage": true, "message": true, "token": true,
}

// isTimestampKey: the key holds a date or time (timestamp, timestampSeconds, startedAt, utcTime).
func isTimestampKey(key string) bool {
	lower := strings.ToLower(key)
	return strings.Contains(lower, "timestamp") || strings.Contains(lower, "time") || strings.HasSuffix(key, "At")
}

// reduce turns one recorded JSON value (numbers normalized) under key into a matcher.
func (g *generator) reduce(key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		if key == "userData" {
			return fields{{Key: "$exact", Value: g.substitute(cloneJSON(v))}}
		}
		return g.reduceObject(v)
	case []any:
		if len(v) == 0 && g.reading {
			// What a read lists is state at the instant it ran: an empty list then
			// (no chats yet, another actor's not arrived) is timing, not an answer the
			// documentation gives; a fresh run may list something. Only the type holds.
			return fields{{Key: "$type", Value: "array"}}
		}
		if len(v) == 0 {
			return []any{}
		}
		items := make([]any, 0, len(v))
		for _, item := range v {
			items = append(items, g.reduce(key, item))
		}
		return fields{{Key: "$contains", Value: items}}
	case string:
		if isTimestampKey(key) && looksLikeTimestamp(v) {
			return fields{{Key: "$timestamp", Value: true}}
		}
		if expr, ok := g.identity[v]; ok {
			return expr
		}
		if name, ok := g.chatVars[v]; ok {
			if key == "id" {
				return g.chatRef(v, true)
			}
			if g.defined[name] {
				return "{{" + name + "}}"
			}
		}
		if key == "id" && g.isChatID(v) {
			return g.chatRef(v, true)
		}
		if volatileStrings[key] || strings.HasPrefix(v, "REDACTED-") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
			return fields{{Key: "$type", Value: "string"}}
		}
		return v
	case int, float64:
		switch {
		case key == "referenceId":
			return fields{{Key: "$type", Value: "number"}}
		case isTimestampKey(key):
			return fields{{Key: "$type", Value: "number"}} // epoch seconds or milliseconds: the unit is the key's
		}
		return v
	}
	return v
}

// reduceObject reduces each member of an object, in key order.
func (g *generator) reduceObject(obj map[string]any) fields {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Identifying keys first, so the YAML reads like the hand-written catalogue.
	sort.SliceStable(keys, func(i, j int) bool { return keyRank(keys[i]) < keyRank(keys[j]) })
	pairs := make(fields, 0, len(keys))
	for _, k := range keys {
		if obj[k] == nil || k == "ext" {
			continue
		}
		pairs = append(pairs, kv{Key: k, Value: g.reduce(k, obj[k])})
	}
	return pairs
}

var leadingKeys = []string{"messageType", "notificationType", "channel", "statusCode", "status", "referenceId", "id", "type", "index", "state", "text"}

func keyRank(k string) int {
	for i, lead := range leadingKeys {
		if k == lead {
			return i
		}
	}
	return len(leadingKeys)
}

// notificationMatcher reduces one agent notification. ref is the "{{refN}}" expression
// for the referenceId of the step that caused it ("" = any number).
func (g *generator) notificationMatcher(data map[string]any, ref string) fields {
	pairs := g.reduceObject(data)
	if ref != "" {
		for i, p := range pairs {
			if p.Key == "referenceId" {
				pairs[i].Value = ref
			}
		}
	}
	return pairs
}

// isChatID: id was seen as a chat's id (a chat object or a chat path) in the recording.
func (g *generator) isChatID(id string) bool {
	_, ok := g.chatIDs[id]
	return ok
}

var timestampLike = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`)

func looksLikeTimestamp(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	return timestampLike.MatchString(s)
}

func cloneJSON(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if dec, err := fixture.DecodeJSON(data); err == nil {
		out = normalizeNumbers(dec)
	}
	return out
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

// sanitizeName makes an actor or variable name from recorded text: lower-case letters,
// digits and _, starting with a letter.
func sanitizeName(s, fallback string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0, r == '_' && b.Len() > 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteString(fallback)
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return fallback
	}
	return b.String()
}
