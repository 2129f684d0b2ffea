package bayeux

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHandshakeReplyFieldsAndCookie(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: 25 * time.Second, Interval: 50 * time.Millisecond})
	url := startServer(t, s)

	body := `[{"channel":"/meta/handshake","id":"7","version":"1.0","supportedConnectionTypes":["websocket","long-polling"]}]`
	req, _ := http.NewRequest(http.MethodPost, url+"/handshake", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var replies []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&replies); err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 {
		t.Fatalf("want 1 reply, got %v", replies)
	}
	r := replies[0]
	for key, want := range map[string]any{"channel": "/meta/handshake", "id": "7", "version": "1.0", "successful": true} {
		if r[key] != want {
			t.Errorf("handshake reply %s = %v, want %v (reply %v)", key, r[key], want, r)
		}
	}
	if id, _ := r["clientId"].(string); id == "" {
		t.Errorf("handshake reply has no clientId: %v", r)
	}
	if got := r["supportedConnectionTypes"]; fmt.Sprint(got) != "[long-polling]" {
		t.Errorf("supportedConnectionTypes = %v, want only [long-polling]", got)
	}
	advice, _ := r["advice"].(map[string]any)
	if advice["reconnect"] != "retry" || advice["interval"] != 50.0 || advice["timeout"] != 25000.0 {
		t.Errorf("advice = %v, want reconnect retry, interval 50, timeout 25000", advice)
	}
	if !slices.ContainsFunc(resp.Cookies(), func(c *http.Cookie) bool { return c.Name == BrowserCookie && c.Value != "" }) {
		t.Errorf("no %s cookie in %v", BrowserCookie, resp.Header["Set-Cookie"])
	}
	if s.Sessions() != 1 {
		t.Errorf("Sessions() = %d, want 1", s.Sessions())
	}
}

func TestHandshakeWithoutLongPollingIsRefused(t *testing.T) {
	p := rawPeer{url: startServer(t, NewServer(ServerOptions{}))}
	r := only(t, p.must(t, Message{Channel: ChannelHandshake, ID: "1", SupportedConnectionTypes: []string{"websocket"}}), ChannelHandshake)
	if r.succeeded() || !strings.HasPrefix(r.Error, "301:") || r.Advice == nil || r.Advice.Reconnect != ReconnectNone {
		t.Fatalf("want 301 with reconnect none, got %s", mustJSON(r))
	}
}

func TestEveryMetaReplyEchoesID(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: time.Hour})
	p := rawPeer{url: startServer(t, s)}
	hs := only(t, p.must(t, Message{Channel: ChannelHandshake, ID: "id-h"}), ChannelHandshake)
	id := hs.ClientID
	checks := []Message{
		{Channel: ChannelConnect, ID: "id-c", ClientID: id, ConnectionType: ConnectionLongPolling},
		{Channel: ChannelSubscribe, ID: "id-s", ClientID: id, Subscription: "/a"},
		{Channel: ChannelSubscribe, ID: "id-s-bad", ClientID: id, Subscription: "/meta/connect"},
		{Channel: "/a", ID: "id-p", ClientID: id, Data: json.RawMessage(`1`)},
		{Channel: ChannelUnsubscribe, ID: "id-u", ClientID: id, Subscription: "/a"},
		{Channel: ChannelConnect, ID: "id-c-unknown", ClientID: "nope", ConnectionType: ConnectionLongPolling},
		{Channel: ChannelSubscribe, ID: "id-s-unknown", ClientID: "nope", Subscription: "/a"},
		{Channel: "/meta/bogus", ID: "id-bogus", ClientID: id},
		{Channel: ChannelDisconnect, ID: "id-d", ClientID: id},
	}
	if hs.ID != "id-h" {
		t.Errorf("handshake reply id = %q, want id-h", hs.ID)
	}
	for _, m := range checks {
		replies := p.must(t, m)
		var reply *Message
		for i := range replies {
			if replies[i].Channel == m.Channel && replies[i].Successful != nil {
				reply = &replies[i]
			}
		}
		if reply == nil || reply.ID != m.ID {
			t.Errorf("%s (id %s): reply does not echo the id: %s", m.Channel, m.ID, mustJSON(replies))
		}
	}
}

