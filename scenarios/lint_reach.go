package scenarios

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// agentOnlyKeys are top-level fields of agent notifications; a customer's
// stream holds transcript messages, which never have them.
var agentOnlyKeys = []string{"notificationType", "messageType", "chat", "chatUri", "chatPath",
	"referenceId", "errorMessage", "messages", "channels"}

// reachable reports expectations that can never be met by a conforming
// target. For never (isNever) only impossible literals are reported, since
// "never X" with an impossible X proves nothing.
func (l *linter) reachable(e Expectation, actor *Actor, isNever bool) {
	n := e.node
	if n.Kind != yaml.MappingNode {
		return
	}
	if actor.Kind == KindCustomer {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if contains(agentOnlyKeys, k) {
				l.errf(e.File, n.Content[i].Line, "%s: %q is a field of agent notifications; a customer's stream holds transcript messages (index, type, from, text, visibility, ...)", actor.Name, k)
			}
			if k == "visibility" && !isNever {
				if v := n.Content[i+1]; v.Kind == yaml.ScalarNode && (v.Value == "Agents" || v.Value == "Supervisors") {
					l.errf(e.File, v.Line, "%s: a customer never receives messages with visibility %s; use never to prove it", actor.Name, v.Value)
				}
			}
		}
		l.enums(e.File, n, "message")
		return
	}
	l.enums(e.File, n, "notification")
}

// enums walks a matcher and checks literals of documented enumerations.
// ctx names what the current object is: notification, chat, message,
// participant, channel or userState.
func (l *linter) enums(file string, n *yaml.Node, ctx string) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			l.enums(file, c, ctx)
		}
		return
	case yaml.MappingNode:
	default:
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		if strings.HasPrefix(key, "$") {
			switch key {
			case "$contains", "$exact", "$oneOf":
				l.enums(file, v, ctx) // operands describe the same object
			}
			continue
		}
		if allowed, what, ok := enumFor(ctx, key); ok {
			l.literals(file, v, allowed, what)
		}
		if child := childContext(ctx, key); child != "" {
			l.enums(file, v, child)
		}
	}
}

// enumFor returns the documented values of key in an object of kind ctx
// (internal/gws, which holds them against the JSON Schemas) and what to call
// it; a literal outside them can never match a conforming target.
func enumFor(ctx, key string) (gws.Enum, string, bool) {
	switch {
	case ctx == "notification" && key == "notificationType":
		return gws.NotificationTypes, "notificationType", true
	case ctx == "notification" && key == "messageType":
		return gws.MessageTypes, "messageType", true
	case ctx == "chat" && key == "state":
		return gws.ChatStates, "chat state", true
	case ctx == "message" && key == "type":
		return gws.TranscriptTypes, "message type", true
	case ctx == "message" && key == "visibility":
		return gws.Visibilities, "visibility", true
	case ctx == "participant" && key == "type":
		return gws.ParticipantTypes, "participant type", true
	case ctx == "userState" && key == "state":
		return gws.AgentStates, "agent state", true
	}
	return gws.Enum{}, "", false
}

// childContext says what the value of key inside a ctx object is.
func childContext(ctx, key string) string {
	switch ctx {
	case "notification":
		switch key {
		case "chat":
			return "chat"
		case "messages":
			return "message"
		case "channels":
			return "channel"
		}
	case "chat":
		if key == "participants" {
			return "participant"
		}
	case "message":
		if key == "from" {
			return "participant"
		}
	case "channel":
		if key == "userState" {
			return "userState"
		}
	}
	return ""
}

// literals checks the scalar literals of v (directly, or under $oneOf and
// friends) against allowed.
func (l *linter) literals(file string, v *yaml.Node, allowed gws.Enum, what string) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag != "!!str" || strings.Contains(v.Value, "{{") {
			return
		}
		if !allowed.Has(v.Value) {
			values := allowed.Values()
			l.errf(file, v.Line, "%s %q can never match: documented values are %s%s", what, v.Value, strings.Join(values, ", "), suggest(v.Value, values))
		}
	case yaml.MappingNode:
		if len(v.Content) == 2 && v.Content[0].Value == "$oneOf" {
			for _, alt := range v.Content[1].Content {
				l.literals(file, alt, allowed, what)
			}
		}
	}
}
