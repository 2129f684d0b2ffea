package scenarios

import (
	"strings"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
)

// agentOnlyKeys are top-level fields of agent notifications; a customer's
// stream holds transcript messages, which never have them.
var agentOnlyKeys = []string{"notificationType", "messageType", "chat", "chatUri", "chatPath",
	"referenceId", "errorMessage", "messages", "channels"}

// reachable reports expectations that can never be met by a conforming
// target. For never (isNever) only impossible literals are reported, since
// "never X" with an impossible X proves nothing.
func (l *linter) reachable(e Expectation, actor *Actor, isNever bool) {
	shape := e.Match.Shape()
	if actor.Kind == KindCustomer {
		for _, f := range shape.Fields() {
			if contains(agentOnlyKeys, f.Key) {
				l.errf(e.File, f.Line, "%s: %q is a field of agent notifications; a customer's stream holds transcript messages (index, type, from, text, visibility, ...)", actor.Name, f.Key)
			}
			if lits := f.Value.Strings(); f.Key == "visibility" && !isNever && len(lits) == 1 && (lits[0].Text == "Agents" || lits[0].Text == "Supervisors") {
				l.errf(e.File, lits[0].Line, "%s: a customer never receives messages with visibility %s; use never to prove it", actor.Name, lits[0].Text)
			}
		}
		l.enums(e.File, shape, "message")
		return
	}
	l.enums(e.File, shape, "notification")
}

// enums checks the literals of documented enumerations in the objects a
// matcher describes. ctx names what the object is: notification, chat,
// message, participant, channel or userState.
func (l *linter) enums(file string, shape match.Shape, ctx string) {
	for _, obj := range shape.Objects() {
		for _, f := range obj.Fields() {
			if allowed, what, ok := enumFor(ctx, f.Key); ok {
				l.literals(file, f.Value, allowed, what)
			}
			if child := childContext(ctx, f.Key); child != "" {
				l.enums(file, f.Value, child)
			}
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

// literals checks the string literals of v (directly, or under $oneOf)
// against allowed.
func (l *linter) literals(file string, v match.Shape, allowed gws.Enum, what string) {
	for _, lit := range v.Strings() {
		if !allowed.Has(lit.Text) {
			values := allowed.Values()
			l.errf(file, lit.Line, "%s %q can never match: documented values are %s%s", what, lit.Text, strings.Join(values, ", "), suggest(lit.Text, values))
		}
	}
}