func TestFirstConnectAnsweredAtOnceThenHeldUntilData(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour, Authenticate: headerAuth})
	s.hooks.onHold = held.note
	p := rawPeer{url: startServer(t, s), user: "alice"}

	// handshake() fails the test if the first connect is held: the server timeout is an hour.
	id := p.handshake(t, "/v2/me/chats")

	pending := p.sendAsync(connectMsg(id, "c1"))
	if got := held.wait(t, "the second connect to be held"); got != id {
		t.Fatalf("held connect belongs to %s, want %s", got, id)
	}
	s.Deliver("alice", "/v2/me/chats", map[string]any{"n": 1})
	r := awaitResult(t, pending, "the held connect to be released by data")
	ev := events(r.replies)
	if len(ev) != 1 || string(ev[0].Data) != `{"n":1}` || ev[0].Channel != "/v2/me/chats" {
		t.Fatalf("want one event {\"n\":1} on /v2/me/chats, got %s", mustJSON(r.replies))
	}
	if c := only(t, r.replies, ChannelConnect); !c.succeeded() || c.ID != "c1" {
		t.Fatalf("connect reply: %s", mustJSON(c))
	}
}

func TestConnectWithAdviceTimeoutZeroIsNotHeld(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: time.Hour})
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t)
	m := connectMsg(id, "c1")
	m.Advice = &Advice{Timeout: 0}
	r := awaitResult(t, p.sendAsync(m), "a connect with advice.timeout 0 (would be held for an hour)")
	if c := only(t, r.replies, ChannelConnect); !c.succeeded() {
		t.Fatalf("connect reply: %s", mustJSON(c))
	}
}

func TestHeldConnectReturnsWhenTimeoutPasses(t *testing.T) {
	const timeout = 150 * time.Millisecond
	s := NewServer(ServerOptions{Timeout: timeout})
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")
	r := awaitResult(t, p.sendAsync(connectMsg(id, "c1")), "the held connect to time out")
	if r.took < timeout {
		t.Errorf("connect answered after %v, before the %v timeout", r.took, timeout)
	}
	c := only(t, r.replies, ChannelConnect)
	if !c.succeeded() || c.Advice == nil || c.Advice.Reconnect != ReconnectRetry || len(events(r.replies)) != 0 {
		t.Fatalf("want an empty successful connect reply with retry advice, got %s", mustJSON(r.replies))
	}
}

func TestUnknownClientGets402WithHandshakeAdvice(t *testing.T) {
	p := rawPeer{url: startServer(t, NewServer(ServerOptions{}))}
	for _, m := range []Message{connectMsg("no-such-client", "1"), {Channel: ChannelSubscribe, ID: "2", ClientID: "no-such-client", Subscription: "/a"}} {
		r := only(t, p.must(t, m), m.Channel)
		if r.succeeded() || r.Error != "402::Unknown client" || r.Advice == nil || r.Advice.Reconnect != ReconnectHandshake {
			t.Errorf("%s with unknown clientId: want 402::Unknown client + reconnect handshake, got %s", m.Channel, mustJSON(r))
		}
	}
}

func TestSessionExpiresWithoutConnect(t *testing.T) {
	removed := newSignals()
	s := NewServer(ServerOptions{MaxInterval: 50 * time.Millisecond})
	s.hooks.onRemove = removed.note
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t)
	if got := removed.wait(t, "the session to expire"); got != id {
		t.Fatalf("removed %s, want %s", got, id)
	}
	if s.Sessions() != 0 {
		t.Fatalf("Sessions() = %d after expiry", s.Sessions())
	}
	r := only(t, p.must(t, connectMsg(id, "late")), ChannelConnect)
	if r.Error != errUnknownClient {
		t.Fatalf("connect after expiry: %s", mustJSON(r))
	}
}

func TestHeldConnectDoesNotExpire(t *testing.T) {
	held, removed := newSignals(), newSignals()
	s := NewServer(ServerOptions{Timeout: 300 * time.Millisecond, MaxInterval: 20 * time.Millisecond})
	s.hooks.onHold, s.hooks.onRemove = held.note, removed.note
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")
	r := awaitResult(t, p.sendAsync(connectMsg(id, "c1")), "held connect")
	held.wait(t, "the connect to be held")
	if c := only(t, r.replies, ChannelConnect); !c.succeeded() {
		t.Fatalf("a session expired while its connect was held (held %v > maxInterval): %s", r.took, mustJSON(c))
	}
}

