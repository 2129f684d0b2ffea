package refserver

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

var encodings = []struct {
	name      string
	multipart bool
}{{"urlencoded", false}, {"multipart", true}}

// The request chat answer has the documented sample's shape (GMS/API/ChatAPIv2):
// firstName+lastName make the nickname "First Last", the transcript so far is the
// customer's own ParticipantJoined as participant 1 of type Client.
func TestGMSRequestChat(t *testing.T) {
	run := startServer(t, Config{})
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			for _, service := range []string{"customer-support", "request-chat", "Any_Name.2"} {
				g := gmsRequestChat(t, run.URL, service, url.Values{
					"firstName": {"First"}, "lastName": {"Last"}, "subject": {"Subject to"},
					"emailAddress": {"jdoe@example.com"}, "userData[TimeZone]": {"-480"},
				}, enc.multipart)
				got := g.answers[0]
				if err := matches(got, obj{"statusCode": 0, "alias": "117", "chatEnded": false, "nextPosition": 2}, ""); err != nil {
					t.Fatalf("%s: %v in %v", service, err, got)
				}
				wantMessages(t, got, obj{"index": 1, "type": "ParticipantJoined",
					"from": obj{"nickname": "First Last", "participantId": 1, "type": "Client"}, "utcTime": anyValue})
				if ms, ok := messagesOf(t, got)[0]["utcTime"].(float64); !ok || ms < 1e12 {
					t.Errorf("utcTime is not epoch milliseconds: %v", messagesOf(t, got)[0])
				}
			}
		})
	}
	t.Run("trailing slash", func(t *testing.T) {
		// A public widget client posts to .../chat/{service}/.
		status, got := gmsPost(t, run.URL+"/genesys/2/chat/customer-support/", url.Values{"nickname": {"Ann"}}, false)
		if status != 200 || got["statusCode"] != 0.0 {
			t.Fatalf("%d %v", status, got)
		}
	})
}

func TestGMSRequestChatRefusals(t *testing.T) {
	run := startServer(t, Config{})
	base := run.URL + "/genesys/2/chat/customer-support"
	for name, fields := range map[string]url.Values{
		"no name":            {"subject": {"help"}},
		"first name only":    {"firstName": {"First"}},
		"unknown RouteTo":    {"nickname": {"Ann"}, "userData[RouteTo]": {"nobody"}},
		"empty RouteTo list": {"nickname": {"Ann"}, "userData[RouteTo]": {" , "}},
	} {
		status, got := gmsPost(t, base, fields, false)
		if status != 200 || got["statusCode"] != 2.0 || got["statusMessage"] == nil || got["chatId"] != nil {
			t.Errorf("%s: want 200 statusCode 2 with a statusMessage, got %d %v", name, status, got)
		}
	}
	for _, ct := range []string{"application/json", "text/plain", ""} {
		status, got := rawPost(t, base, ct, strings.NewReader(`{"nickname":"Ann"}`))
		if status != 415 || got["statusCode"] != 2.0 {
			t.Errorf("Content-Type %q: want 415 statusCode 2, got %d %v", ct, status, got)
		}
	}
	big := strings.Repeat("a=1&", maxFormFields)
	if status, got := rawPost(t, base, "application/x-www-form-urlencoded", strings.NewReader(big+"nickname=Ann")); status != 413 {
		t.Errorf("too many fields: want 413, got %d %v", status, got)
	}
	huge := "nickname=" + strings.Repeat("x", maxBodyBytes)
	if status, got := rawPost(t, base, "application/x-www-form-urlencoded", strings.NewReader(huge)); status != 413 {
		t.Errorf("body over 1 MiB: want 413, got %d %v", status, got)
	}
	parts := url.Values{"nickname": {"Ann"}}
	for i := range 2000 {
		parts.Set(fmt.Sprint("f", i), "v")
	}
	if status, got := gmsPost(t, base, parts, true); status != 413 {
		t.Errorf("multipart with 2000 parts: want 413, got %d %v", status, got)
	}
}

