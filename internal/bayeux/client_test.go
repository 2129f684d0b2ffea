package bayeux

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// asUser is a Prepare hook that authenticates as user for headerAuth.
func asUser(user string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("X-User", user) }
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

// nextMessage reads one event from c, failing the test on a closed channel or the deadline.
func nextMessage(t *testing.T, c *Client, what string) Message {
	t.Helper()
	select {
	case m, ok := <-c.Messages():
		if !ok {
			t.Fatalf("Messages closed while waiting for %s: Err() = %v", what, c.Err())
		}
		return m
	case <-time.After(testDeadline):
		t.Fatalf("timed out after %v waiting for %s", testDeadline, what)
		return Message{}
	}
}

// waitClosed fails the test unless Messages is closed within the deadline.
func waitClosed(t *testing.T, c *Client) {
	t.Helper()
	deadline := time.After(testDeadline)
	for {
		select {
		case _, ok := <-c.Messages():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("Messages not closed after %v", testDeadline)
		}
	}
}

func TestClientReceivesDeliveredEvents(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour, Authenticate: headerAuth})
	s.hooks.onHold = held.note
	c := NewClient(startServer(t, s), ClientOptions{Prepare: asUser("alice")})
	ctx := testCtx(t)
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	held.wait(t, "the client's connect to be held")
	// Subscribe goes out while the connect is held: it must not wait an hour.
	if err := c.Subscribe(ctx, "/v2/me/chats"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s.Deliver("alice", "/v2/me/chats", map[string]int{"i": i})
	}
	for i := range 3 {
		m := nextMessage(t, c, "a delivered event")
		var got map[string]int
		if err := json.Unmarshal(m.Data, &got); err != nil || got["i"] != i || m.Channel != "/v2/me/chats" {
			t.Fatalf("event %d: %s", i, mustJSON(m))
		}
	}
	if err := c.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, c)
	if c.Err() != nil {
		t.Fatalf("Err() after clean Disconnect = %v", c.Err())
	}
	if s.Sessions() != 0 {
		t.Fatalf("server still has %d sessions after Disconnect", s.Sessions())
	}
}

func TestClientPublishUnsubscribeAndRefusal(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: time.Hour, AuthorizeSubscribe: func(_, ch string) error {
		if ch == "/secret" {
			return errors.New("not yours")
		}
		return nil
	}})
	c := NewClient(startServer(t, s), ClientOptions{})
	ctx := testCtx(t)
	if err := c.Subscribe(ctx, "/room"); err == nil || !strings.Contains(err.Error(), "Handshake first") {
		t.Fatalf("Subscribe before Handshake: %v", err)
	}
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	err := c.Subscribe(ctx, "/secret")
	var re *ReplyError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "403::not yours") {
		t.Fatalf("refused subscription: want a ReplyError with 403::not yours, got %v", err)
	}
	if err := c.Subscribe(ctx, "/room"); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, "/room", map[string]string{"text": "hi"}); err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(t, c, "its own publication"); string(m.Data) != `{"text":"hi"}` {
		t.Fatalf("got %s", mustJSON(m))
	}
	if err := c.Unsubscribe(ctx, "/room"); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, "/marker"); err != nil {
		t.Fatal(err)
	}
	s.Publish("/room", "after unsubscribe")
	s.Publish("/marker", "marker")
	if m := nextMessage(t, c, "the marker event"); m.Channel != "/marker" {
		t.Fatalf("got %s after unsubscribing /room", mustJSON(m))
	}
}

func TestClientRehandshakesAndResubscribesAfterSessionLoss(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour, Authenticate: headerAuth})
	s.hooks.onHold = held.note
	c := NewClient(startServer(t, s), ClientOptions{Prepare: asUser("alice")})
	ctx := testCtx(t)
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	if err := c.Subscribe(ctx, "/v2/me/chats"); err != nil {
		t.Fatal(err)
	}
	old := held.wait(t, "the first held connect")

	// The server loses the session (as after a restart or expiry): the held connect is
	// answered with reconnect none for the dead session, the next one with 402.
	s.mu.Lock()
	s.remove(s.sessions[old])
	s.mu.Unlock()

	fresh := held.wait(t, "a held connect of a new session")
	if fresh == old || c.ClientID() != fresh {
		t.Fatalf("client id %s, held %s, old %s: want a new session", c.ClientID(), fresh, old)
	}
	s.Deliver("alice", "/v2/me/chats", "after re-handshake")
	if m := nextMessage(t, c, "an event on the resubscribed channel"); string(m.Data) != `"after re-handshake"` {
		t.Fatalf("got %s", mustJSON(m))
	}
}