func TestNewerConnectReleasesOlder(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour})
	s.hooks.onHold = held.note
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")

	older := p.sendAsync(connectMsg(id, "old"))
	held.wait(t, "the older connect to be held")
	newer := p.sendAsync(connectMsg(id, "new"))
	r := awaitResult(t, older, "the older connect to be released by the newer one")
	if c := only(t, r.replies, ChannelConnect); c.ID != "old" || !c.succeeded() || len(events(r.replies)) != 0 {
		t.Fatalf("older connect reply: %s", mustJSON(r.replies))
	}
	held.wait(t, "the newer connect to be held")
	if n := s.heldConnects(); n != 1 {
		t.Fatalf("heldConnects() = %d, want 1", n)
	}
	s.Publish("/x", "hello")
	r = awaitResult(t, newer, "the newer connect to get the event")
	if ev := events(r.replies); len(ev) != 1 || string(ev[0].Data) != `"hello"` {
		t.Fatalf("newer connect reply: %s", mustJSON(r.replies))
	}
}

// TestNoLossNoDuplicateAcrossConnects delivers 10,000 events from four goroutines
// while the client keeps reconnecting, and checks every event arrives exactly once,
// in each producer's order.
func TestNoLossNoDuplicateAcrossConnects(t *testing.T) {
	const producers, perProducer = 4, 2500
	s := NewServer(ServerOptions{Timeout: 20 * time.Millisecond, Authenticate: headerAuth})
	p := rawPeer{url: startServer(t, s), user: "alice"}
	id := p.handshake(t, "/v2/me/**")

	type event struct{ P, N int }
	errs := make(chan error, producers)
	for pr := range producers {
		go func() {
			channel := fmt.Sprintf("/v2/me/p%d", pr)
			for n := range perProducer {
				s.Deliver("alice", channel, event{pr, n})
			}
			errs <- nil
		}()
	}
	next := make([]int, producers)
	total := 0
	ctx, cancel := context.WithTimeout(context.Background(), 4*testDeadline)
	defer cancel()
	for i := 0; total < producers*perProducer; i++ {
		replies, err := p.send(ctx, "", connectMsg(id, fmt.Sprint(i)))
		if err != nil {
			t.Fatalf("connect %d after %d events: %v", i, total, err)
		}
		if c := only(t, replies, ChannelConnect); !c.succeeded() {
			t.Fatalf("connect %d: %s", i, mustJSON(c))
		}
		for _, m := range events(replies) {
			var e event
			if err := json.Unmarshal(m.Data, &e); err != nil {
				t.Fatal(err)
			}
			if e.N != next[e.P] {
				t.Fatalf("producer %d: got event %d, want %d (lost or duplicated)", e.P, e.N, next[e.P])
			}
			next[e.P]++
			total++
		}
	}
	for range producers {
		<-errs
	}
	r := only(t, p.must(t, func() Message { m := connectMsg(id, "last"); m.Advice = &Advice{}; return m }()), ChannelConnect)
	if !r.succeeded() {
		t.Fatalf("final connect: %s", mustJSON(r))
	}
}

func TestSubscribeAuthorization(t *testing.T) {
	s := NewServer(ServerOptions{
		Timeout:      time.Hour,
		Authenticate: headerAuth,
		AuthorizeSubscribe: func(principal, channel string) error {
			if !strings.HasPrefix(channel, "/v2/me/") {
				return fmt.Errorf("%s may not subscribe to %s", principal, channel)
			}
			return nil
		},
	})
	p := rawPeer{url: startServer(t, s), user: "alice"}
	id := only(t, p.must(t, Message{Channel: ChannelHandshake}), ChannelHandshake).ClientID

	for _, tc := range []struct{ sub, errPrefix string }{
		{"/other", "403::alice may not subscribe to /other"},
		{"/meta/connect", "403:"},
		{"/bad//name", "405:"},
		{"", "400:"},
	} {
		r := only(t, p.must(t, Message{Channel: ChannelSubscribe, ID: "1", ClientID: id, Subscription: tc.sub}), ChannelSubscribe)
		if r.succeeded() || !strings.HasPrefix(r.Error, tc.errPrefix) || r.Subscription != tc.sub {
			t.Errorf("subscribe %q: want unsuccessful %q..., got %s", tc.sub, tc.errPrefix, mustJSON(r))
		}
	}
	ok := only(t, p.must(t, Message{Channel: ChannelSubscribe, ID: "2", ClientID: id, Subscription: "/v2/me/chats"}), ChannelSubscribe)
	if !ok.succeeded() || ok.Subscription != "/v2/me/chats" {
		t.Fatalf("allowed subscription: %s", mustJSON(ok))
	}
	// The refused channel gets nothing: only the allowed event is queued.
	s.Deliver("alice", "/other", 1)
	s.Deliver("alice", "/v2/me/chats", 2)
	r := p.must(t, connectMsg(id, "c"))
	if ev := events(r); len(ev) != 1 || string(ev[0].Data) != "2" {
		t.Fatalf("want only the /v2/me/chats event, got %s", mustJSON(r))
	}
}