// A GMS customer is routed by userData[RouteTo] into the chats the agents see,
// exactly as a GWS customer: agent3 is offered the chat, and what each side says
// reaches the other.
func TestGMSRoutedToTheAgent(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			run := startServer(t, Config{})
			agent1 := newAgent(t, run.URL, "agent1").start(true)
			agent3 := newAgent(t, run.URL, "agent3").start(true)
			fields := routedTo("Carol", "agent3")
			fields.Set("userData[Order]", "42")
			g := gmsRequestChat(t, run.URL, "customer-support", fields, enc.multipart)
			offer := agent3.await(obj{"notificationType": "StatusChange", "chat": obj{"id": g.chatID, "state": "Invited"}})
			if err := matches(offer, obj{"chat": obj{"userData": obj{"RouteTo": "agent3", "Order": "42"},
				"participants": []any{obj{"nickname": "Carol", "type": "Customer", "participantId": g.userID}}}}, ""); err != nil {
				t.Errorf("the offer: %v in %s", err, dumpOne(offer))
			}
			agent3.chatOp(g.chatID, "Accept", obj{"nickname": "Agent Three"})
			agent3.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Chatting"}})
			agent3.expect(obj{"notificationType": "ParticipantsUpdated"})
			agent3.expect(obj{"notificationType": "NewMessages", "messages": []any{
				obj{"type": "ParticipantJoined", "from": obj{"type": "Customer"}},
				obj{"type": "ParticipantJoined", "from": obj{"nickname": "Agent Three", "type": "Agent"}}}})

			g.op("send", url.Values{"message": {"I need help with account"}})
			agent3.expect(obj{"notificationType": "NewMessages", "messages": []any{
				obj{"index": 3, "type": "Text", "text": "I need help with account", "visibility": "All",
					"from": obj{"nickname": "Carol", "type": "Customer", "participantId": g.userID}}}})
			agent3.chatOp(g.chatID, "SendMessage", obj{"text": "How can I help?"})
			agent3.expect(obj{"notificationType": "NewMessages"})

			got := g.refresh(2)
			wantMessages(t, got,
				obj{"index": 2, "type": "ParticipantJoined", "from": obj{"nickname": "Agent Three", "participantId": 2, "type": "Agent"}},
				obj{"index": 3, "type": "Message", "text": "I need help with account", "from": obj{"nickname": "Carol", "participantId": 1, "type": "Client"}},
				obj{"index": 4, "type": "Message", "text": "How can I help?", "from": obj{"nickname": "Agent Three", "participantId": 2, "type": "Agent"}})
			if position(t, got) != 5 || got["chatEnded"] != false {
				t.Errorf("want nextPosition 5, chatEnded false: %v", got)
			}
			// agent1 was Ready too, and never heard of the chat.
			if before := agent1.ready(); len(before) != 0 {
				t.Errorf("agent1 got notifications: %s", dump(before))
			}
		})
	}
}

// Every operation of the docs, in both encodings: what the agent is told, and what
// the customer reads back.
func TestGMSEveryOperation(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			run := startServer(t, Config{})
			agent := newAgent(t, run.URL, "agent2").start(true)
			g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", "agent2"), enc.multipart)
			agent.acceptOffer(g.chatID)
			next := func(typ string, want obj) {
				t.Helper()
				want["type"] = typ
				agent.expect(obj{"notificationType": "NewMessages", "messages": []any{want}})
			}
			g.op("send", url.Values{"message": {"hello"}, "messageType": {"text"}})
			next("Text", obj{"text": "hello", "from": obj{"type": "Customer"}})
			g.op("startTyping", nil)
			next("TypingStarted", obj{"visibility": "All"})
			g.op("stopTyping", nil)
			next("TypingStopped", obj{"visibility": "All"})
			g.op("pushUrl", url.Values{"pushUrl": {"http://example.com/order/42"}})
			next("PushUrl", obj{"url": "http://example.com/order/42"})
			g.op("updateNickname", url.Values{"nickname": {"Caroline"}})
			next("NicknameUpdated", obj{"text": "Caroline", "from": obj{"nickname": "Caroline"}})
			g.op("customNotice", url.Values{"message": {"page: checkout"}})
			next("CustomNotice", obj{"text": "page: checkout", "visibility": "All"})
			g.op("updateData", url.Values{"userData[Order]": {"43"}})
			agent.expect(obj{"notificationType": "PropertiesUpdated", "chat": obj{"userData": obj{"Order": "43", "RouteTo": "agent2"}}})

			got := g.refresh(3) // after both ParticipantJoined
			client := obj{"nickname": "Caroline", "participantId": 1, "type": "Client"}
			wantMessages(t, got,
				obj{"index": 3, "type": "Message", "text": "hello", "messageType": "text", "from": client},
				obj{"index": 4, "type": "TypingStarted", "from": client, "text": absent},
				obj{"index": 5, "type": "TypingStopped", "from": client},
				obj{"index": 6, "type": "PushUrl", "text": "http://example.com/order/42", "from": client},
				obj{"index": 7, "type": "NicknameUpdated", "text": "Caroline", "from": client},
				obj{"index": 8, "type": "CustomNotice", "text": "page: checkout", "from": client})
			if position(t, got) != 9 {
				t.Errorf("nextPosition: %v", got)
			}

			// Refusals of missing parameters: statusCode 2, nothing changes.
			for op, fields := range map[string]url.Values{"send": nil, "pushUrl": nil, "updateNickname": nil, "updateData": {"userData[]": {"x"}}} {
				if got := g.refuse(op, fields); got["chatEnded"] != false {
					t.Errorf("%s refused by the chat's owner: want chatEnded false, got %v", op, got)
				}
			}

			ended := g.op("disconnect", url.Values{"transcriptPosition": {"9"}})
			wantMessages(t, ended, obj{"index": 9, "type": "ParticipantLeft", "from": client})
			if ended["chatEnded"] != true {
				t.Errorf("disconnect: want chatEnded true, got %v", ended)
			}
			agent.expect(obj{"notificationType": "ParticipantsUpdated"})
			next("ParticipantLeft", obj{"from": obj{"type": "Customer"}})
		})
	}
}

