package recorder

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/gws"
)

// agentClient drives one agent the way a GWS client does: Basic auth on everything, the
// CSRF token from GET /me sent back on writes, a cookie jar, and CometD notifications.
// It labels its requests as the gwsconform runner does (gws.UserAgent), so that
// generation tells its setup and its own CometD session from its steps.
type agentClient struct {
	purpose    gws.Purpose
	t          *testing.T
	base       string
	user, pass string
	http       *http.Client
	csrf       string
	uri, id    string
	notes      *bayeux.Client
}

func newAgent(t *testing.T, base, user, pass string) *agentClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &agentClient{t: t, base: base, user: user, pass: pass, purpose: gws.PurposeSetup, http: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
	me := a.call("GET", "/api/v2/me", "")
	a.csrf = me.Header.Get("X-CSRF-TOKEN")
	var body struct {
		User struct{ ID, URI string } `json:"user"`
	}
	if err := json.Unmarshal([]byte(me.Body), &body); err != nil || me.Status != 200 {
		t.Fatalf("%s GET /me: %d %s", user, me.Status, me.Body)
	}
	a.uri, a.id = body.User.URI, body.User.ID
	a.ok(a.call("POST", "/api/v2/me", `{"operationName":"StartContactCenterSession","channels":["chat"]}`))
	a.notes = bayeux.NewClient(base+"/api/v2/notifications", bayeux.ClientOptions{HTTPClient: a.http, Prepare: a.prepare})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.notes.Handshake(ctx); err != nil {
		t.Fatalf("%s handshake: %v", user, err)
	}
	for _, ch := range []string{"/v2/me/chats", "/v2/me/channels"} {
		if err := a.notes.Subscribe(ctx, ch); err != nil {
			t.Fatalf("%s subscribe %s: %v", user, ch, err)
		}
	}
	t.Cleanup(func() { a.close() })
	a.purpose = gws.PurposeStep
	return a
}

func (a *agentClient) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.notes.Disconnect(ctx)
}

func (a *agentClient) prepare(r *http.Request) {
	r.Header.Set("User-Agent", gws.UserAgent(gws.PurposeNotifications))
	r.SetBasicAuth(a.user, a.pass)
	if a.csrf != "" {
		r.Header.Set("X-CSRF-TOKEN", a.csrf)
	}
}

func (a *agentClient) call(method, path, body string) answer {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	a.prepare(req)
	req.Header.Set("User-Agent", gws.UserAgent(a.purpose))
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s %s: %v", a.user, method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

func (a *agentClient) ok(ans answer) map[string]any {
	a.t.Helper()
	var body map[string]any
	if ans.Status != 200 || json.Unmarshal([]byte(ans.Body), &body) != nil || body["statusCode"] != float64(0) {
		a.t.Fatalf("%s: answer %d %s, want statusCode 0", a.user, ans.Status, ans.Body)
	}
	return body
}

// await returns the first notification (data) for which want is true, skipping others.
func (a *agentClient) await(what string, want func(map[string]any) bool) map[string]any {
	a.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case m, ok := <-a.notes.Messages():
			if !ok {
				a.t.Fatalf("%s: notifications closed (%v) while waiting for %s", a.user, a.notes.Err(), what)
			}
			var data map[string]any
			if json.Unmarshal(m.Data, &data) == nil && want(data) {
				return data
			}
		case <-deadline.C:
			a.t.Fatalf("%s: no %s within 10s", a.user, what)
		}
	}
}

func chatState(state string) func(map[string]any) bool {
	return func(d map[string]any) bool {
		chat, _ := d["chat"].(map[string]any)
		return d["notificationType"] == "StatusChange" && chat != nil && chat["state"] == state
	}
}

func notificationType(nt string) func(map[string]any) bool {
	return func(d map[string]any) bool { return d["notificationType"] == nt }
}

