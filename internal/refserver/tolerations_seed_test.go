package refserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The tolerations that make the server answer as the seed pages print, each
// checked on the wire: exact answer bytes, keys present or absent.

// raw sends one request as a and returns the status, the headers and the answer's
// exact bytes (without the trailing newline the server writes after JSON).
func (a *agentClient) raw(method, path string, body any) (int, http.Header, string) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(encoded)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	a.prepare(req)
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSuffix(string(got), "\n")
}

// answerIs posts an operation and wants exactly the answer bytes want.
func (a *agentClient) answerIs(path string, body obj, want string) {
	a.t.Helper()
	status, _, got := a.raw(http.MethodPost, path, body)
	if status != 200 || got != want {
		a.t.Fatalf("%s POST %s %v: want 200 %s, got %d %s", a.user, path, body, want, status, got)
	}
}

// refOnly wants an answer that is exactly statusCode 0 and a referenceId, and returns it.
func (a *agentClient) refOnly(path string, body obj) float64 {
	a.t.Helper()
	got := a.ok(path, body)
	ref, ok := got["referenceId"].(float64)
	if !ok || len(got) != 2 {
		a.t.Fatalf("%s POST %s %v: want exactly statusCode 0 and a referenceId, got %v", a.user, path, body, got)
	}
	return ref
}

// Seeds 003, 004 and 002 answer {"statusCode":0}; only Consult and Invite (seeds
// 000, 001) carry a referenceId, and StatusChange still carries the request's.
func TestAnswersWithoutReferenceID(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"answers-without-reference-id"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	dave := newAgent(t, run.URL, "agent3").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	path := "/api/v2/me/chats/" + carol.id
	alice.await(obj{"chat": obj{"state": "Invited"}})

	alice.answerIs(path, obj{"operationName": "Accept", "nickname": "Alice"}, `{"statusCode":0}`)
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": anyValue, "chat": obj{"state": "Chatting"}})
	alice.expect(obj{"notificationType": "ParticipantsUpdated"})
	alice.expect(obj{"notificationType": "NewMessages"})
	alice.answerIs(path, obj{"operationName": "SendMessage", "text": "hi"}, `{"statusCode":0}`)
	alice.answerIs(path, obj{"operationName": "AttachUserData", "userData": obj{"k": "v"}}, `{"statusCode":0}`)
	alice.answerIs(path, obj{"operationName": "SetInFocus"}, `{"statusCode":0}`)

	ref := alice.refOnly(path, obj{"operationName": "Consult", "targetUri": bob.uri()})
	bob.acceptOffer(carol.id)
	alice.await(obj{"notificationType": "ParticipantsUpdated", "referenceId": ref})
	alice.refOnly(path, obj{"operationName": "Invite", "targetUri": dave.uri()})

	// Seed 002's statusCode-shaped answers are {"statusCode":0} too; its status shape stays.
	alice.answerIs("/api/v2/me/interactions/"+carol.id, obj{"operationName": "SendMessage", "text": "x"}, `{"statusCode":0}`)
	alice.answerIs("/api/v2/me/interactions/"+carol.id, obj{"operationName": "RequestChatHistory"}, `{"statusCode":0}`)
	bob.answerIs("/api/v2/me/chats/"+carol.id, obj{"operationName": "Leave"}, `{"statusCode":0}`)
	bob.await(obj{"notificationType": "StatusChange", "referenceId": anyValue, "chat": obj{"state": "Completed"}})
}

