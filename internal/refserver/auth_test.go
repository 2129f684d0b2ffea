package refserver

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestAuthAndCSRF(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1")

	// Wrong and missing credentials: 401 statusCode 20 with a Basic challenge.
	alice.password = "wrong"
	status, got := alice.do("GET", "/api/v2/me", nil)
	if status != 401 || got["statusCode"] != 20.0 {
		t.Errorf("wrong password: %d %v", status, got)
	}
	resp, err := http.Get(run.URL + "/api/v2/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="gws"` {
		t.Errorf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	alice.password = "password"

	// POST before GET /api/v2/me: no token, no cookie.
	alice.fails("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}}, codeForbidden)

	status, got = alice.do("GET", "/api/v2/me", nil)
	want := obj{"statusCode": 0, "user": obj{"userName": "agent1", "id": userIDFor("agent1"),
		"uri": run.URL + "/api/v2/users/" + userIDFor("agent1"), "roles": []string{"ROLE_AGENT"}}}
	if err := matches(got, want, ""); status != 200 || err != nil {
		t.Fatalf("GET /api/v2/me: %d %v", status, err)
	}
	token := alice.token

	// Token without the cookie: 403.
	body := strings.NewReader(`{"operationName":"Ready"}`)
	req, _ := http.NewRequest("POST", run.URL+"/api/v2/me/channels/chat", body)
	req.SetBasicAuth("agent1", "password")
	req.Header.Set(csrfHeader, token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeBody(t, resp); resp.StatusCode != 403 || got["statusMessage"] != "Missing or invalid Csrf token" {
		t.Errorf("token without cookie: %d %v", resp.StatusCode, got)
	}
	resp.Body.Close()

	// Cookie with a wrong token: 403. Another agent's session: 403.
	alice.token = "nope"
	alice.fails("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}}, codeForbidden)
	alice.token = token
	mallory := newAgent(t, run.URL, "agent2")
	mallory.http = alice.http // alice's cookie jar
	mallory.token = token
	mallory.fails("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}}, codeForbidden)

	// Ready before StartContactCenterSession is invalid for the state.
	alice.fails("/api/v2/me/channels/chat", obj{"operationName": "Ready"}, codeInvalidState)
	alice.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	status, got = alice.do("POST", "/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat", "voice"}})
	if status != 200 || got["statusCode"] != 7.0 {
		t.Errorf("partial success: %d %v", status, got)
	}
	// A second GET keeps the same session and token.
	alice.do("GET", "/api/v2/me", nil)
	if alice.token != token {
		t.Errorf("GET /api/v2/me again changed the token")
	}
}

func TestNotificationsNeedCredentialsAndOwnChannels(t *testing.T) {
	run := startServer(t, Config{})
	resp, err := http.Post(run.URL+"/api/v2/notifications/handshake", "application/json",
		strings.NewReader(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("handshake without credentials: HTTP %d", resp.StatusCode)
	}
	alice := newAgent(t, run.URL, "agent1").start(false)
	err = alice.bx.Subscribe(context.Background(), "/v2/other")
	if err == nil || !strings.Contains(err.Error(), "403::") {
		t.Errorf("subscribe outside /v2/me/*: want a 403 error, got %v", err)
	}
	if err := alice.bx.Subscribe(context.Background(), "/v2/me/devices"); err != nil {
		t.Errorf("subscribe /v2/me/devices: %v", err)
	}
}

// Ready and NotReady notify every time, even when the state does not change.
func TestChannelStateNotifiesEveryTime(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(false)
	for _, op := range []string{"Ready", "Ready", "NotReady", "NotReady"} {
		alice.ok("/api/v2/me/channels/chat", obj{"operationName": op})
		alice.expect(obj{"messageType": "ChannelStateChangeMessageV2",
			"channels": []any{obj{"channel": "chat", "userState": obj{"state": op, "displayName": op}}}})
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	path := "/api/v2/me/chats/" + carol.id

	// Invited: only Accept and Reject.
	alice.fails(path, obj{"operationName": "SendMessage", "text": "early"}, codeInvalidState)
	alice.fails("/api/v2/me/chats/NOSUCHCHAT", obj{"operationName": "Accept"}, codeNotFound)
	bob.fails(path, obj{"operationName": "Accept"}, codeNoPermission)
	alice.fails(path, obj{"operationName": "Dance"}, codeMissingParam)
	alice.fails(path, obj{"text": "no operation"}, codeMissingParam)
	alice.fails(path, obj{"operationName": "SendMessage", "text": 5}, codeMissingParam)

	post := func(body []byte) (int, obj) {
		req, _ := http.NewRequest("POST", run.URL+path, bytes.NewReader(body))
		alice.prepare(req)
		resp, err := alice.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, decodeBody(t, resp)
	}
	if status, got := post([]byte(`{"operationName":`)); status != 400 || got["statusCode"] != 1.0 ||
		!strings.Contains(got["statusMessage"].(string), "malformed JSON") {
		t.Errorf("malformed JSON: %d %v", status, got)
	}
	big := append([]byte(`{"operationName":"SendMessage","text":"`), bytes.Repeat([]byte("x"), maxBodyBytes)...)
	if status, got := post(append(big, `"}`...)); status != 400 || got["statusCode"] != 10.0 {
		t.Errorf("oversized body: %d %v", status, got)
	}
	if status, got := alice.do("GET", "/api/v2/nothing", nil); status != 404 || got["statusCode"] != 6.0 {
		t.Errorf("unknown path: %d %v", status, got)
	}

	// Customer side: secureKey and operation checks.
	status, got := carol.post("/api/v2/chats/"+carol.id, obj{"operationName": "SendMessage", "text": "x", "secureKey": "WRONG"})
	if status != 403 || got["statusCode"] != 3.0 {
		t.Errorf("wrong secureKey: %d %v", status, got)
	}
	// A client written from the documentation sends no secureKey: accepted.
	status, got = carol.get("/api/v2/chats/" + carol.id + "/messages")
	if status != 200 || got["statusCode"] != 0.0 {
		t.Errorf("messages without secureKey: %d %v", status, got)
	}
	status, got = carol.post("/api/v2/chats", obj{"operationName": "RequestChat"})
	if status != 400 || got["statusCode"] != 1.0 {
		t.Errorf("RequestChat without nickname: %d %v", status, got)
	}
	status, got = carol.post("/api/v2/chats", obj{"operationName": "RequestChat", "nickname": "X", "userData": obj{"RouteTo": "nobody"}})
	if status != 404 || got["statusCode"] != 6.0 {
		t.Errorf("RequestChat to an unknown RouteTo: %d %v", status, got)
	}
}

func TestContactCenterIDIsCheckedWhenConfigured(t *testing.T) {
	run := startServer(t, Config{ContactCenterID: "cc-1"})
	c := &customerClient{t: t, base: run.URL}
	status, got := c.post("/api/v2/chats", obj{"operationName": "RequestChat", "nickname": "X"}) // sends "test"
	if status != 403 || got["statusCode"] != 3.0 {
		t.Errorf("wrong ContactCenterId: %d %v", status, got)
	}
}

// The customer's Complete ends the session; agents see it; the chat cannot be used again.
func TestCustomerComplete(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)
	carol.op("Complete", nil)
	alice.expect(obj{"notificationType": "ParticipantsUpdated"})
	alice.expect(obj{"messages": []any{obj{"type": "ParticipantLeft", "from": obj{"type": "Customer"}}}})
	if state, _ := carol.transcript(1); state != "Idle" {
		t.Errorf("customer after Complete: %s", state)
	}
	alice.chatOp(carol.id, "Complete", nil)
	alice.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
}
