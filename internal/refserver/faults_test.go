package refserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

func TestNewRejectsUnknownNames(t *testing.T) {
	if _, err := New(Config{Faults: []string{"no-such-fault"}}); err == nil || !strings.Contains(err.Error(), `fault: unknown name "no-such-fault"`) {
		t.Errorf("unknown fault: %v", err)
	}
	if _, err := New(Config{Tolerate: []string{"anything"}}); err == nil || !strings.Contains(err.Error(), "tolerate") {
		t.Errorf("unknown toleration: %v", err)
	}
	for _, f := range append(Faults(), Tolerations()...) {
		if f.Description == "" {
			t.Errorf("%s has no description", f.Name)
		}
	}
	for _, f := range Faults() {
		if f.Scenario == "" {
			t.Errorf("fault %s names no scenario", f.Name)
		}
	}
}

// Every switch in the code names a registered fault or toleration: a typo, or a
// name moved between the registries, would silently never switch on.
func TestSwitchesNameRegisteredEntries(t *testing.T) {
	registered := func(list []Fault) map[string]bool {
		m := map[string]bool{}
		for _, f := range list {
			m[f.Name] = true
		}
		return m
	}
	faults, tolerations := registered(faultList), registered(tolerationList)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	switchCall := regexp.MustCompile(`s\.(fault|tolerates)\("([a-z0-9-]+)"\)`)
	seen := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range switchCall.FindAllStringSubmatch(string(src), -1) {
			kind, name := m[1], m[2]
			if name == "name" { // the doc comment's example
				continue
			}
			seen++
			if kind == "fault" && !faults[name] || kind == "tolerates" && !tolerations[name] {
				t.Errorf("%s: s.%s(%q) names no registered %s", file, kind, name, kind)
			}
		}
	}
	if seen < len(faultList) {
		t.Errorf("found only %d switches for %d faults; is the pattern still right?", seen, len(faultList))
	}
}

// chatWithAgent starts a server with faults, an accepted chat of agent1, and agent2 Ready.
func chatWithAgent(t *testing.T, cfg Config) (run *Running, alice, bob *agentClient, carol *customerClient) {
	t.Helper()
	run = startServer(t, cfg)
	alice = newAgent(t, run.URL, "agent1").start(true)
	bob = newAgent(t, run.URL, "agent2").start(true)
	carol = requestChat(t, run.URL, "Carol", "agent1")
	alice.acceptOffer(carol.id)
	return run, alice, bob, carol
}