// Seeds 003:76-111, 000:18-20 and 001:19-21 show ParticipantsUpdated and NewMessages
// without a referenceId; StatusChange (003:55, 004:46) and Error (000:22) keep it.
func TestNotificationsWithoutReferenceID(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"notifications-without-reference-id"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	idle := newAgent(t, run.URL, "agent3").start(false)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.await(obj{"chat": obj{"state": "Invited"}})

	ref := alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})["referenceId"]
	alice.expect(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Chatting"}})
	alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": absent})
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": absent})
	alice.chatOp(carol.id, "SendMessage", obj{"text": "hi"})
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": absent, "messages": []any{obj{"text": "hi"}}})
	alice.chatOp(carol.id, "SetDisposition", obj{"disposition": "Sale"})
	alice.expect(obj{"notificationType": "PropertiesUpdated", "referenceId": absent})
	alice.ok("/api/v2/me/interactions/"+carol.id, obj{"operationName": "RequestChatHistory"})
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": absent})

	ref = alice.chatOp(carol.id, "Consult", obj{"targetUri": idle.uri()})["referenceId"]
	alice.expect(obj{"notificationType": "Error", "referenceId": ref})
	alice.chatOp(carol.id, "Invite", obj{"targetUri": bob.uri()})
	bob.acceptOffer(carol.id)
	alice.expect(obj{"notificationType": "ParticipantsUpdated", "referenceId": absent})
	alice.expect(obj{"notificationType": "NewMessages", "referenceId": absent, "messages": []any{obj{"type": "ParticipantJoined"}}})
	ref = bob.chatOp(carol.id, "Leave", nil)["referenceId"]
	bob.expect(obj{"notificationType": "StatusChange", "referenceId": ref, "chat": obj{"state": "Completed"}})
}

// A lone agent's Chatting list by default is seed 003's seven plus what seed 000:22
// adds; set-in-focus makes it seed 000:22's list exactly and LeftChat SetInFocus.
func TestFocusCapabilitySpelling(t *testing.T) {
	union := []string{"Transfer", "Complete", "Leave", "InFocus", "SendMessage", "SendStartTypingNotification",
		"SendStopTypingNotification", "Invite", "Consult", "SetInFocus", "SetDisposition", "AttachUserData",
		"DeleteUserData", "UpdateUserData"}
	seed000 := []string{"Transfer", "Leave", "Invite", "Consult", "SetInFocus", "SetDisposition", "AttachUserData",
		"DeleteUserData", "UpdateUserData", "Complete", "SendMessage", "SendStartTypingNotification", "SendStopTypingNotification"}
	cases := []struct {
		tolerate []string
		alone    []string
		leftChat []string
	}{
		{nil, union, []string{"Transfer", "Complete", "Leave", "InFocus"}},
		{[]string{"set-in-focus"}, seed000, []string{"Transfer", "Complete", "Leave", "SetInFocus"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(append([]string{"tolerate"}, tc.tolerate...), " "), func(t *testing.T) {
			run := startServer(t, Config{Tolerate: tc.tolerate})
			alice := newAgent(t, run.URL, "agent1").start(true)
			carol := requestChat(t, run.URL, "Carol", "agent1")
			alice.await(obj{"chat": obj{"state": "Invited"}})
			alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})
			alice.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Chatting", "capabilities": tc.alone}})
			alice.expect(obj{"notificationType": "ParticipantsUpdated", "chat": obj{"capabilities": tc.alone}})
			alice.expect(obj{"notificationType": "NewMessages"})
			// Both spellings are operations, whichever the list shows.
			alice.chatOp(carol.id, "InFocus", nil)
			alice.chatOp(carol.id, "SetInFocus", nil)
			alice.chatOp(carol.id, "Leave", nil)
			alice.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "LeftChat", "capabilities": tc.leftChat}})
		})
	}
}

// Ready/NotReady in the current state send nothing; the next real change is the
// very next notification, so nothing came before it.
func TestReadyUnchangedSilent(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"ready-unchanged-silent"}})
	alice := newAgent(t, run.URL, "agent1").start(false)
	steps := []struct{ op, notified string }{
		{"NotReady", ""}, {"Ready", "Ready"}, {"Ready", ""}, {"Ready", ""}, {"NotReady", "NotReady"}, {"NotReady", ""}, {"Ready", "Ready"},
	}
	for _, st := range steps {
		alice.ok("/api/v2/me/channels/chat", obj{"operationName": st.op})
		if st.notified != "" {
			alice.expect(obj{"messageType": "ChannelStateChangeMessageV2",
				"channels": []any{obj{"channel": "chat", "userState": obj{"state": st.notified}}}})
		}
	}
}