func channelState(state string) func(map[string]any) bool {
	return func(d map[string]any) bool {
		return d["messageType"] == "ChannelStateChangeMessageV2" && strings.Contains(mustJSON(d), `"state":"`+state+`"`)
	}
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// customerClient is a customer on the customer chat API.
type customerClient struct {
	t                *testing.T
	base             string
	id, path, secure string
}

func (c *customerClient) call(method, path, body string) answer {
	c.t.Helper()
	return c.callFor(gws.PurposeStep, method, path, body)
}

func (c *customerClient) callFor(purpose gws.Purpose, method, path, body string) answer {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("ContactCenterId", "cc1")
	req.Header.Set("User-Agent", gws.UserAgent(purpose))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		c.t.Fatalf("customer %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

func requestChat(t *testing.T, base, nickname, routeTo string) *customerClient {
	t.Helper()
	c := &customerClient{t: t, base: base}
	ans := c.call("POST", "/api/v2/chats", `{"operationName":"RequestChat","nickname":"`+nickname+`","subject":"help","userData":{"RouteTo":"`+routeTo+`"}}`)
	var body struct {
		StatusCode          int
		ID, Path, SecureKey string
	}
	if err := json.Unmarshal([]byte(ans.Body), &body); err != nil || ans.Status != 200 || body.ID == "" {
		t.Fatalf("RequestChat: %d %s", ans.Status, ans.Body)
	}
	c.id, c.path, c.secure = body.ID, body.Path, body.SecureKey
	return c
}

func (c *customerClient) send(text string) {
	c.t.Helper()
	ans := c.call("POST", "/api/v2/chats/"+c.id, `{"operationName":"SendMessage","text":"`+text+`","secureKey":"`+c.secure+`"}`)
	if ans.Status != 200 {
		c.t.Fatalf("customer SendMessage: %d %s", ans.Status, ans.Body)
	}
}

func (c *customerClient) transcript(index int) string {
	c.t.Helper()
	ans := c.callFor(gws.PurposePoll, "GET", "/api/v2/chats/"+c.id+"/messages?index="+strconv.Itoa(index)+"&secureKey="+c.secure, "")
	if ans.Status != 200 {
		c.t.Fatalf("customer messages: %d %s", ans.Status, ans.Body)
	}
	return ans.Body
}

// chatSession is the conversation the integration tests record: an agent gets ready, a
// customer asks for it by name, the agent accepts, both talk, the agent completes.
type chatSession struct {
	agent    *agentClient
	customer *customerClient
	chatID   string
}

func driveChatSession(t *testing.T, base, user, pass string) *chatSession {
	t.Helper()
	a := newAgent(t, base, user, pass)
	a.purpose = gws.PurposeSetup // the runner makes an actor Ready in its setup
	a.ok(a.call("POST", "/api/v2/me/channels/chat", `{"operationName":"Ready"}`))
	a.await("Ready channel state", channelState("Ready"))
	a.purpose = gws.PurposeStep
	c := requestChat(t, base, "Carol", user)
	invited := a.await("an Invited chat", chatState("Invited"))
	chatID := invited["chat"].(map[string]any)["id"].(string)
	a.ok(a.call("POST", "/api/v2/me/chats/"+chatID, `{"operationName":"Accept","nickname":"Alice"}`))
	a.await("Chatting", chatState("Chatting"))
	a.ok(a.call("POST", "/api/v2/me/chats/"+chatID, `{"operationName":"SendMessage","text":"Hello Carol"}`))
	a.await("the agent's message", notificationType("NewMessages"))
	c.send("Hi Alice")
	a.await("the customer's message", func(d map[string]any) bool {
		return d["notificationType"] == "NewMessages" && strings.Contains(mustJSON(d), "Hi Alice")
	})
	if tr := c.transcript(1); !strings.Contains(tr, "Hello Carol") {
		t.Fatalf("customer transcript lacks the agent's message: %s", tr)
	}
	a.ok(a.call("POST", "/api/v2/me/chats/"+chatID, `{"operationName":"Complete"}`))
	a.await("Completed", chatState("Completed"))
	a.close()
	return &chatSession{agent: a, customer: c, chatID: chatID}
}
