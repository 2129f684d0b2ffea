package gws

import (
	"encoding/json"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Predicates over decoded notifications (the data of a Bayeux message, as
// encoding/json decodes it into any). Anything that is not the object asked
// about answers false or "".

func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// MessageType is the notification's messageType ("" without one).
func MessageType(n any) string {
	t, _ := object(n)["messageType"].(string)
	return t
}

// IsStateNotification reports whether n is a chat or channel state
// notification: one that states where things are, not what happened.
func IsStateNotification(n any) bool {
	switch MessageType(n) {
	case ChatStateChangeMessage, ChannelStateChangeMessageV2:
		return true
	}
	return false
}

// IsChannelState reports whether n is a ChannelStateChangeMessageV2 for the
// chat channel in state, or one that does not say the chat channel's state.
// Checking the state keeps a late notification of an earlier request from
// passing for a later one.
func IsChannelState(n any, state string) bool {
	if MessageType(n) != ChannelStateChangeMessageV2 {
		return false
	}
	channels, _ := object(n)["channels"].([]any)
	for _, c := range channels {
		ch := object(c)
		if ch["channel"] != ChatChannel {
			continue
		}
		if got, ok := object(ch["userState"])["state"].(string); ok {
			return got == state
		}
	}
	return true
}

// InvitedChat is the chat id of a StatusChange offering the agent a chat
// (state Invited).
func InvitedChat(n any) (string, bool) {
	m := object(n)
	if m["notificationType"] != StatusChange {
		return "", false
	}
	chat := object(m["chat"])
	if chat["state"] != ChatInvited {
		return "", false
	}
	id, ok := chat["id"].(string)
	return id, ok && id != ""
}

// MessageLogChat names the chat of a NewMessages notification: the last
// segment of its chatUri or chatPath (notes/chat-uri: either may be sent).
func MessageLogChat(n any) string {
	m := object(n)
	for _, key := range []string{"chatUri", "chatPath"} {
		s, _ := m[key].(string)
		if s == "" {
			continue
		}
		if u, err := url.Parse(s); err == nil && u.Path != "" {
			s = u.Path
		}
		return path.Base(strings.TrimRight(s, "/"))
	}
	return ""
}

// ReferenceID is the top-level referenceId of an answer or a notification, as
// text: what correlates the two. A number is written as JSON would.
func ReferenceID(v any) (string, bool) {
	switch id := object(v)["referenceId"].(type) {
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64), true
	case json.Number:
		return id.String(), true
	case int:
		return strconv.Itoa(id), true
	case string:
		return id, id != ""
	}
	return "", false
}
