package refserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

// waitLimit bounds every wait for a notification; a healthy server answers in ms.
const waitLimit = 10 * time.Second

type obj = map[string]any

// startServer runs a reference server on a real port for the test.
func startServer(t *testing.T, cfg Config) *Running {
	t.Helper()
	if cfg.Bayeux.Timeout == 0 {
		cfg.Bayeux.Timeout = 2 * time.Second // short holds keep shutdown quick
	}
	run, err := Listen(context.Background(), "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		if err := run.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return run
}

// agentClient is one agent: REST with Basic auth, session cookie and CSRF token, plus
// a real Bayeux client subscribed to /v2/me/chats and /v2/me/channels.
type agentClient struct {
	t        *testing.T
	base     string
	user     string
	password string
	http     *http.Client
	token    string
	me       obj
	bx       *bayeux.Client
	seen     []obj // every notification read so far, for failure messages
}

func newAgent(t *testing.T, base, user string) *agentClient {
	jar, _ := cookiejar.New(nil)
	return &agentClient{t: t, base: base, user: user, password: "password", http: &http.Client{Jar: jar}}
}

func (a *agentClient) prepare(r *http.Request) {
	r.SetBasicAuth(a.user, a.password)
	if a.token != "" {
		r.Header.Set(csrfHeader, a.token)
	}
}

// do sends one request and decodes the JSON answer.
func (a *agentClient) do(method, path string, body any) (int, obj) {
	a.t.Helper()
	status, got, err := a.try(method, path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	return status, got
}

// try is do for goroutines other than the test's: it returns errors.
func (a *agentClient) try(method, path string, body any) (int, obj, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("encode %v: %v", body, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	a.prepare(req)
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if method == http.MethodGet && path == "/api/v2/me" && resp.StatusCode == 200 {
		a.token = resp.Header.Get(resp.Header.Get("X-CSRF-HEADER"))
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read answer: %v", method, path, err)
	}
	var got obj
	if err := json.Unmarshal(raw, &got); err != nil {
		return 0, nil, fmt.Errorf("%s %s: answer %d is not a JSON object: %v: %s", method, path, resp.StatusCode, err, raw)
	}
	return resp.StatusCode, got, nil
}

func decodeBody(t *testing.T, resp *http.Response) obj {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	var body obj
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", resp.StatusCode, err, raw)
	}
	return body
}

// ok posts an operation that must succeed and returns the answer.
func (a *agentClient) ok(path string, body obj) obj {
	a.t.Helper()
	status, got := a.do(http.MethodPost, path, body)
	if status != 200 || got["statusCode"] != 0.0 {
		a.t.Fatalf("%s POST %s %v: want 200 statusCode 0, got %d %v", a.user, path, body, status, got)
	}
	return got
}

// fails posts an operation that must fail with statusCode code.
func (a *agentClient) fails(path string, body obj, code float64) obj {
	a.t.Helper()
	status, got := a.do(http.MethodPost, path, body)
	if got["statusCode"] != code || status < 400 {
		a.t.Fatalf("%s POST %s %v: want statusCode %v and a 4xx/5xx, got %d %v", a.user, path, body, code, status, got)
	}
	return got
}

func (a *agentClient) chatOp(chatID, op string, fields obj) obj {
	a.t.Helper()
	body := obj{"operationName": op}
	for k, v := range fields {
		body[k] = v
	}
	return a.ok("/api/v2/me/chats/"+chatID, body)
}

// start logs in, opens the notification session, starts the contact-center session
// and, if ready, goes Ready (waiting for its channel-state notification).
func (a *agentClient) start(ready bool) *agentClient {
	a.t.Helper()
	status, me := a.do(http.MethodGet, "/api/v2/me", nil)
	if status != 200 || a.token == "" {
		a.t.Fatalf("%s GET /api/v2/me: %d %v (token %q)", a.user, status, me, a.token)
	}
	a.me = me["user"].(obj)
	a.bx = bayeux.NewClient(a.base+"/api/v2/notifications", bayeux.ClientOptions{HTTPClient: a.http, Prepare: a.prepare})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := a.bx.Handshake(ctx); err != nil {
		a.t.Fatalf("%s handshake: %v", a.user, err)
	}
	a.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		a.bx.Disconnect(ctx)
		a.http.CloseIdleConnections()
	})
	for _, ch := range []string{chatsChannel, channelsChannel} {
		if err := a.bx.Subscribe(ctx, ch); err != nil {
			a.t.Fatalf("%s subscribe %s: %v", a.user, ch, err)
		}
	}
	a.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	if ready {
		a.ready()
	}
	return a
}

func (a *agentClient) uri() string { return a.me["uri"].(string) }
func (a *agentClient) id() string  { return a.me["id"].(string) }

// ready posts Ready and waits for its notification, returning everything that came
// before it: the barrier of the harness.
func (a *agentClient) ready() []obj {
	a.t.Helper()
	a.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})
	var before []obj
	for {
		n := a.next()
		if n["messageType"] == "ChannelStateChangeMessageV2" {
			return before
		}
		before = append(before, n)
	}
}

// next returns the next notification, failing the test after waitLimit.
func (a *agentClient) next() obj {
	a.t.Helper()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case m, ok := <-a.bx.Messages():
		if !ok {
			a.t.Fatalf("%s: notifications closed: %v", a.user, a.bx.Err())
		}
		var data obj
		if err := json.Unmarshal(m.Data, &data); err != nil {
			a.t.Fatalf("%s: notification data is not an object: %s", a.user, m.Data)
		}
		a.seen = append(a.seen, data)
		return data
	case <-timer.C:
		a.t.Fatalf("%s: no notification within %v; seen so far:\n%s", a.user, waitLimit, dump(a.seen))
	}
	return nil
}

