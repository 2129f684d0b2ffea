package refserver

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

// seedShapedServer is a chat of agent1 on a seed-shaped server, with agent2 Ready.
// (Its agents cannot use ready() as a barrier: an unchanged Ready is silent there.)
func seedShapedServer(t *testing.T, extra ...string) (run *Running, alice, bob *agentClient, carol *customerClient) {
	t.Helper()
	run = startServer(t, Config{Tolerate: append([]string{"seed-shaped"}, extra...)})
	alice = newAgent(t, run.URL, "agent1").start(true)
	bob = newAgent(t, run.URL, "agent2").start(true)
	carol = requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)
	return run, alice, bob, carol
}

// new-messages-merged: what one request makes due to one agent of one chat arrives
// as one NewMessages, after the ParticipantsUpdated it overtakes, never after a
// StatusChange.
func TestNewMessagesMerged(t *testing.T) {
	t.Run("leave with text in a conference", func(t *testing.T) {
		_, alice, bob, carol := chatWithAgent(t, Config{Tolerate: []string{"new-messages-merged"}})
		alice.chatOp(carol.id, "Invite", obj{"targetUri": bob.uri()})
		bob.acceptOffer(carol.id)
		alice.expect(obj{"notificationType": "ParticipantsUpdated"})
		alice.expect(obj{"notificationType": "NewMessages", "messages": []any{obj{"type": "ParticipantJoined"}}})

		bob.chatOp(carol.id, "Leave", obj{"text": "bye"})
		bob.expect(obj{"notificationType": "NewMessages", "messages": []any{obj{"type": "Text", "text": "bye"}}})
		bob.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
		alice.expect(obj{"notificationType": "ParticipantsUpdated"})
		alice.expect(obj{"notificationType": "NewMessages", "referenceId": absent, "messages": []any{
			obj{"type": "Text", "text": "bye", "from": obj{"nickname": "agent2"}},
			obj{"type": "ParticipantLeft", "from": obj{"nickname": "agent2"}},
		}})
		if before := alice.ready(); len(before) != 0 {
			t.Errorf("more notifications after the merged one: %s", dump(before))
		}
	})
	t.Run("history and the transferrer's departure", func(t *testing.T) {
		// seed-shaped: NewMessages carry no referenceId, so the Accept's history and
		// the ParticipantLeft of the transferring agent are due at once.
		_, alice, bob, carol := seedShapedServer(t)
		alice.chatOp(carol.id, "Transfer", obj{"targetUri": bob.uri()})
		bob.await(obj{"notificationType": "StatusChange", "chat": obj{"state": "Invited"}})
		bob.chatOp(carol.id, "Accept", obj{"nickname": "Bob"})
		bob.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Chatting"}})
		bob.expect(obj{"notificationType": "ParticipantsUpdated"})
		bob.expect(obj{"notificationType": "ParticipantsUpdated"})
		got := bob.expect(obj{"notificationType": "NewMessages", "referenceId": absent})
		var types []string
		for _, m := range got["messages"].([]any) {
			types = append(types, m.(obj)["type"].(string))
		}
		if want := []string{"ParticipantJoined", "ParticipantJoined", "ParticipantJoined", "ParticipantLeft"}; !slices.Equal(types, want) {
			t.Errorf("merged history: want %v, got %v", want, types)
		}
		alice.await(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
	})
	t.Run("contradicts batched-differently", func(t *testing.T) {
		for _, names := range [][]string{{"batched-differently", "new-messages-merged"}, {"seed-shaped", "batched-differently"}} {
			if _, err := New(Config{Tolerate: names}); err == nil || !strings.Contains(err.Error(), "contradict") {
				t.Errorf("%v: want a contradiction error, got %v", names, err)
			}
		}
	})
}

// seed-shaped is an alias: every member is on, and the Accept of seed 003 looks as
// printed there (answer without referenceId, StatusChange with it, the others without).
func TestStatusChangeLast(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"status-change-last"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"notificationType": "StatusChange", "chat": obj{"id": carol.id, "state": "Invited"}})
	alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})
	alice.expect(obj{"notificationType": "ParticipantsUpdated"})
	alice.expect(obj{"notificationType": "NewMessages"})
	alice.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Chatting"}})

	alice.chatOp(carol.id, "Leave", obj{"text": "bye"})
	alice.expect(obj{"notificationType": "NewMessages", "messages": []any{obj{"type": "Text", "text": "bye"}}})
	alice.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "LeftChat"}})
}

