package refserver

import (
	"testing"
)

// customerView is what the customer sees: its session state, the transcript's texts
// and types, and the nicknames of the participants GET chat lists.
func customerView(t *testing.T, carol *customerClient) (state string, msgs []obj, nicknames []string) {
	t.Helper()
	state, msgs = carol.transcript(1)
	for _, m := range msgs {
		if m["visibility"] != "All" {
			t.Errorf("the customer sees a message of visibility %v: %s", m["visibility"], dumpOne(m))
		}
	}
	_, got := carol.get("/api/v2/chats/" + carol.id + "?secureKey=" + carol.secureKey)
	for _, p := range got["chat"].(obj)["participants"].([]any) {
		nicknames = append(nicknames, p.(obj)["nickname"].(string))
	}
	return state, msgs, nicknames
}

// Seed 004:61 and 004:12: the originator leaving a consultation is Completed and the
// chat stays open for the customer. The consultant is promoted: the customer's
// transcript gets its ParticipantJoined (All), what it says from then on is All, and
// what it said as a consultant stays hidden.
func TestOriginatorLeavesConsultation(t *testing.T) {
	_, alice, bob, carol := chatWithAgent(t, Config{})
	alice.chatOp(carol.id, "Consult", obj{"targetUri": bob.uri()})
	bob.acceptOffer(carol.id)
	alice.expect(obj{"notificationType": "ParticipantsUpdated"})
	alice.expect(obj{"messages": []any{obj{"type": "ParticipantJoined", "visibility": "Agents"}}})
	bob.chatOp(carol.id, "SendMessage", obj{"text": "psst"})
	bob.expect(obj{"messages": []any{obj{"text": "psst", "visibility": "Agents"}}})

	ref := alice.chatOp(carol.id, "Leave", nil)["referenceId"]
	alice.await(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed", "capabilities": []string{}}})
	parts := bob.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": absent,
		"chat": obj{"state": "Chatting", "capabilities": capsChattingAlone}})
	if n := len(parts["chat"].(obj)["participants"].([]any)); n != 2 {
		t.Errorf("participants after the originator left: want Carol and Bob, got %s", dumpOne(parts["chat"]))
	}
	bob.expect(obj{"notificationType": "NewMessages", "messages": []any{
		obj{"type": "ParticipantLeft", "visibility": "All", "from": obj{"nickname": "agent1"}}}})
	bob.expect(obj{"notificationType": "NewMessages", "messages": []any{
		obj{"type": "ParticipantJoined", "visibility": "All", "from": obj{"nickname": "agent2"}}}})

	bob.chatOp(carol.id, "SendMessage", obj{"text": "I can help"})
	bob.expect(obj{"messages": []any{obj{"text": "I can help", "visibility": "All"}}})
	carol.op("SendMessage", obj{"text": "thanks"})
	bob.expect(obj{"messages": []any{obj{"text": "thanks", "from": obj{"type": "Customer"}}}})

	state, msgs, nicknames := customerView(t, carol)
	if state != "Chatting" || len(nicknames) != 2 || nicknames[1] != "agent2" {
		t.Errorf("customer: state %s, participants %v", state, nicknames)
	}
	var tail []string
	for _, m := range msgs {
		if m["text"] == "psst" {
			t.Errorf("the consultant's earlier message reached the customer: %s", dumpOne(m))
		}
		if m["index"].(float64) > 4 {
			tail = append(tail, m["type"].(string)+":"+m["from"].(obj)["nickname"].(string))
		}
	}
	// 1 Carol joined, 2 Alice joined, 3 Bob joined (Agents), 4 psst (Agents).
	want := []string{"ParticipantLeft:agent1", "ParticipantJoined:agent2", "Text:agent2", "Text:Carol"}
	if dumpOne(tail) != dumpOne(want) {
		t.Errorf("customer transcript after the consultation: want %v, got %v", want, tail)
	}

	// Bob is now the chat's only agent: Leave ends the customer's session.
	bob.chatOp(carol.id, "Leave", nil)
	bob.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "LeftChat"}})
	if state, _, _ := customerView(t, carol); state != "Idle" {
		t.Errorf("customer after the promoted agent left: %s", state)
	}
}

// With a visible conference member left, the consultant is not promoted: the
// customer still has an agent it sees.
func TestOriginatorLeavesConsultationWithConferenceMember(t *testing.T) {
	run, alice, bob, carol := chatWithAgent(t, Config{})
	dave := newAgent(t, run.URL, "agent3").start(true)
	alice.chatOp(carol.id, "Invite", obj{"targetUri": dave.uri()})
	dave.acceptOffer(carol.id)
	alice.chatOp(carol.id, "Consult", obj{"targetUri": bob.uri()})
	bob.acceptOffer(carol.id)

	alice.chatOp(carol.id, "Leave", nil)
	alice.await(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
	bob.await(obj{"notificationType": "NewMessages", "messages": []any{obj{"type": "ParticipantLeft", "from": obj{"nickname": "agent1"}}}})
	bob.chatOp(carol.id, "SendMessage", obj{"text": "still hidden"})
	bob.expect(obj{"messages": []any{obj{"text": "still hidden", "visibility": "Agents"}}})
	if before := bob.ready(); len(before) != 0 {
		t.Errorf("the consultant got more than the departure: %s", dump(before))
	}
	state, msgs, nicknames := customerView(t, carol)
	if state != "Chatting" || dumpOne(nicknames) != `["Carol","agent3"]` {
		t.Errorf("customer: state %s, participants %v", state, nicknames)
	}
	if last := msgs[len(msgs)-1]; last["type"] != "ParticipantLeft" || last["from"].(obj)["nickname"] != "agent1" {
		t.Errorf("customer's last message: %s", dumpOne(last))
	}
}

// Seed 004 "in a conference": the originator leaving a conference is Completed, the
// others get ParticipantsUpdated and ParticipantLeft, and the chat stays open.
func TestOriginatorLeavesConference(t *testing.T) {
	_, alice, bob, carol := chatWithAgent(t, Config{})
	alice.chatOp(carol.id, "Invite", obj{"targetUri": bob.uri()})
	bob.acceptOffer(carol.id)

	ref := alice.chatOp(carol.id, "Leave", nil)["referenceId"]
	alice.await(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed"}})
	bob.expect(obj{"notificationType": "ParticipantsUpdated", "chat": obj{"state": "Chatting", "capabilities": capsChattingAlone}})
	bob.expect(obj{"notificationType": "NewMessages", "messages": []any{
		obj{"type": "ParticipantLeft", "visibility": "All", "from": obj{"nickname": "agent1"}}}})
	if before := bob.ready(); len(before) != 0 {
		t.Errorf("the remaining agent got more: %s", dump(before))
	}
	bob.chatOp(carol.id, "SendMessage", obj{"text": "bob here"})
	state, msgs, nicknames := customerView(t, carol)
	if state != "Chatting" || dumpOne(nicknames) != `["Carol","agent2"]` || msgs[len(msgs)-1]["text"] != "bob here" {
		t.Errorf("customer: state %s, participants %v, transcript %s", state, nicknames, dumpOne(msgs))
	}
}