// Each fault makes the deviation it names, at the point a scenario would look.
func TestFaultsDeviate(t *testing.T) {
	t.Run("reference-id-missing", func(t *testing.T) {
		// Only the notifications the seeds show with a referenceId lose it.
		run, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"reference-id-missing"}})
		idle := newAgent(t, run.URL, "agent3").start(false)
		if ans := alice.chatOp(carol.id, "Consult", obj{"targetUri": idle.uri()}); ans["referenceId"] == nil {
			t.Errorf("the answer lost its referenceId: %v", ans)
		}
		alice.expect(obj{"notificationType": "Error", "referenceId": absent})
		ref := alice.chatOp(carol.id, "SendMessage", obj{"text": "x"})["referenceId"]
		alice.expect(obj{"notificationType": "NewMessages", "referenceId": ref})
		alice.chatOp(carol.id, "Leave", nil)
		alice.expect(obj{"notificationType": "StatusChange", "referenceId": absent, "chat": obj{"state": "LeftChat"}})
	})
	t.Run("leave-reports-completed", func(t *testing.T) {
		_, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"leave-reports-completed"}})
		alice.chatOp(carol.id, "Leave", nil)
		alice.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Completed"}})
	})
	t.Run("capability-missing", func(t *testing.T) {
		_, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"capability-missing"}})
		alice.chatOp(carol.id, "SetInFocus", nil)
		_, got := alice.do("GET", "/api/v2/me/chats/"+carol.id, nil)
		for _, c := range got["chat"].(obj)["capabilities"].([]any) {
			if c == "Leave" {
				t.Errorf("Leave still among %v", got["chat"].(obj)["capabilities"])
			}
		}
	})
	t.Run("message-index-repeated", func(t *testing.T) {
		_, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"message-index-repeated"}})
		alice.chatOp(carol.id, "SendMessage", obj{"text": "x"})
		alice.expect(obj{"messages": []any{obj{"index": 2, "text": "x"}}}) // 2 is the agent's ParticipantJoined
	})
	t.Run("wrong-status-code-invalid-state", func(t *testing.T) {
		_, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"wrong-status-code-invalid-state"}})
		alice.fails("/api/v2/me/chats/"+carol.id, obj{"operationName": "Accept"}, codeInternal)
	})
	t.Run("error-notification-never-sent", func(t *testing.T) {
		run, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"error-notification-never-sent"}})
		idle := newAgent(t, run.URL, "agent3").start(false)
		alice.chatOp(carol.id, "Consult", obj{"targetUri": idle.uri()})
		if before := alice.ready(); len(before) != 0 {
			t.Errorf("notifications despite the fault: %s", dump(before))
		}
	})
	t.Run("agents-messages-leak-to-customer", func(t *testing.T) {
		_, alice, _, carol := chatWithAgent(t, Config{Faults: []string{"agents-messages-leak-to-customer"}})
		alice.chatOp(carol.id, "SendToAgents", obj{"text": "secret"})
		_, msgs := carol.transcript(1)
		if last := msgs[len(msgs)-1]; last["text"] != "secret" || last["visibility"] != "Agents" {
			t.Errorf("customer's last message: %v", last)
		}
	})
	t.Run("consult-joined-visible-to-customer", func(t *testing.T) {
		_, alice, bob, carol := chatWithAgent(t, Config{Faults: []string{"consult-joined-visible-to-customer"}})
		alice.chatOp(carol.id, "Consult", obj{"targetUri": bob.uri()})
		bob.acceptOffer(carol.id)
		_, msgs := carol.transcript(1)
		if last := msgs[len(msgs)-1]; last["type"] != "ParticipantJoined" || last["from"].(obj)["nickname"] != "agent2" {
			t.Errorf("customer's last message: %v", last)
		}
	})
	t.Run("participant-joined-dropped", func(t *testing.T) {
		_, alice, bob, carol := chatWithAgent(t, Config{Faults: []string{"participant-joined-dropped"}})
		alice.chatOp(carol.id, "Invite", obj{"targetUri": bob.uri()})
		bob.acceptOffer(carol.id)
		alice.expect(obj{"notificationType": "ParticipantsUpdated"})
		if before := alice.ready(); len(before) != 0 {
			t.Errorf("originator still got %s", dump(before))
		}
	})
	t.Run("bayeux-402-without-handshake-advice", func(t *testing.T) {
		run := startServer(t, Config{Faults: []string{"bayeux-402-without-handshake-advice"}})
		reply := rawBayeux(t, run.URL, `[{"channel":"/meta/connect","clientId":"nope","connectionType":"long-polling","id":"1"}]`)
		if !strings.Contains(reply, `"402::`) || strings.Contains(reply, "advice") {
			t.Errorf("reply: %s", reply)
		}
	})
	t.Run("bayeux-loses-message-between-connects", func(t *testing.T) {
		for _, fault := range []bool{false, true} {
			cfg := Config{}
			if fault {
				cfg.Faults = []string{"bayeux-loses-message-between-connects"}
			}
			if got := queuedDelivered(t, startServer(t, cfg).URL); fault && got != 1 || !fault && got != 3 {
				t.Errorf("fault %v: %d of 3 queued notifications delivered", fault, got)
			}
		}
	})
}