// transcriptPosition asks for the transcript from that index on; nextPosition is
// where the next request starts, so asking with it returns only what is new.
func TestGMSTranscriptPosition(t *testing.T) {
	run := startServer(t, Config{})
	agent := newAgent(t, run.URL, "agent1").start(true)
	g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", "agent1"), false)
	agent.acceptOffer(g.chatID)

	first := g.refresh(1)
	wantMessages(t, first, obj{"index": 1}, obj{"index": 2})
	pos := position(t, first)
	if pos != 3 {
		t.Fatalf("nextPosition after two messages: %d", pos)
	}
	if again := g.refresh(pos); len(messagesOf(t, again)) != 0 || position(t, again) != pos {
		t.Errorf("nothing new: want no messages and the same nextPosition, got %v", again)
	}
	agent.chatOp(g.chatID, "SendMessage", obj{"text": "one"})
	agent.chatOp(g.chatID, "SendMessage", obj{"text": "two"})
	got := g.refresh(pos)
	wantMessages(t, got, obj{"index": 3, "text": "one"}, obj{"index": 4, "text": "two"})
	pos = position(t, got)

	// Without transcriptPosition, refresh reads from 1; 0 also means the start.
	wantMessages(t, g.refresh(0), obj{"index": 1}, obj{"index": 2}, obj{"index": 3}, obj{"index": 4})
	wantMessages(t, g.op("refresh", url.Values{"transcriptPosition": {"0"}}), obj{"index": 1}, obj{"index": 2}, obj{"index": 3}, obj{"index": 4})

	// The other operations return the transcript only when asked.
	sent := g.op("send", url.Values{"message": {"three"}})
	if len(messagesOf(t, sent)) != 0 || sent["nextPosition"] != nil {
		t.Errorf("send without transcriptPosition: want no messages and no nextPosition, got %v", sent)
	}
	withTranscript := g.op("startTyping", url.Values{"transcriptPosition": {"5"}})
	wantMessages(t, withTranscript, obj{"index": 5, "type": "Message", "text": "three"}, obj{"index": 6, "type": "TypingStarted"})
	if position(t, withTranscript) != 7 || pos != 5 {
		t.Errorf("positions: %d, %v", pos, withTranscript)
	}
	for _, bad := range []string{"-1", "two", "1.5"} {
		g.refuse("refresh", url.Values{"transcriptPosition": {bad}})
	}
}

// Messages for agents only (SendToAgents, typing to agents, a consultant joining)
// never reach the customer's refresh; nextPosition moves past them all the same.
func TestGMSAgentsOnlyHidden(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1").start(true)
	bob := newAgent(t, run.URL, "agent2").start(true)
	g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", "agent1"), false)
	alice.acceptOffer(g.chatID)
	alice.chatOp(g.chatID, "SendToAgents", obj{"text": "secret"})
	alice.chatOp(g.chatID, "SendStartTypingToAgentsNotification", nil)
	alice.chatOp(g.chatID, "Consult", obj{"targetUri": bob.uri()})
	bob.acceptOffer(g.chatID)
	bob.chatOp(g.chatID, "SendMessage", obj{"text": "consultant says"})
	alice.chatOp(g.chatID, "SendMessage", obj{"text": "public"})

	got := g.refresh(3)
	wantMessages(t, got, obj{"index": 7, "type": "Message", "text": "public", "from": obj{"type": "Agent"}})
	if position(t, got) != 8 {
		t.Errorf("nextPosition: %v", got)
	}
	for _, m := range messagesOf(t, g.refresh(1)) {
		if m["text"] == "secret" || m["text"] == "consultant says" || m["index"] == 4.0 || m["index"] == 5.0 {
			t.Errorf("the customer sees an agents-only message: %v", m)
		}
	}
}

