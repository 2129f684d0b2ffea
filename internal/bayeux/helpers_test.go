package bayeux

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testDeadline bounds every wait in these tests; reaching it is a failure, not a measurement.
const testDeadline = 10 * time.Second

// rawPeer speaks Bayeux by hand, so server tests see the exact wire.
type rawPeer struct {
	url  string
	user string // sent as header X-User; the test Authenticate hook reads it
}

// startServer serves s under /cometd/ (so sub-paths are exercised) and returns its endpoint URL.
func startServer(t *testing.T, s *Server) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/cometd/", s)
	mux.Handle("/cometd", s)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return hs.URL + "/cometd"
}

// headerAuth is an Authenticate hook: the principal is the X-User header; "intruder" is refused.
func headerAuth(r *http.Request) (string, error) {
	user := r.Header.Get("X-User")
	if user == "intruder" {
		return "", fmt.Errorf("user %q is not allowed", user)
	}
	return user, nil
}

// send posts msgs and decodes the reply array. It does not use t, so goroutines may call it.
func (p rawPeer) send(ctx context.Context, path string, msgs ...Message) ([]Message, error) {
	body, err := json.Marshal(msgs)
	if err != nil {
		return nil, err
	}
	status, data, err := p.post(ctx, path, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", status, data)
	}
	return decodeMessages(data)
}

func (p rawPeer) post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.user != "" {
		req.Header.Set("X-User", p.user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// must is send for the test goroutine: any error fails the test.
func (p rawPeer) must(t *testing.T, msgs ...Message) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	replies, err := p.send(ctx, "", msgs...)
	if err != nil {
		t.Fatalf("POST %s %v: %v", p.url, channelsOf(msgs), err)
	}
	return replies
}

// handshake opens a session and answers its first connect, so the next connect is held.
func (p rawPeer) handshake(t *testing.T, subscriptions ...string) string {
	t.Helper()
	r := p.must(t, Message{Channel: ChannelHandshake, ID: "h", Version: "1.0", SupportedConnectionTypes: []string{ConnectionLongPolling}})
	hs := only(t, r, ChannelHandshake)
	if !hs.succeeded() || hs.ClientID == "" {
		t.Fatalf("handshake failed: %+v", hs)
	}
	for _, sub := range subscriptions {
		reply := only(t, p.must(t, Message{Channel: ChannelSubscribe, ID: "s", ClientID: hs.ClientID, Subscription: sub}), ChannelSubscribe)
		if !reply.succeeded() {
			t.Fatalf("subscribe %s: %+v", sub, reply)
		}
	}
	first := only(t, p.must(t, connectMsg(hs.ClientID, "c0")), ChannelConnect)
	if !first.succeeded() {
		t.Fatalf("first connect: %+v", first)
	}
	return hs.ClientID
}

func connectMsg(clientID, id string) Message {
	return Message{Channel: ChannelConnect, ID: id, ClientID: clientID, ConnectionType: ConnectionLongPolling}
}

// only returns the single reply on channel, failing if there is not exactly one.
func only(t *testing.T, replies []Message, channel string) Message {
	t.Helper()
	var found []Message
	for _, r := range replies {
		if r.Channel == channel {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one reply on %s, got %d in %s", channel, len(found), mustJSON(replies))
	}
	return found[0]
}

func events(replies []Message) []Message {
	var out []Message
	for _, r := range replies {
		if r.IsData() {
			out = append(out, r)
		}
	}
	return out
}

func channelsOf(msgs []Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Channel)
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// signals collects hook notifications on a buffered channel.
type signals chan string

func newSignals() signals { return make(signals, 1024) }

func (s signals) note(id string) {
	select {
	case s <- id:
	default:
	}
}

// wait returns the next notification, failing the test after the deadline.
func (s signals) wait(t *testing.T, what string) string {
	t.Helper()
	select {
	case id := <-s:
		return id
	case <-time.After(testDeadline):
		t.Fatalf("timed out after %v waiting for %s", testDeadline, what)
		return ""
	}
}

// result of a request run in the background.
type result struct {
	replies []Message
	err     error
	took    time.Duration
}

// sendAsync runs p.send in a goroutine and returns a channel with its result.
func (p rawPeer) sendAsync(msgs ...Message) <-chan result {
	out := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
		defer cancel()
		start := time.Now()
		r, err := p.send(ctx, "", msgs...)
		out <- result{r, err, time.Since(start)}
	}()
	return out
}

func awaitResult(t *testing.T, ch <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("%s: %v", what, r.err)
		}
		return r
	case <-time.After(testDeadline):
		t.Fatalf("timed out after %v waiting for %s", testDeadline, what)
		return result{}
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