func TestClientHandlesEventsAfterConnectReply(t *testing.T) {
	// Rewrite moves events behind the connect reply, as some servers send them.
	s := NewServer(ServerOptions{Timeout: time.Hour, Rewrite: func(_ string, reply []Message) []Message {
		var evs, rest []Message
		for _, m := range reply {
			if m.IsData() {
				evs = append(evs, m)
			} else {
				rest = append(rest, m)
			}
		}
		return append(rest, evs...)
	}})
	c := NewClient(startServer(t, s), ClientOptions{})
	ctx := testCtx(t)
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	if err := c.Subscribe(ctx, "/x"); err != nil {
		t.Fatal(err)
	}
	s.Publish("/x", 1)
	s.Publish("/x", 2)
	for want := 1; want <= 2; want++ {
		if m := nextMessage(t, c, "an event after the connect reply"); string(m.Data) != strconv.Itoa(want) {
			t.Fatalf("got %s, want %d", mustJSON(m), want)
		}
	}
}

func TestClientStopsOnReconnectNone(t *testing.T) {
	var refuse atomic.Bool
	s := NewServer(ServerOptions{Timeout: 20 * time.Millisecond, Rewrite: func(_ string, reply []Message) []Message {
		for i := range reply {
			if reply[i].Channel == ChannelConnect && refuse.Load() {
				reply[i].Successful = boolPtr(false)
				reply[i].Error = "503::go away"
				reply[i].Advice = &Advice{Reconnect: ReconnectNone}
			}
		}
		return reply
	}})
	c := NewClient(startServer(t, s), ClientOptions{})
	if err := c.Handshake(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	refuse.Store(true)
	waitClosed(t, c)
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "503::go away") || !strings.Contains(err.Error(), "reconnect none") {
		t.Fatalf("Err() = %v, want the reconnect-none refusal", err)
	}
	if err := c.Disconnect(testCtx(t)); err != nil {
		t.Fatalf("Disconnect after a fatal error: %v", err)
	}
}

func TestClientStopsWhenCredentialsAreRefused(t *testing.T) {
	var user atomic.Value
	user.Store("alice")
	s := NewServer(ServerOptions{Timeout: 20 * time.Millisecond, Authenticate: headerAuth})
	c := NewClient(startServer(t, s), ClientOptions{Prepare: func(r *http.Request) { r.Header.Set("X-User", user.Load().(string)) }})
	if err := c.Handshake(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	user.Store("intruder")
	waitClosed(t, c)
	var se *StatusError
	if err := c.Err(); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Fatalf("Err() = %v, want HTTP 401", err)
	}
}

// TestClientConnectDeadlineIsAdvisedTimeoutPlusMargin uses a server that advises a
// 50ms timeout but never answers a connect: the client must abandon each connect
// after timeout+margin and retry, rather than wait forever.
func TestClientConnectDeadlineIsAdvisedTimeoutPlusMargin(t *testing.T) {
	var connects atomic.Int32
	retried := make(chan struct{})
	var once sync.Once
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msgs []Message
		if err := json.NewDecoder(r.Body).Decode(&msgs); err != nil || len(msgs) == 0 {
			http.Error(w, "bad", 400)
			return
		}
		m := msgs[0]
		switch m.Channel {
		case ChannelHandshake:
			json.NewEncoder(w).Encode([]Message{{Channel: m.Channel, ID: m.ID, ClientID: "c1", Successful: boolPtr(true), Version: "1.0",
				SupportedConnectionTypes: []string{ConnectionLongPolling}, Advice: &Advice{Reconnect: ReconnectRetry, Timeout: 50}}})
		case ChannelConnect:
			if connects.Add(1) >= 2 {
				once.Do(func() { close(retried) })
			}
			<-r.Context().Done() // never answer: only the client's deadline ends this
		}
	}))
	defer hs.Close()
	c := NewClient(hs.URL, ClientOptions{ConnectMargin: 50 * time.Millisecond})
	if err := c.Handshake(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-retried:
	case <-time.After(testDeadline):
		t.Fatalf("client never abandoned its first connect (connects sent: %d)", connects.Load())
	}
	if err := c.Disconnect(testCtx(t)); err != nil && !strings.Contains(err.Error(), "disconnect") {
		t.Fatal(err)
	}
	waitClosed(t, c)
}

func TestClientDisconnectLeavesNoGoroutines(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: time.Hour})
	url := startServer(t, s)
	before := runtime.NumGoroutine()
	transport := &http.Transport{}
	for range 5 {
		c := NewClient(url, ClientOptions{HTTPClient: &http.Client{Transport: transport}})
		ctx := testCtx(t)
		if err := c.Handshake(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Subscribe(ctx, "/x"); err != nil {
			t.Fatal(err)
		}
		if err := c.Disconnect(ctx); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c)
	}
	transport.CloseIdleConnections()
	// Goroutines exit asynchronously after their connection closes; poll with a deadline.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(testDeadline)
	for runtime.NumGoroutine() > before+1 {
		select {
		case <-tick.C:
		case <-deadline:
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after Disconnect:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
	}
}

func TestDisconnectBeforeHandshakeClosesMessages(t *testing.T) {
	c := NewClient("http://127.0.0.1:1/never", ClientOptions{})
	if err := c.Disconnect(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, c)
	if err := c.Handshake(testCtx(t)); err == nil {
		t.Fatal("Handshake after Disconnect succeeded")
	}
}
