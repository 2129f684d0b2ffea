package recorder

import "strings"

// Generated expectations keep what identifies a notification or a transcript message
// (types, states, texts, who, visibility, the chat id and referenceId as variables) and
// drop what a fresh run changes or what is incidental (timestamps, indexes, participant
// ids, URIs, full capability lists). Arrays become $contains, so extra items are fine.

// notificationMatcher reduces one agent notification. ref is the "{{refN}}" expression
// for the referenceId of the step that caused it ("" = do not match it).
func (g *generator) notificationMatcher(data map[string]any, ref string) []kv {
	var pairs []kv
	for _, k := range []string{"messageType", "notificationType"} {
		if s, ok := data[k].(string); ok {
			pairs = append(pairs, kv{k, s})
		}
	}
	if ref != "" && data["referenceId"] != nil {
		pairs = append(pairs, kv{"referenceId", ref})
	}
	if chat, ok := data["chat"].(map[string]any); ok {
		if c := g.chatMatcher(chat); len(c) > 0 {
			pairs = append(pairs, kv{"chat", c})
		}
	}
	if msgs, ok := data["messages"].([]any); ok && len(msgs) > 0 {
		var items []any
		for _, m := range msgs {
			if mm, ok := m.(map[string]any); ok {
				items = append(items, messageMatcher(mm, false))
			}
		}
		pairs = append(pairs, kv{"messages", []kv{{"$contains", items}}})
	}
	if chans, ok := data["channels"].([]any); ok && len(chans) > 0 {
		var items []any
		for _, c := range chans {
			cm, _ := c.(map[string]any)
			us, _ := cm["userState"].(map[string]any)
			item := []kv{{"channel", stringOr(cm["channel"])}}
			if state, ok := us["state"].(string); ok {
				item = append(item, kv{"userState", []kv{{"state", state}}})
			}
			items = append(items, item)
		}
		pairs = append(pairs, kv{"channels", []kv{{"$contains", items}}})
	}
	if _, ok := data["errorMessage"]; ok {
		pairs = append(pairs, kv{"errorMessage", []kv{{"$type", "string"}}})
	}
	return pairs
}

func (g *generator) chatMatcher(chat map[string]any) []kv {
	var pairs []kv
	if id, ok := chat["id"].(string); ok {
		pairs = append(pairs, kv{"id", g.chatRef(id, true)})
	}
	if state, ok := chat["state"].(string); ok {
		pairs = append(pairs, kv{"state", state})
	}
	if parts, ok := chat["participants"].([]any); ok && len(parts) > 0 {
		var items []any
		for _, p := range parts {
			pm, _ := p.(map[string]any)
			var item []kv
			for _, k := range []string{"type", "nickname"} {
				if s, ok := pm[k].(string); ok {
					item = append(item, kv{k, s})
				}
			}
			if len(item) > 0 {
				items = append(items, item)
			}
		}
		if len(items) > 0 {
			pairs = append(pairs, kv{"participants", []kv{{"$contains", items}}})
		}
	}
	return pairs
}

// messageMatcher reduces a transcript message; a customer's copy never states visibility
// Agents (it cannot see those), and the linter rejects expecting it.
func messageMatcher(m map[string]any, forCustomer bool) []kv {
	var pairs []kv
	for _, k := range []string{"type", "text", "url"} {
		if s, ok := m[k].(string); ok {
			pairs = append(pairs, kv{k, s})
		}
	}
	if from, ok := m["from"].(map[string]any); ok {
		var f []kv
		for _, k := range []string{"type", "nickname"} {
			if s, ok := from[k].(string); ok {
				f = append(f, kv{k, s})
			}
		}
		if len(f) > 0 {
			pairs = append(pairs, kv{"from", f})
		}
	}
	if vis, ok := m["visibility"].(string); ok && !(forCustomer && vis != "All") {
		pairs = append(pairs, kv{"visibility", vis})
	}
	return pairs
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