// expect reads the next notification and checks it has every key of want (subset
// match, see matches).
func (a *agentClient) expect(want obj) obj {
	a.t.Helper()
	n := a.next()
	if err := matches(n, want, ""); err != nil {
		a.t.Fatalf("%s: next notification: %v\nwant %s\ngot  %s", a.user, err, dumpOne(want), dumpOne(n))
	}
	return n
}

// await skips notifications until one matches want.
func (a *agentClient) await(want obj) obj {
	a.t.Helper()
	for {
		n := a.next()
		if matches(n, want, "") == nil {
			return n
		}
	}
}

// matches: maps are subsets, everything else is equal (numbers as float64).
func matches(got, want any, at string) error {
	switch w := want.(type) {
	case obj:
		g, ok := got.(obj)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", at, got)
		}
		for k, wv := range w {
			gv, present := g[k]
			if wv == anyValue && present {
				continue
			}
			if wv == absent {
				if present {
					return fmt.Errorf("%s/%s: want absent, got %v", at, k, gv)
				}
				continue
			}
			if !present {
				return fmt.Errorf("%s/%s: missing", at, k)
			}
			if err := matches(gv, wv, at+"/"+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d items, got %v", at, len(w), got)
		}
		for i := range w {
			if err := matches(g[i], w[i], fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
		return nil
	case int:
		want = float64(w)
	case []string:
		list := make([]any, len(w))
		for i, s := range w {
			list[i] = s
		}
		return matches(got, list, at)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("%s: want %v, got %v", at, want, got)
	}
	return nil
}

// absent in a want map means "this key must not be there".
const absent = "\x00absent"

func dump(list []obj) string {
	var b strings.Builder
	for _, n := range list {
		b.WriteString("  " + dumpOne(n) + "\n")
	}
	return b.String()
}

func dumpOne(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// customerClient is one customer of the customer chat API.
type customerClient struct {
	t         *testing.T
	base      string
	id        string
	secureKey string
}

func (c *customerClient) post(path string, body obj) (int, obj) {
	c.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ContactCenterId", "test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, decodeBody(c.t, resp)
}

func (c *customerClient) get(path string) (int, obj) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("ContactCenterId", "test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, decodeBody(c.t, resp)
}

// requestChat starts a chat; routeTo "" leaves routing to the default queue.
func requestChat(t *testing.T, base, nickname, routeTo string) *customerClient {
	t.Helper()
	c := &customerClient{t: t, base: base}
	body := obj{"operationName": "RequestChat", "nickname": nickname, "subject": "help"}
	if routeTo != "" {
		body["userData"] = obj{"RouteTo": routeTo}
	}
	status, got := c.post("/api/v2/chats", body)
	if status != 200 || got["statusCode"] != 0.0 {
		t.Fatalf("RequestChat: %d %v", status, got)
	}
	// No secureKey under customer-without-secure-key; by default every later request
	// needs the one handed out here, so a missing one fails there.
	c.id, _ = got["id"].(string)
	c.secureKey, _ = got["secureKey"].(string)
	if got["path"] != "/api/v2/chats/"+c.id {
		t.Fatalf("RequestChat path: %v", got)
	}
	return c
}

func (c *customerClient) op(op string, fields obj) obj {
	c.t.Helper()
	body := obj{"operationName": op, "secureKey": c.secureKey}
	for k, v := range fields {
		body[k] = v
	}
	status, got := c.post("/api/v2/chats/"+c.id, body)
	if status != 200 || got["statusCode"] != 0.0 {
		c.t.Fatalf("customer %s: %d %v", op, status, got)
	}
	return got
}

// transcript reads the customer's messages from index on.
func (c *customerClient) transcript(from int) (state string, msgs []obj) {
	c.t.Helper()
	status, got := c.get(fmt.Sprintf("/api/v2/chats/%s/messages?index=%d&secureKey=%s", c.id, from, c.secureKey))
	if status != 200 {
		c.t.Fatalf("customer messages: %d %v", status, got)
	}
	for _, m := range got["messages"].([]any) {
		msgs = append(msgs, m.(obj))
	}
	return got["state"].(string), msgs
}

// acceptOffer waits for the offer of chat id and accepts it, consuming the three
// notifications of seed 003.
func (a *agentClient) acceptOffer(id string) {
	a.t.Helper()
	a.await(obj{"notificationType": "StatusChange", "chat": obj{"id": id, "state": "Invited"}})
	a.chatOp(id, "Accept", obj{"nickname": a.user})
	a.expect(obj{"notificationType": "StatusChange", "chat": obj{"state": "Chatting"}})
	a.expect(obj{"notificationType": "ParticipantsUpdated"})
	a.expect(obj{"notificationType": "NewMessages"})
}

// postJSON posts body and wants statusCode 0.
func postJSON(url string, body obj) (obj, error) {
	raw, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var got obj
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return nil, fmt.Errorf("POST %s: %v", url, err)
	}
	if resp.StatusCode != 200 || got["statusCode"] != 0.0 {
		return got, fmt.Errorf("POST %s: %d %v", url, resp.StatusCode, got)
	}
	return got, nil
}