// plain-401: no body on 401 (the Basic challenge stays), a bare-text CSRF 403, and
// the notification endpoint's 401 alike.
func TestPlain401(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"plain-401"}})
	alice := newAgent(t, run.URL, "agent1")
	alice.password = "wrong"
	handshake := []obj{{"channel": "/meta/handshake", "version": "1.0", "supportedConnectionTypes": []string{"long-polling"}}}
	for _, rq := range []struct {
		method, path string
		body         any
	}{{http.MethodGet, "/api/v2/me", nil}, {http.MethodPost, "/api/v2/notifications/handshake", handshake}} {
		status, header, body := alice.raw(rq.method, rq.path, rq.body)
		if status != 401 || body != "" || header.Get("WWW-Authenticate") != `Basic realm="gws"` {
			t.Errorf("%s %s with a wrong password: %d %q WWW-Authenticate %q", rq.method, rq.path, status, body, header.Get("WWW-Authenticate"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, run.URL+"/api/v2/me", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || len(raw) != 0 || resp.Header.Get("WWW-Authenticate") != `Basic realm="gws"` {
		t.Errorf("no credentials: %d %q %v", resp.StatusCode, raw, resp.Header)
	}

	alice.password = "password"
	status, header, body := alice.raw(http.MethodPost, "/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	if status != 403 || body != "Missing or invalid Csrf token" || !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
		t.Errorf("POST without a CSRF token: %d %q Content-Type %q", status, body, header.Get("Content-Type"))
	}
	alice.start(true) // with the token everything works as usual
}

// customer-without-secure-key: RequestChat answers {statusCode, id, path} only, and
// customer requests need no secureKey (a wrong one is ignored too).
func TestCustomerWithoutSecureKey(t *testing.T) {
	run := startServer(t, Config{Tolerate: []string{"customer-without-secure-key"}})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := &customerClient{t: t, base: run.URL}
	status, got := carol.post("/api/v2/chats", obj{"operationName": "RequestChat", "nickname": "Carol", "userData": obj{"RouteTo": "agent1"}})
	carol.id, _ = got["id"].(string)
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if status != 200 || !slices.Equal(keys, []string{"id", "path", "statusCode"}) || got["path"] != "/api/v2/chats/"+carol.id {
		t.Fatalf("RequestChat: %d %v", status, got)
	}
	alice.acceptOffer(carol.id)
	carol.op("SendMessage", obj{"text": "no key"}) // secureKey "" is sent: accepted
	alice.expect(obj{"messages": []any{obj{"text": "no key"}}})
	status, got = carol.post("/api/v2/chats/"+carol.id, obj{"operationName": "SendMessage", "text": "wrong key", "secureKey": "nope"})
	if status != 200 || got["statusCode"] != 0.0 {
		t.Errorf("SendMessage with a wrong secureKey: %d %v", status, got)
	}
	if status, got := carol.post("/api/v2/chats/"+carol.id, obj{"operationName": "SendStartTypingNotification"}); status != 200 {
		t.Errorf("typing without any secureKey field: %d %v", status, got)
	}
	if status, got := carol.get("/api/v2/chats/" + carol.id); status != 200 || got["chat"].(obj)["state"] != "Chatting" {
		t.Errorf("GET chat without secureKey: %d %v", status, got)
	}
	if state, msgs := carol.transcript(1); state != "Chatting" || msgs[len(msgs)-1]["type"] != "TypingStarted" {
		t.Errorf("transcript without secureKey: %s %s", state, dumpOne(msgs))
	}
	if status, got := carol.get("/api/v2/chats/NOSUCHCHAT"); status != 404 {
		t.Errorf("an unknown chat is still unknown: %d %v", status, got)
	}
}