// queuedDelivered queues three notifications while no connect is held, then counts
// how many the next connect delivers.
func queuedDelivered(t *testing.T, base string) int {
	t.Helper()
	a := newAgent(t, base, "agent1")
	a.do("GET", "/api/v2/me", nil)
	a.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	var hs []bayeux.Message
	a.bayeuxExchange(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"id":"1"}]`, &hs)
	id := hs[0].ClientID
	a.bayeuxExchange(`[{"channel":"/meta/subscribe","clientId":"`+id+`","subscription":"/v2/me/channels","id":"2"}]`, nil)
	connect := `[{"channel":"/meta/connect","clientId":"` + id + `","connectionType":"long-polling","id":"3"}]`
	a.bayeuxExchange(connect, nil) // the first connect is answered at once
	for _, op := range []string{"Ready", "NotReady", "Ready"} {
		a.ok("/api/v2/me/channels/chat", obj{"operationName": op})
	}
	var reply []bayeux.Message
	a.bayeuxExchange(connect, &reply)
	data := 0
	for _, m := range reply {
		if m.Channel == channelsChannel {
			data++
		}
	}
	return data
}

func (a *agentClient) bayeuxExchange(body string, into *[]bayeux.Message) {
	a.t.Helper()
	req, _ := http.NewRequest("POST", a.base+"/api/v2/notifications", strings.NewReader(body))
	a.prepare(req)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		a.t.Fatalf("bayeux %s: %d %s", body, resp.StatusCode, raw)
	}
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			a.t.Fatalf("bayeux reply %s: %v", raw, err)
		}
	}
}

func rawBayeux(t *testing.T, base, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v2/notifications/connect", strings.NewReader(body))
	req.SetBasicAuth("agent1", "password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

func TestTolerations(t *testing.T) {
	t.Run("extra-fields and reordered-keys", func(t *testing.T) {
		run := startServer(t, Config{Tolerate: []string{"extra-fields", "reordered-keys"}})
		req, _ := http.NewRequest("GET", run.URL+"/api/v2/me", nil)
		req.SetBasicAuth("agent1", "password")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(raw)
		if !strings.HasPrefix(body, `{"`+extraFieldName+`":"tolerated","user":{"`+extraFieldName) {
			t.Errorf("answer: %s", body)
		}
		alice := newAgent(t, run.URL, "agent1").start(true)
		carol := requestChat(t, run.URL, "Carol", "agent1")
		alice.acceptOffer(carol.id)
		alice.chatOp(carol.id, "SendMessage", obj{"text": "x"})
		alice.expect(obj{extraFieldName: "tolerated", "messages": []any{obj{extraFieldName: "tolerated", "from": obj{extraFieldName: "tolerated"}}}})
	})
	t.Run("chat-path", func(t *testing.T) {
		run := startServer(t, Config{Tolerate: []string{"chat-path"}})
		alice := newAgent(t, run.URL, "agent1").start(true)
		carol := requestChat(t, run.URL, "Carol", "agent1")
		alice.await(obj{"chat": obj{"state": "Invited"}})
		alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})
		alice.await(obj{"notificationType": "NewMessages", "chatPath": "/api/v2/chats/" + carol.id, "chatUri": absent})
	})
	t.Run("batched-differently", func(t *testing.T) {
		run := startServer(t, Config{Tolerate: []string{"batched-differently"}})
		alice := newAgent(t, run.URL, "agent1").start(true)
		carol := requestChat(t, run.URL, "Carol", "agent1")
		alice.await(obj{"chat": obj{"state": "Invited"}})
		alice.chatOp(carol.id, "Accept", obj{"nickname": "Alice"})
		alice.await(obj{"notificationType": "NewMessages", "messages": []any{obj{"index": 1}}})
		alice.expect(obj{"notificationType": "NewMessages", "messages": []any{obj{"index": 2}}})
	})
	t.Run("delayed-notifications", func(t *testing.T) {
		run := startServer(t, Config{Tolerate: []string{"delayed-notifications"}})
		alice := newAgent(t, run.URL, "agent1").start(false)
		sent := time.Now()
		alice.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})
		alice.ok("/api/v2/me/channels/chat", obj{"operationName": "NotReady"})
		alice.expect(obj{"channels": []any{obj{"userState": obj{"state": "Ready"}}}})
		if waited := time.Since(sent); waited < notificationDelay {
			t.Errorf("delivered after %v, before the %v delay", waited, notificationDelay)
		}
		alice.expect(obj{"channels": []any{obj{"userState": obj{"state": "NotReady"}}}})
	})
}

// Closing a running server releases held long-polls at once and stops the server.
func TestListenCloseReleasesLongPolls(t *testing.T) {
	run, err := Listen(context.Background(), "127.0.0.1:0", Config{Bayeux: bayeuxHoldLong})
	if err != nil {
		t.Fatal(err)
	}
	alice := newAgent(t, run.URL, "agent1").start(false)
	// Let the client's connect loop park a connect, then close: Close must not wait
	// for the hour-long hold.
	alice.ok("/api/v2/me/channels/chat", obj{"operationName": "NotReady"})
	alice.next()
	if err := run.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case <-run.Done():
	default:
		t.Error("Done not closed after Close")
	}
}

var bayeuxHoldLong = bayeux.ServerOptions{Timeout: time.Hour}
