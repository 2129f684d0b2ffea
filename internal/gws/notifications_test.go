package gws

import (
	"encoding/json"
	"testing"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestChannelStateNotifications(t *testing.T) {
	ready := decode(t, `{"messageType":"ChannelStateChangeMessageV2","channels":[{"channel":"voice","userState":{"state":"NotReady"}},{"channel":"chat","userState":{"state":"Ready"}}]}`)
	if !IsChannelState(ready, AgentReady) || IsChannelState(ready, AgentNotReady) {
		t.Error("the chat channel's state decides")
	}
	unsaid := decode(t, `{"messageType":"ChannelStateChangeMessageV2","channels":[{"channel":"voice","userState":{"state":"NotReady"}}]}`)
	if !IsChannelState(unsaid, AgentReady) {
		t.Error("a notification that does not say the chat channel's state passes for any")
	}
	if IsChannelState(decode(t, `{"messageType":"ChatStateChangeMessage"}`), AgentReady) || IsChannelState("x", AgentReady) {
		t.Error("only channel state notifications are channel states")
	}
	if !IsStateNotification(ready) || !IsStateNotification(decode(t, `{"messageType":"ChatStateChangeMessage"}`)) || IsStateNotification(decode(t, `{"messageType":"MessageLogUpdated"}`)) {
		t.Error("IsStateNotification")
	}
}

func TestInvitedChat(t *testing.T) {
	if id, ok := InvitedChat(decode(t, `{"notificationType":"StatusChange","chat":{"id":"c1","state":"Invited"}}`)); !ok || id != "c1" {
		t.Errorf("InvitedChat = %q, %v", id, ok)
	}
	for _, s := range []string{
		`{"notificationType":"StatusChange","chat":{"id":"c1","state":"Chatting"}}`,
		`{"notificationType":"ParticipantsUpdated","chat":{"id":"c1","state":"Invited"}}`,
		`{"notificationType":"StatusChange","chat":{"id":"","state":"Invited"}}`,
		`[]`,
	} {
		if id, ok := InvitedChat(decode(t, s)); ok {
			t.Errorf("%s: invited to %q", s, id)
		}
	}
}

func TestMessageLogChat(t *testing.T) {
	for s, want := range map[string]string{
		`{"chatUri":"http://h/api/v2/me/chats/c1"}`: "c1",
		`{"chatPath":"/api/v2/me/chats/c2/"}`:       "c2",
		`{"notificationType":"NewMessages"}`:        "",
	} {
		if got := MessageLogChat(decode(t, s)); got != want {
			t.Errorf("%s: %q, want %q", s, got, want)
		}
	}
}

func TestReferenceID(t *testing.T) {
	for s, want := range map[string]string{`{"referenceId":12}`: "12", `{"referenceId":"r7"}`: "r7", `{"referenceId":null}`: "", `{}`: "", `12`: ""} {
		got, ok := ReferenceID(decode(t, s))
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", s, got, ok, want)
		}
	}
}
