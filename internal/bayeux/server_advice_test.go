package bayeux

import (
	"testing"
	"time"
)

// ConnectAdviceOnRequest: as cometd-nodejs-server, a successful connect reply carries
// advice only when its connect did; handshake, 402 and reconnect "none" keep theirs.
// (A decoded Message has Advice nil exactly when the "advice" key is absent.)
func TestConnectAdviceOnlyWhenTheConnectSentAdvice(t *testing.T) {
	held := newSignals()
	s := NewServer(ServerOptions{Timeout: time.Hour, ConnectAdviceOnRequest: true})
	s.hooks.onHold = held.note
	p := rawPeer{url: startServer(t, s)}

	hs := only(t, p.must(t, Message{Channel: ChannelHandshake, ID: "h", Version: "1.0",
		SupportedConnectionTypes: []string{ConnectionLongPolling}}), ChannelHandshake)
	if hs.Advice == nil || hs.Advice.Reconnect != ReconnectRetry || hs.Advice.Timeout != time.Hour.Milliseconds() {
		t.Fatalf("handshake reply must keep its advice: %s", mustJSON(hs))
	}
	id := hs.ClientID
	if r := only(t, p.must(t, Message{Channel: ChannelSubscribe, ID: "s", ClientID: id, Subscription: "/x"}), ChannelSubscribe); !r.succeeded() {
		t.Fatalf("subscribe: %s", mustJSON(r))
	}

	// The CometD JS client's first connect sends advice {timeout:0}: it gets advice.
	first := connectMsg(id, "c1")
	first.Advice = &Advice{Timeout: 0}
	if c := only(t, p.must(t, first), ChannelConnect); !c.succeeded() || c.Advice == nil || c.Advice.Reconnect != ReconnectRetry {
		t.Fatalf("first connect with advice: want advice back, got %s", mustJSON(c))
	}

	// A held connect without advice, released by data: no advice in its reply.
	pending := p.sendAsync(connectMsg(id, "c2"))
	held.wait(t, "the connect without advice to be held")
	s.Publish("/x", map[string]int{"n": 1})
	r := awaitResult(t, pending, "data to release the held connect")
	if c := only(t, r.replies, ChannelConnect); !c.succeeded() || c.Advice != nil || len(events(r.replies)) != 1 {
		t.Fatalf("held connect without advice: want one event and a reply with no advice, got %s", mustJSON(r.replies))
	}

	// Answered at once because data is queued: still no advice.
	s.Publish("/x", map[string]int{"n": 2})
	if replies := p.must(t, connectMsg(id, "c3")); only(t, replies, ChannelConnect).Advice != nil || len(events(replies)) != 1 {
		t.Fatalf("immediate connect without advice: %s", mustJSON(replies))
	}

	// A held connect that sent advice gets advice; so does one released by disconnect.
	withAdvice := connectMsg(id, "c4")
	withAdvice.Advice = &Advice{Timeout: time.Hour.Milliseconds()}
	pending = p.sendAsync(withAdvice)
	held.wait(t, "the connect with advice to be held")
	s.Publish("/x", map[string]int{"n": 3})
	if c := only(t, awaitResult(t, pending, "the connect with advice").replies, ChannelConnect); c.Advice == nil || c.Advice.Reconnect != ReconnectRetry {
		t.Fatalf("held connect with advice: want advice back, got %s", mustJSON(c))
	}
	pending = p.sendAsync(connectMsg(id, "c5"))
	held.wait(t, "the last connect to be held")
	p.must(t, Message{Channel: ChannelDisconnect, ID: "d", ClientID: id})
	if c := only(t, awaitResult(t, pending, "disconnect").replies, ChannelConnect); c.Advice == nil || c.Advice.Reconnect != ReconnectNone {
		t.Fatalf("connect released by disconnect must advise reconnect none: %s", mustJSON(c))
	}

	// Refusals keep their advice: a client must learn to handshake again.
	if c := only(t, p.must(t, connectMsg(id, "c6")), ChannelConnect); c.Error != errUnknownClient || c.Advice == nil || c.Advice.Reconnect != ReconnectHandshake {
		t.Fatalf("402 must keep the handshake advice: %s", mustJSON(c))
	}
}

// Without the option every successful connect reply carries advice (the default).
func TestConnectAdviceByDefault(t *testing.T) {
	s := NewServer(ServerOptions{Timeout: time.Hour})
	p := rawPeer{url: startServer(t, s)}
	id := p.handshake(t, "/x")
	s.Publish("/x", map[string]int{"n": 1})
	if c := only(t, p.must(t, connectMsg(id, "c1")), ChannelConnect); c.Advice == nil || c.Advice.Reconnect != ReconnectRetry {
		t.Fatalf("default connect reply without advice: %s", mustJSON(c))
	}
}