// chatEnded turns true when the session ends: the only agent completes or leaves,
// or the customer disconnects. Afterwards the transcript stays readable, every
// other operation is refused with statusCode 2 and chatEnded true, and disconnect
// still succeeds.
func TestGMSChatEnded(t *testing.T) {
	for _, op := range []string{"Complete", "Leave"} {
		t.Run(op, func(t *testing.T) {
			run := startServer(t, Config{})
			agent := newAgent(t, run.URL, "agent1").start(true)
			g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", "agent1"), false)
			agent.acceptOffer(g.chatID)
			if got := g.refresh(1); got["chatEnded"] != false {
				t.Fatalf("chatEnded before the end: %v", got)
			}
			agent.chatOp(g.chatID, op, nil)
			got := g.refresh(3)
			wantMessages(t, got, obj{"index": 3, "type": "ParticipantLeft", "from": obj{"type": "Agent"}})
			if got["chatEnded"] != true {
				t.Errorf("after the agent's %s: want chatEnded true, got %v", op, got)
			}
			for _, refused := range []string{"send", "startTyping", "stopTyping", "pushUrl", "updateNickname", "updateData", "customNotice"} {
				fields := url.Values{"message": {"x"}, "pushUrl": {"http://x"}, "nickname": {"x"}, "userData[k]": {"v"}}
				if got := g.refuse(refused, fields); got["chatEnded"] != true {
					t.Errorf("%s after the end: want chatEnded true, got %v", refused, got)
				}
			}
			if got := g.op("disconnect", nil); got["chatEnded"] != true {
				t.Errorf("disconnect after the end: %v", got)
			}
		})
	}
	t.Run("before any agent", func(t *testing.T) {
		run := startServer(t, Config{})
		g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", ""), true)
		if got := g.op("disconnect", nil); got["chatEnded"] != true {
			t.Errorf("disconnect while waiting: %v", got)
		}
		wantMessages(t, g.refresh(1), obj{"type": "ParticipantJoined"}, obj{"type": "ParticipantLeft", "from": obj{"type": "Client"}})
	})
}

// Only the session's own userId and secureKey are served; a refusal is statusCode 2
// and says nothing of the chat (no chatEnded).
func TestGMSRefusesStrangers(t *testing.T) {
	run := startServer(t, Config{})
	g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", ""), false)
	gws := requestChat(t, run.URL, "Dave", "")
	cases := map[string]func(f url.Values) string{
		"wrong secureKey":   func(f url.Values) string { f.Set("secureKey", "4ee15d7e1c343c8e"); return g.chatID },
		"wrong userId":      func(f url.Values) string { f.Set("userId", "007555677B20000A"); return g.chatID },
		"no secureKey":      func(f url.Values) string { f.Del("secureKey"); return g.chatID },
		"no userId":         func(f url.Values) string { f.Del("userId"); return g.chatID },
		"no alias":          func(f url.Values) string { f.Del("alias"); return g.chatID },
		"unknown chat":      func(url.Values) string { return "00048aAPEQJ8000U" },
		"a GWS API chat":    func(f url.Values) string { f.Set("secureKey", gws.secureKey); return gws.id },
		"secureKey in case": func(f url.Values) string { f.Set("secureKey", strings.ToLower(g.secureKey)); return g.chatID },
	}
	for name, change := range cases {
		for _, op := range []string{"refresh", "send", "disconnect"} {
			f := url.Values{"userId": {g.userID}, "secureKey": {g.secureKey}, "alias": {"117"}, "message": {"hi"}}
			id := change(f)
			status, got := gmsPost(t, g.base+"/"+id+"/"+op, f, false)
			if status != 200 || got["statusCode"] != 2.0 || got["chatEnded"] != nil || got["messages"] != nil {
				t.Errorf("%s, %s: want 200 {statusCode 2} without chatEnded or messages, got %d %v", name, op, status, got)
			}
		}
	}
	// Another service name is another service: the chat is not there.
	status, got := gmsPost(t, run.URL+"/genesys/2/chat/other-service/"+g.chatID+"/refresh",
		url.Values{"userId": {g.userID}, "secureKey": {g.secureKey}, "alias": {"117"}}, false)
	if status != 200 || got["statusCode"] != 2.0 {
		t.Errorf("other service: %d %v", status, got)
	}
	// Any alias is accepted (it names the host, and may change).
	g.alias = "999"
	g.refresh(1)
	if status, got := g.try("transcript", nil); status != 404 || got["statusCode"] != 2.0 {
		t.Errorf("unknown operation: want 404 statusCode 2, got %d %v", status, got)
	}
	// The chat survived all of it.
	if got := g.refresh(1); got["chatEnded"] != false || len(messagesOf(t, got)) != 1 {
		t.Errorf("after the refusals: %v", got)
	}
}

// Only userData[key] fields are user data: a field that merely ends in "]"
// is not.
func TestGMSUserDataTakesOnlyUserDataFields(t *testing.T) {
	got := gmsUserData(url.Values{"userData[RouteTo]": {"agent3"}, "other]": {"x"}, "userData[]": {"y"}, "nickname": {"Carol"}})
	if len(got) != 1 || got["RouteTo"] != "agent3" {
		t.Errorf("user data %v, want only RouteTo", got)
	}
}