func TestSessionIsBoundToItsPrincipal(t *testing.T) {
	s := NewServer(ServerOptions{Authenticate: headerAuth})
	url := startServer(t, s)
	alice, bob := rawPeer{url: url, user: "alice"}, rawPeer{url: url, user: "bob"}
	id := alice.handshake(t, "/v2/me/chats")
	r := only(t, bob.must(t, Message{Channel: ChannelSubscribe, ID: "x", ClientID: id, Subscription: "/v2/me/channels"}), ChannelSubscribe)
	if r.succeeded() || !strings.HasPrefix(r.Error, "403::") {
		t.Fatalf("bob using alice's clientId: want 403, got %s", mustJSON(r))
	}
	s.Deliver("bob", "/v2/me/chats", "for bob")
	s.Deliver("alice", "/v2/me/chats", "for alice")
	if ev := events(alice.must(t, connectMsg(id, "c"))); len(ev) != 1 || string(ev[0].Data) != `"for alice"` {
		t.Fatalf("alice got %s", mustJSON(ev))
	}
}

func TestBadRequestsGetHTTPErrors(t *testing.T) {
	s := NewServer(ServerOptions{Authenticate: headerAuth})
	p := rawPeer{url: startServer(t, s)}
	ctx := context.Background()
	cases := []struct {
		name, body string
		user       string
		status     int
		want       []string
	}{
		{"malformed JSON", `[{"channel":"/meta/handshake"`, "", 400, []string{"malformed JSON"}},
		{"wrong type", `[{"channel":5}]`, "", 400, []string{"field channel", "string"}},
		{"empty body", ``, "", 400, []string{"empty body"}},
		{"empty array", `[]`, "", 400, []string{"empty message array"}},
		{"oversized", `[{"channel":"/a","data":"` + strings.Repeat("x", MaxRequestBody) + `"}]`, "", 400, []string{"exceeds 1048576 bytes"}},
		{"refused principal", `[{"channel":"/meta/handshake"}]`, "intruder", 401, []string{"authentication failed", "intruder"}},
	}
	for _, tc := range cases {
		peer := p
		peer.user = tc.user
		status, body, err := peer.post(ctx, "/handshake", []byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var decoded struct{ Error string }
		if status != tc.status || json.Unmarshal(body, &decoded) != nil || !containsAll(decoded.Error, tc.want...) {
			t.Errorf("%s: got HTTP %d %s, want %d with %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	resp, err := http.Get(p.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: HTTP %d, want 405", resp.StatusCode)
	}
	// A single message object is accepted as well as an array.
	status, body, _ := p.post(ctx, "", []byte(`{"channel":"/meta/handshake","id":"one"}`))
	if status != 200 || !strings.Contains(string(body), `"id":"one"`) {
		t.Errorf("single object: HTTP %d %s", status, body)
	}
}

func TestBatchAnswersEveryMessageAndConnectLast(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: time.Hour})
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t)
	replies := p.must(t,
		connectMsg(id, "c"),
		Message{Channel: ChannelSubscribe, ID: "s1", ClientID: id, Subscription: "/a"},
		Message{Channel: ChannelSubscribe, ID: "s2", ClientID: id, Subscription: "/b/*"},
		Message{Channel: "/b/x", ID: "p", ClientID: id, Data: json.RawMessage(`"self"`)},
	)
	var order []string
	for _, r := range replies {
		order = append(order, r.Channel+"#"+r.ID)
	}
	// The publish queued an event for this very session, so the connect is answered at once.
	want := []string{"/meta/subscribe#s1", "/meta/subscribe#s2", "/b/x#p", "/b/x#1", "/meta/connect#c"}
	if !slices.Equal(order, want) {
		t.Fatalf("reply order %v, want %v", order, want)
	}
}

func TestRewriteSeesEveryReply(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := NewServer(ServerOptions{Rewrite: func(clientID string, reply []Message) []Message {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, clientID)
		for i := range reply {
			reply[i].Ext = map[string]any{"rewritten": true}
		}
		return reply
	}})
	p := rawPeer{url: startServer(t, s)}
	hs := only(t, p.must(t, Message{Channel: ChannelHandshake}), ChannelHandshake)
	if hs.Ext["rewritten"] != true {
		t.Fatalf("Rewrite not applied: %s", mustJSON(hs))
	}
	p.must(t, connectMsg("gone", "1"))
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{hs.ClientID, "gone"}) {
		t.Fatalf("Rewrite saw client ids %v", seen)
	}
}