func TestSeedShapedAlias(t *testing.T) {
	s, err := New(Config{Tolerate: []string{"seed-shaped"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range seedShaped {
		if !s.tolerates(name) {
			t.Errorf("seed-shaped does not switch on %s", name)
		}
	}
	if !slices.ContainsFunc(Tolerations(), func(f Fault) bool { return f.Name == "seed-shaped" }) {
		t.Error("seed-shaped is not listed, so `serve --tolerate seed-shaped` would refuse it")
	}

	run := startServer(t, Config{Tolerate: []string{"seed-shaped"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"state": "Invited"}})
	alice.answerIs("/api/v2/me/chats/"+carol.id, obj{"operationName": "Accept", "nickname": "Marat"}, `{"statusCode":0}`)
	alice.expect(obj{"messageType": "ChatStateChangeMessage", "notificationType": "StatusChange", "referenceId": anyValue,
		"chat": obj{"state": "Chatting", "capabilities": capsChattingAloneSeed000}})
	alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": absent})
	alice.expect(obj{"messageType": "MessageLogUpdated", "notificationType": "NewMessages", "referenceId": absent,
		"chatUri": run.URL + "/api/v2/chats/" + carol.id})
	alice.answerIs("/api/v2/me/chats/"+carol.id, obj{"operationName": "Leave"}, `{"statusCode":0}`)
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": anyValue,
		"chat": obj{"state": "LeftChat", "capabilities": []string{"Transfer", "Complete", "Leave", "SetInFocus"}}})
}

// bayeuxRaw posts one Bayeux request as a and decodes the reply as plain objects, so
// a test sees exactly which keys are present.
func (a *agentClient) bayeuxRaw(body string) []obj {
	a.t.Helper()
	status, _, got := a.raw(http.MethodPost, "/api/v2/notifications", json.RawMessage(body))
	var replies []obj
	if err := json.Unmarshal([]byte(got), &replies); status != 200 || err != nil {
		a.t.Fatalf("bayeux %s: %d %s (%v)", body, status, got, err)
	}
	return replies
}

// connectReply is the /meta/connect reply among replies.
func connectReply(t *testing.T, replies []obj) obj {
	t.Helper()
	for _, r := range replies {
		if r["channel"] == "/meta/connect" {
			return r
		}
	}
	t.Fatalf("no /meta/connect reply in %s", dumpOne(replies))
	return nil
}

// bayeux-connect-advice-omitted: a held connect that sent no advice is answered with
// no advice key; the handshake, a connect that sent advice and a 402 keep theirs.
func TestBayeuxConnectAdviceOmitted(t *testing.T) {
	for _, tolerated := range []bool{false, true} {
		cfg := Config{Bayeux: bayeuxShortHold}
		if tolerated {
			cfg.Tolerate = []string{"bayeux-connect-advice-omitted"}
		}
		a := newAgent(t, startServer(t, cfg).URL, "agent1")
		a.do("GET", "/api/v2/me", nil)
		a.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
		hs := a.bayeuxRaw(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"id":"1"}]`)[0]
		if hs["advice"] == nil {
			t.Fatalf("tolerated %v: handshake without advice: %v", tolerated, hs)
		}
		id := hs["clientId"].(string)
		a.bayeuxRaw(`[{"channel":"/meta/subscribe","clientId":"` + id + `","subscription":"/v2/me/channels","id":"2"}]`)
		first := connectReply(t, a.bayeuxRaw(`[{"channel":"/meta/connect","clientId":"`+id+`","connectionType":"long-polling","advice":{"timeout":0},"id":"3"}]`))
		if first["advice"] == nil {
			t.Errorf("tolerated %v: a first connect that sent advice got none: %v", tolerated, first)
		}
		connect := `[{"channel":"/meta/connect","clientId":"` + id + `","connectionType":"long-polling","id":"4"}]`
		held := connectReply(t, a.bayeuxRaw(connect)) // held for bayeuxShortHold, then answered
		if _, has := held["advice"]; has == tolerated || held["successful"] != true {
			t.Errorf("tolerated %v: held connect reply %v", tolerated, held)
		}
		a.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})
		replies := a.bayeuxRaw(connect)
		if _, has := connectReply(t, replies)["advice"]; has == tolerated || len(replies) != 2 {
			t.Errorf("tolerated %v: connect carrying a notification: %s", tolerated, dumpOne(replies))
		}
		unknown := connectReply(t, a.bayeuxRaw(`[{"channel":"/meta/connect","clientId":"nope","connectionType":"long-polling","id":"5"}]`))
		if advice, _ := unknown["advice"].(obj); advice["reconnect"] != "handshake" {
			t.Errorf("tolerated %v: 402 without handshake advice: %v", tolerated, unknown)
		}
	}
}

// bayeuxShortHold keeps held connects short, so a test can wait one out.
var bayeuxShortHold = bayeux.ServerOptions{Timeout: 200 * time.Millisecond}

// bayeux-subscribe-any-channel: a foreign subscription succeeds, and nothing is
// ever delivered on it.
func TestBayeuxSubscribeAnyChannel(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"bayeux-subscribe-any-channel"}})
	alice := newAgent(t, run.URL, "agent1").start(false)
	for _, ch := range []string{"/v2/other", "/service/x"} {
		if err := alice.bx.Subscribe(context.Background(), ch); err != nil {
			t.Fatalf("subscribe %s: %v", ch, err)
		}
	}
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})
	deadline := time.After(waitLimit)
	for offered := false; !offered; {
		select {
		case m := <-alice.bx.Messages():
			if !strings.HasPrefix(m.Channel, "/v2/me/") {
				t.Fatalf("data on %s: %s", m.Channel, m.Data)
			}
			offered = m.Channel == chatsChannel && strings.Contains(string(m.Data), carol.id)
		case <-deadline:
			t.Fatal("no offer within the deadline")
		}
	}
}

// accept-nickname-optional: Accept without a nickname works, and the customer sees
// the username.
func TestAcceptNicknameOptional(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"accept-nickname-optional"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"state": "Invited"}})
	alice.chatOp(carol.id, "Accept", nil)
	_, msgs := carol.transcript(1)
	if last := msgs[len(msgs)-1]; last["type"] != "ParticipantJoined" || last["from"].(obj)["nickname"] != "agent1" {
		t.Errorf("customer's last message: %v", last)
	}
}

// unknown-target-answers-success: Consult, Invite and Transfer of a user that does
// not exist answer statusCode 0 with a referenceId, then an Error carrying it.
func TestUnknownTargetAnswersSuccess(t *testing.T) {
	_, alice, _, carol := chatWithAgent(t, Config{Tolerate: []string{"unknown-target-answers-success"}})
	nobody := "http://localhost:8080/api/v2/users/00000000000000000000000000000000"
	for _, op := range []string{"Consult", "Invite", "Transfer"} {
		ref := alice.refOnly("/api/v2/me/chats/"+carol.id, obj{"operationName": op, "targetUri": nobody})
		alice.expect(obj{"messageType": "ChatStateChangeMessage", "notificationType": "Error", "referenceId": ref,
			"errorMessage": anyValue, "chat": obj{"id": carol.id, "state": "Chatting"}})
	}
}

// refusals-by-error-notification: a chats-dialect refusal in a chat the agent is
// in answers statusCode 0 with a referenceId and reports the refusal by an Error
// carrying it; the interactions dialect still refuses in its answer (seed 002).
func TestRefusalsByErrorNotification(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"refusals-by-error-notification"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"state": "Invited"}})
	ref := alice.refOnly("/api/v2/me/chats/"+carol.id, obj{"operationName": "SendMessage", "text": "too early"})
	alice.expect(obj{"messageType": "ChatStateChangeMessage", "notificationType": "Error", "referenceId": ref,
		"errorMessage": anyValue, "chat": obj{"id": carol.id, "state": "Invited"}})
	alice.fails("/api/v2/me/interactions/"+carol.id, obj{"operationName": "SendMessage", "text": "too early"}, 2)
}
