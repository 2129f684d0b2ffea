package refserver

import (
	"net/http"
	"testing"
)

// interaction posts to the seed 002 dialect and checks the answer's exact shape.
func (a *agentClient) interaction(id string, body obj, want obj) obj {
	a.t.Helper()
	status, got := a.do(http.MethodPost, "/api/v2/me/interactions/"+id, body)
	if err := matches(got, want, ""); err != nil || len(got) != len(want) {
		a.t.Fatalf("%s interactions %v: want exactly the keys of %v, got %d %v (%v)", a.user, body["operationName"], want, status, got, err)
	}
	return got
}

var (
	statusOK   = obj{"status": "ok"}
	codeOKWant = obj{"statusCode": 0, "referenceId": anyValue}
)

// anyValue in a want map accepts any present value.
const anyValue = "\x00any"

func TestInteractionsDialectShapes(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"state": "Invited"}})

	ans := alice.interaction(carol.id, obj{"operationName": "Accept", "nickname": "Alice"}, codeOKWant)
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ans["referenceId"]})
	alice.interaction(carol.id, obj{"operationName": "SendMessage", "text": "hi"}, codeOKWant)
	alice.interaction(carol.id, obj{"operationName": "SendStartTypingNotification"}, codeOKWant)
	alice.interaction(carol.id, obj{"operationName": "SendStopTypingNotification"}, codeOKWant)

	ans = alice.interaction(carol.id, obj{"operationName": "RequestChatHistory", "eventId": 2}, codeOKWant)
	hist := alice.await(obj{"notificationType": "NewMessages", "referenceId": ans["referenceId"]})
	if first := hist["messages"].([]any)[0].(obj); first["index"] != 2.0 {
		t.Errorf("RequestChatHistory from eventId 2 starts at %v", first["index"])
	}

	alice.interaction(carol.id, obj{"operationName": "InviteUser", "agentId": bob.id()}, statusOK)
	bob.await(obj{"chat": obj{"state": "Invited"}})
	bob.interaction(carol.id, obj{"operationName": "Accept", "nickname": "Bob"}, codeOKWant)
	alice.await(obj{"messages": []any{obj{"type": "ParticipantJoined", "visibility": "All"}}})

	// LeaveConference names the caller itself; someone else's id is refused in the status shape.
	bob.interaction(carol.id, obj{"operationName": "LeaveConference", "agentId": alice.id()},
		obj{"status": "error", "errorDescription": anyValue})
	bob.interaction(carol.id, obj{"operationName": "LeaveConference", "agentId": bob.id()}, statusOK)
	bob.await(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
	// The last agent keeps the interaction.
	alice.interaction(carol.id, obj{"operationName": "LeaveConference", "agentId": alice.id()},
		obj{"status": "error", "errorDescription": anyValue})

	alice.interaction(carol.id, obj{"operationName": "EndChatSession"}, statusOK)
	alice.await(obj{"notificationType": "StatusChange", "chat": obj{"state": "LeftChat"}})
	if state, _ := carol.transcript(1); state != "Idle" {
		t.Errorf("customer after EndChatSession: %s", state)
	}
	alice.interaction(carol.id, obj{"operationName": "EndChatSession"}, obj{"status": "error", "errorDescription": anyValue})
	alice.interaction(carol.id, obj{"operationName": "Complete"}, codeOKWant)
	alice.await(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
	alice.interaction(carol.id, obj{"operationName": "SendMessage", "text": "late"},
		obj{"statusCode": codeInvalidState, "statusMessage": anyValue})

	// Reject and SingleStepTransfer.
	carol2 := requestChat(t, run.URL, "Carol2", "agent1,agent2")
	alice.await(obj{"chat": obj{"id": carol2.id, "state": "Invited"}})
	alice.interaction(carol2.id, obj{"operationName": "Reject"}, codeOKWant)
	bob.await(obj{"chat": obj{"id": carol2.id, "state": "Invited"}})
	bob.interaction(carol2.id, obj{"operationName": "Accept", "nickname": "Bob"}, codeOKWant)
	ans = bob.interaction(carol2.id, obj{"operationName": "SingleStepTransfer", "agentId": alice.id()}, codeOKWant)
	alice.acceptOffer(carol2.id)
	bob.await(obj{"notificationType": "StatusChange", "referenceId": ans["referenceId"], "chat": obj{"state": "Completed"}})
}

func TestInteractionsWrongShapeFault(t *testing.T) {
	run := startServer(t, Config{Faults: []string{"interactions-wrong-shape"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"state": "Invited"}})
	alice.interaction(carol.id, obj{"operationName": "Accept", "nickname": "Alice"}, statusOK)
	alice.interaction(carol.id, obj{"operationName": "EndChatSession"}, codeOKWant)
}
