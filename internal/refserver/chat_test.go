package refserver

import (
	"regexp"
	"testing"
)

var timestampPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$`)

// Seed 003: the offer, then Accept's StatusChange, ParticipantsUpdated and the whole
// history, all carrying the Accept's referenceId; then messages both ways.
func TestAcceptDeliversSeed003Sequence(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	carol.op("SendStartTypingNotification", nil)
	carol.op("SendMessage", obj{"text": "Hello World"})

	offer := alice.expect(obj{"messageType": "ChatStateChangeMessage", "notificationType": "StatusChange",
		"referenceId": absent,
		"chat":        obj{"id": carol.id, "state": "Invited", "capabilities": []string{"Accept", "Reject"}}})
	if offer["chat"].(obj)["uri"] != run.URL+"/api/v2/chats/"+carol.id {
		t.Errorf("chat uri: %v", offer["chat"])
	}
	if state, _ := carol.transcript(1); state != "WaitingForAgent" {
		t.Errorf("customer state before Accept: %s", state)
	}

	ref := alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})["referenceId"]
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ref,
		"chat": obj{"state": "Chatting", "capabilities": capsChattingAlone}})
	parts := alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": ref})
	if got := len(parts["chat"].(obj)["participants"].([]any)); got != 2 {
		t.Errorf("participants after Accept: want customer and agent, got %d", got)
	}
	history := alice.expect(obj{"messageType": "MessageLogUpdated", "notificationType": "NewMessages",
		"referenceId": ref, "chatUri": run.URL + "/api/v2/chats/" + carol.id})
	msgs := history["messages"].([]any)
	wantTypes := []string{"ParticipantJoined", "TypingStarted", "Text", "ParticipantJoined"}
	if len(msgs) != len(wantTypes) {
		t.Fatalf("history: want %d messages, got %s", len(wantTypes), dumpOne(msgs))
	}
	for i, m := range msgs {
		m := m.(obj)
		if err := matches(m, obj{"index": i + 1, "type": wantTypes[i], "visibility": "All"}, "/messages"); err != nil {
			t.Errorf("history message %d: %v", i+1, err)
		}
		if !timestampPattern.MatchString(m["timestamp"].(string)) {
			t.Errorf("timestamp %q is not RFC 3339 with millis", m["timestamp"])
		}
		if _, ok := m["timestampSeconds"].(float64); !ok {
			t.Errorf("timestampSeconds missing in %v", m)
		}
	}
	if err := matches(msgs[3], obj{"from": obj{"nickname": "Alice", "type": "Agent"}}, ""); err != nil {
		t.Errorf("agent's ParticipantJoined: %v", err)
	}
	if err := matches(msgs[2], obj{"text": "Hello World", "from": obj{"nickname": "Carol", "type": "Customer"}}, ""); err != nil {
		t.Errorf("customer's text: %v", err)
	}

	// Messages both ways; indexes only increase.
	ref = alice.chatOp(carol.id, "SendMessage", obj{"text": "How can I help?"})["referenceId"]
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": ref,
		"messages": []any{obj{"index": 5, "type": "Text", "text": "How can I help?", "visibility": "All"}}})
	carol.op("SendMessage", obj{"text": "My order"})
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": absent,
		"messages": []any{obj{"index": 6, "text": "My order"}}})
	ref = alice.chatOp(carol.id, "SendUrl", obj{"url": "https://example.com/faq"})["referenceId"]
	alice.expect(obj{"referenceId": ref, "messages": []any{obj{"type": "PushUrl", "url": "https://example.com/faq"}}})
	alice.chatOp(carol.id, "SendStopTypingNotification", nil)
	alice.expect(obj{"messages": []any{obj{"type": "TypingStopped"}}})

	state, seen := carol.transcript(5)
	if state != "Chatting" || len(seen) != 4 {
		t.Fatalf("customer transcript from 5: %s %s", state, dumpOne(seen))
	}
	_, chatAnswer := carol.get("/api/v2/chats/" + carol.id + "?secureKey=" + carol.secureKey)
	if err := matches(chatAnswer, obj{"statusCode": 0, "chat": obj{"id": carol.id, "state": "Chatting"}}, ""); err != nil {
		t.Errorf("customer GET chat: %v", err)
	}

	// The agent's own views.
	_, list := alice.do("GET", "/api/v2/me/chats", nil)
	if err := matches(list, obj{"statusCode": 0, "chats": []any{obj{"id": carol.id, "state": "Chatting"}}}, ""); err != nil {
		t.Errorf("GET /api/v2/me/chats: %v", err)
	}
	_, page := alice.do("GET", "/api/v2/me/chats/"+carol.id+"/messages?startIndex=2&count=2", nil)
	if err := matches(page, obj{"messages": []any{obj{"index": 2}, obj{"index": 3}}}, ""); err != nil {
		t.Errorf("GET messages page: %v", err)
	}
	_, me := alice.do("GET", "/api/v2/me?subresources=*", nil)
	if err := matches(me, obj{"user": obj{"userName": "agent1", "chats": []any{obj{"id": carol.id}}}}, ""); err != nil {
		t.Errorf("GET /api/v2/me?subresources=*: %v", err)
	}
}

// Seed 001: the consultant joins on Accept; the originator then gets ParticipantsUpdated
// and ParticipantJoined (visibility Agents) with its referenceId; the customer never
// sees the consultant or what it says.
func TestConsultIsHiddenFromCustomer(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)

	ref := alice.chatOp(carol.id, "Consult", obj{"targetUri": bob.uri()})["referenceId"]
	bob.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Invited"}})
	alice.ready() // barrier: nothing reaches the originator before the consultant accepts
	bob.chatOp(carol.id, "Accept", obj{"nickname": "Bob"})
	bob.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Chatting", "capabilities": capsChattingWithAgents}})
	bob.expect(obj{"notificationType": "ParticipantsUpdated"})
	bob.expect(obj{"notificationType": "NewMessages"})
	alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": ref,
		"chat": obj{"capabilities": capsChattingWithAgents}})
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": ref,
		"messages": []any{obj{"type": "ParticipantJoined", "visibility": "Agents", "from": obj{"nickname": "Bob"}}}})

	bob.chatOp(carol.id, "SendMessage", obj{"text": "psst"})
	alice.await(obj{"messages": []any{obj{"text": "psst", "visibility": "Agents"}}})
	alice.chatOp(carol.id, "SendToAgents", obj{"text": "agents only"})
	bob.await(obj{"messages": []any{obj{"text": "agents only", "visibility": "Agents"}}})
	alice.chatOp(carol.id, "SendStartTypingToAgentsNotification", nil)
	bob.await(obj{"messages": []any{obj{"type": "TypingStarted", "visibility": "Agents"}}})

	_, msgs := carol.transcript(1)
	for _, m := range msgs {
		if m["visibility"] != "All" || m["from"].(obj)["nickname"] == "Bob" {
			t.Errorf("customer sees %s", dumpOne(m))
		}
	}
	_, chatAnswer := carol.get("/api/v2/chats/" + carol.id + "?secureKey=" + carol.secureKey)
	if n := len(chatAnswer["chat"].(obj)["participants"].([]any)); n != 2 {
		t.Errorf("customer sees %d participants, want 2 (no consultant): %v", n, chatAnswer)
	}

	// The consultant leaves: Completed for it, ParticipantLeft (Agents) for the originator.
	ref = bob.chatOp(carol.id, "Leave", nil)["referenceId"]
	bob.await(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed", "capabilities": []string{}}})
	alice.await(obj{"notificationType": "ParticipantsUpdated", "chat": obj{"capabilities": capsChattingAlone}})
	alice.expect(obj{"messages": []any{obj{"type": "ParticipantLeft", "visibility": "Agents"}}})
	if state, _ := carol.transcript(1); state != "Chatting" {
		t.Errorf("customer state after the consultant left: %s", state)
	}
}

// Seed 000: an invited agent is visible to all; Invite of a consultant makes a conference.
func TestInviteMakesConference(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	dave := newAgent(t, run.URL, "agent3").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)

	ref := alice.chatOp(carol.id, "Invite", obj{"targetUri": bob.uri()})["referenceId"]
	bob.acceptOffer(carol.id)
	alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": ref})
	alice.expect(obj{"referenceId": ref, "messages": []any{obj{"type": "ParticipantJoined", "visibility": "All"}}})
	bob.chatOp(carol.id, "SendMessage", obj{"text": "hi from bob"})
	_, chatAnswer := carol.get("/api/v2/chats/" + carol.id + "?secureKey=" + carol.secureKey)
	if n := len(chatAnswer["chat"].(obj)["participants"].([]any)); n != 3 {
		t.Errorf("customer sees %d participants, want 3: %v", n, chatAnswer)
	}
	_, msgs := carol.transcript(1)
	if last := msgs[len(msgs)-1]; last["text"] != "hi from bob" {
		t.Errorf("customer's last message: %v", last)
	}

	// Consult dave, then Invite him: the consult becomes a conference at once.
	alice.chatOp(carol.id, "Consult", obj{"targetUri": dave.uri()})
	dave.acceptOffer(carol.id)
	ref = alice.chatOp(carol.id, "Invite", obj{"targetUri": dave.uri()})["referenceId"]
	alice.await(obj{"referenceId": ref, "messages": []any{obj{"type": "ParticipantJoined", "visibility": "All", "from": obj{"nickname": "agent3"}}}})

	// In conference, Leave is Completed for the leaver and the chat goes on.
	ref = bob.chatOp(carol.id, "Leave", nil)["referenceId"]
	bob.await(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed"}})
	alice.await(obj{"messages": []any{obj{"type": "ParticipantLeft", "visibility": "All", "from": obj{"nickname": "agent2"}}}})
	if state, _ := carol.transcript(1); state != "Chatting" {
		t.Errorf("customer state after a conference member left: %s", state)
	}
}

// Seed 004, first branch: the only agent leaves: LeftChat with its capabilities, the
// customer's session ends; userData and disposition still work; Complete finishes.
func TestLeaveAloneEndsCustomerSession(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)

	ref := alice.chatOp(carol.id, "Leave", obj{"text": "Bye"})["referenceId"]
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": ref, "messages": []any{obj{"text": "Bye"}}})
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ref,
		"chat": obj{"state": "LeftChat", "capabilities": []string{"Transfer", "Complete", "Leave", "InFocus"}}})
	state, msgs := carol.transcript(1)
	if state != "Idle" || msgs[len(msgs)-1]["type"] != "ParticipantLeft" {
		t.Fatalf("customer after Leave: %s %s", state, dumpOne(msgs))
	}
	status, got := carol.post("/api/v2/chats/"+carol.id, obj{"operationName": "SendMessage", "text": "hello?", "secureKey": carol.secureKey})
	if status != 400 || got["statusCode"] != 2.0 {
		t.Errorf("customer SendMessage after the session ended: %d %v", status, got)
	}

	alice.fails("/api/v2/me/chats/"+carol.id, obj{"operationName": "SendMessage", "text": "x"}, codeInvalidState)
	ref = alice.chatOp(carol.id, "SetDisposition", obj{"disposition": "Resolved"})["referenceId"]
	alice.expect(obj{"notificationType": "PropertiesUpdated", "referenceId": ref,
		"chat": obj{"state": "LeftChat", "userData": obj{"DispositionCode": "Resolved"}}})
	ref = alice.chatOp(carol.id, "Complete", nil)["referenceId"]
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed", "capabilities": []string{}}})
	alice.fails("/api/v2/me/chats/"+carol.id, obj{"operationName": "Complete"}, codeInvalidState)
}

// Reject goes to the next RouteTo candidate; with none left the chat waits until a
// candidate becomes Ready.
func TestRejectReroutes(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(false)
	carol := requestChat(t, run.URL, "Carol", "agent1,agent2")
	alice.expect(obj{"chat": obj{"id": carol.id, "state": "Invited"}})
	ref := alice.chatOp(carol.id, "Reject", nil)["referenceId"]
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed"}})
	if state, _ := carol.transcript(1); state != "WaitingForAgent" {
		t.Errorf("customer after the only Ready candidate rejected: %s", state)
	}
	before := bob.ready()
	if len(before) != 0 {
		t.Errorf("bob got notifications before going Ready: %s", dump(before))
	}
	bob.acceptOffer(carol.id)
	if state, _ := carol.transcript(1); state != "Chatting" {
		t.Errorf("customer after bob accepted: %s", state)
	}
	// Alice already rejected: going Ready again does not bring the chat back.
	if got := alice.ready(); len(got) != 0 {
		t.Errorf("alice got %s after Ready", dump(got))
	}
}

// Transfer to an agent: the target accepts, the originator sees the join with its
// referenceId, then StatusChange Completed. Transfer to a queue reaches a queue member.
func TestTransferToAgentAndQueue(t *testing.T) {
	run := startServer(t, Config{Users: []User{
		{Username: "agent1", Password: "password", Queues: []string{"queue1"}},
		{Username: "agent2", Password: "password", Queues: []string{"queue1"}},
		{Username: "agent3", Password: "password", Queues: []string{"queue2"}},
	}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	dave := newAgent(t, run.URL, "agent3").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)

	ref := alice.chatOp(carol.id, "Transfer", obj{"targetUri": bob.uri()})["referenceId"]
	bob.acceptOffer(carol.id)
	alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": ref})
	alice.expect(obj{"referenceId": ref, "messages": []any{obj{"type": "ParticipantJoined", "from": obj{"nickname": "agent2"}}}})
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed"}})
	bob.await(obj{"messages": []any{obj{"type": "ParticipantLeft", "from": obj{"nickname": "agent1"}}}})

	ref = bob.chatOp(carol.id, "Transfer", obj{"queueName": "queue2"})["referenceId"]
	dave.acceptOffer(carol.id)
	bob.await(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed"}})
	dave.chatOp(carol.id, "SendMessage", obj{"text": "dave here"})
	if state, msgs := carol.transcript(1); state != "Chatting" || msgs[len(msgs)-1]["text"] != "dave here" {
		t.Errorf("customer after two transfers: %s %s", state, dumpOne(msgs))
	}
}

// Asynchronous failures answer statusCode 0 with a referenceId, then an Error
// notification carrying it; an unknown target is statusCode 6 at once.
func TestBringInFailures(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	idle := newAgent(t, run.URL, "agent3").start(false)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)

	ref := alice.chatOp(carol.id, "Consult", obj{"targetUri": idle.uri()})["referenceId"]
	alice.expect(obj{"messageType": "ChatStateChangeMessage", "notificationType": "Error", "referenceId": ref,
		"errorMessage": "agent agent3 is not ready", "chat": obj{"id": carol.id, "state": "Chatting"}})

	ref = alice.chatOp(carol.id, "Invite", obj{"targetUri": bob.uri()})["referenceId"]
	bob.await(obj{"chat": obj{"state": "Invited"}})
	bob.chatOp(carol.id, "Reject", nil)
	alice.expect(obj{"notificationType": "Error", "referenceId": ref})

	path := "/api/v2/me/chats/" + carol.id
	alice.fails(path, obj{"operationName": "Consult", "targetUri": run.URL + "/api/v2/users/00000000000000000000000000000000"}, codeNotFound)
	alice.fails(path, obj{"operationName": "Consult", "targetUri": run.URL + "/api/v2/queues/nope"}, codeNotFound)
	alice.fails(path, obj{"operationName": "Consult"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "Consult", "targetUri": alice.uri()}, codeInvalidState)

	// A queue with no Ready agent outside the chat: asynchronous failure.
	bob.ok("/api/v2/me/channels/chat", obj{"operationName": "NotReady"})
	ref = alice.chatOp(carol.id, "Transfer", obj{"targetUri": run.URL + "/api/v2/queues/queue1"})["referenceId"]
	alice.expect(obj{"notificationType": "Error", "referenceId": ref, "errorMessage": "no Ready agent in queue queue1"})
}

func TestUserDataOperations(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)
	path := "/api/v2/me/chats/" + carol.id

	ref := alice.chatOp(carol.id, "AttachUserData", obj{"userData": obj{"Order": "42", "Tier": "gold"}})["referenceId"]
	alice.expect(obj{"notificationType": "PropertiesUpdated", "referenceId": ref,
		"chat": obj{"userData": obj{"RouteTo": "agent1", "Order": "42", "Tier": "gold"}}})
	alice.chatOp(carol.id, "UpdateUserData", obj{"userData": obj{"Tier": "silver"}})
	alice.expect(obj{"chat": obj{"userData": obj{"Tier": "silver"}}})
	alice.chatOp(carol.id, "DeleteUserData", obj{"keys": []string{"Order"}})
	got := alice.expect(obj{"notificationType": "PropertiesUpdated"})
	if _, still := got["chat"].(obj)["userData"].(obj)["Order"]; still {
		t.Errorf("Order still in userData after DeleteUserData: %v", got)
	}
	alice.chatOp(carol.id, "SetDisposition", obj{"disposition": "Sale", "dispositionKey": "Outcome"})
	alice.expect(obj{"chat": obj{"userData": obj{"Outcome": "Sale"}}})
	if ans := alice.chatOp(carol.id, "SetInFocus", nil); ans["referenceId"] == nil {
		t.Errorf("SetInFocus answer without referenceId: %v", ans)
	}

	alice.fails(path, obj{"operationName": "AttachUserData"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "DeleteUserData"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "SetDisposition"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "SendUrl"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "SendToAgents"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "Accept"}, codeInvalidState)
	alice.fails(path, obj{"operationName": "Reject"}, codeInvalidState)
}

// Seed 003 lists Accept's nickname without "(Optional)": the customer sees it, so
// an Accept without one is refused in both dialects, and the offer still stands.
func TestAcceptRequiresNickname(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"id": carol.id, "state": "Invited"}})
	alice.fails("/api/v2/me/chats/"+carol.id, obj{"operationName": "Accept"}, codeMissingParam)
	alice.fails("/api/v2/me/interactions/"+carol.id, obj{"operationName": "Accept", "nickname": ""}, codeMissingParam)
	alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})
}