func TestCloseReleasesHeldConnects(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour})
	s.hooks.onHold = held.note
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")
	pending := p.sendAsync(connectMsg(id, "c"))
	held.wait(t, "the connect to be held")
	s.Close()
	r := awaitResult(t, pending, "Close to release the held connect")
	if c := only(t, r.replies, ChannelConnect); !c.succeeded() {
		t.Fatalf("released connect: %s", mustJSON(c))
	}
	_, err := p.send(context.Background(), "", Message{Channel: ChannelHandshake})
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("request after Close: want HTTP 503, got %v", err)
	}
}

func TestDisconnectReleasesHeldConnectWithReconnectNone(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour})
	s.hooks.onHold = held.note
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")
	pending := p.sendAsync(connectMsg(id, "c"))
	held.wait(t, "the connect to be held")
	if d := only(t, p.must(t, Message{Channel: ChannelDisconnect, ID: "d", ClientID: id}), ChannelDisconnect); !d.succeeded() {
		t.Fatalf("disconnect: %s", mustJSON(d))
	}
	r := awaitResult(t, pending, "disconnect to release the held connect")
	if c := only(t, r.replies, ChannelConnect); c.Advice == nil || c.Advice.Reconnect != ReconnectNone {
		t.Fatalf("released connect: %s", mustJSON(c))
	}
	if s.Sessions() != 0 {
		t.Fatalf("Sessions() = %d after disconnect", s.Sessions())
	}
}

func TestClientPublishReachesOtherSubscribers(t *testing.T) {
	refuse := errors.New("publishing is read-only here")
	s := NewServer(ServerOptions{AuthorizePublish: func(_, channel string) error {
		if channel == "/ro" {
			return refuse
		}
		return nil
	}})
	p := rawPeer{url: startServer(t, s)}
	sub := p.handshake(t, "/room", "/ro")
	pub := p.handshake(t)
	for _, tc := range []struct {
		channel string
		ok      bool
	}{{"/room", true}, {"/service/echo", true}, {"/ro", false}, {"/room/*", false}} {
		r := only(t, p.must(t, Message{Channel: tc.channel, ID: "p", ClientID: pub, Data: json.RawMessage(`{"hi":1}`), Ext: map[string]any{"k": "v"}}), tc.channel)
		if r.succeeded() != tc.ok {
			t.Errorf("publish to %s: %s", tc.channel, mustJSON(r))
		}
	}
	ev := events(p.must(t, connectMsg(sub, "c")))
	if len(ev) != 1 || ev[0].Channel != "/room" || string(ev[0].Data) != `{"hi":1}` || ev[0].Ext["k"] != "v" {
		t.Fatalf("subscriber got %s, want exactly the /room event with its ext", mustJSON(ev))
	}
}

func TestChannelMatching(t *testing.T) {
	cases := []struct {
		pattern, channel string
		want             bool
	}{
		{"/a/b", "/a/b", true}, {"/a/*", "/a/b", true}, {"/a/*", "/a/b/c", false}, {"/a/*", "/a", false},
		{"/a/**", "/a/b/c", true}, {"/a/**", "/a", false}, {"/a/b", "/a/bc", false}, {"/a/*", "/ab/c", false},
	}
	for _, c := range cases {
		if got := channelMatches(c.pattern, c.channel); got != c.want {
			t.Errorf("channelMatches(%q, %q) = %v, want %v", c.pattern, c.channel, got, c.want)
		}
	}
	for name, want := range map[string]bool{"/a": true, "/a/*": true, "/a/**": true, "/": false, "a": false, "/a/": false, "/a/*/b": false, "/a*": false, "/a//b": false} {
		if got := validChannel(name); got != want {
			t.Errorf("validChannel(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestInvalidRawEventIsDroppedNotFatal(t *testing.T) {
	s := NewServer(ServerOptions{})
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")
	s.Publish("/x", json.RawMessage(`{"broken"`))
	s.Publish("/x", func() {}) // not encodable either
	s.Publish("/x", json.RawMessage(`{"ok":true}`))
	ev := events(p.must(t, connectMsg(id, "c")))
	if len(ev) != 1 || string(ev[0].Data) != `{"ok":true}` {
		t.Fatalf("want only the valid event, got %s", mustJSON(ev))
	}
}
