package bayeux

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests in this file play the client against a notification endpoint that
// answers handshakes and subscriptions correctly and breaks its connects in one way
// each: what a half-built or hostile GWS target does. Each asserts how the client
// ends (or degrades), the reason it gives, a generous bound on the time that takes,
// and for floods a bound on memory.

// hostileBound bounds every outcome here; the client reaches each in well under a
// second or two (see the report figures), so only a hang or a spin can reach it.
const hostileBound = 30 * time.Second

// heapBound is the memory a flood may cost, per issue 13 (the harness stays under 100 MiB).
const heapBound = 100 << 20

// hostile is the misbehaving endpoint. connect answers every /meta/connect; n counts
// connects from 1. Arrival times of connects and handshakes are kept for pacing checks.
type hostile struct {
	connect func(w http.ResponseWriter, r *http.Request, m Message, n int64)

	connects   atomic.Int64
	handshakes atomic.Int64
	mu         sync.Mutex
	connectAt  []time.Time
	shakeAt    []time.Time
	arrived    chan struct{} // a token per connect or handshake
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msgs []Message
	if err := json.NewDecoder(r.Body).Decode(&msgs); err != nil || len(msgs) == 0 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	m := msgs[0]
	switch m.Channel {
	case ChannelHandshake:
		h.handshakes.Add(1)
		h.note(&h.shakeAt)
		writeJSON(w, []Message{{Channel: m.Channel, ID: m.ID, ClientID: fmt.Sprintf("c%d", h.handshakes.Load()), Successful: boolPtr(true),
			Version: "1.0", SupportedConnectionTypes: []string{ConnectionLongPolling},
			Advice: &Advice{Reconnect: ReconnectRetry, Timeout: 30_000}}})
	case ChannelConnect:
		n := h.connects.Add(1)
		h.note(&h.connectAt)
		h.connect(w, r, m, n)
	default: // subscribe, disconnect: acknowledge every message of the batch
		out := make([]Message, len(msgs))
		for i, q := range msgs {
			out[i] = Message{Channel: q.Channel, ID: q.ID, Subscription: q.Subscription, Successful: boolPtr(true)}
		}
		writeJSON(w, out)
	}
}

func (h *hostile) note(at *[]time.Time) {
	h.mu.Lock()
	*at = append(*at, time.Now())
	h.mu.Unlock()
	select {
	case h.arrived <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds, re-checking at each arrival, up to hostileBound.
func (h *hostile) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(hostileBound)
	for !cond() {
		select {
		case <-h.arrived:
		case <-deadline:
			t.Fatalf("after %v: still waiting for %s (connects %d, handshakes %d)", hostileBound, what, h.connects.Load(), h.handshakes.Load())
		}
	}
}

func (h *hostile) times(at *[]time.Time) []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), *at...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// connectReply is a successful reply to m with advice.
func connectReply(m Message, advice *Advice) Message {
	return Message{Channel: ChannelConnect, ID: m.ID, Successful: boolPtr(true), Advice: advice}
}

// fastPacing reaches the client's bound in milliseconds, for the tests of what
// happens at the bound; the default pacing is tested on its own.
var fastPacing = pacing{failStep: time.Millisecond, failMax: 2 * time.Millisecond,
	quickMin: time.Millisecond, quickMax: 2 * time.Millisecond, bound: 40}

// startHostile serves h and returns a handshaken client for it with pacing p.
func startHostile(t *testing.T, h *hostile, p pacing, opts ClientOptions) *Client {
	t.Helper()
	h.arrived = make(chan struct{}, 1)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	c := NewClient(hs.URL, opts)
	c.pace = p
	t.Cleanup(func() { _ = c.Disconnect(testCtx(t)) })
	if err := c.Handshake(testCtx(t)); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if err := c.Subscribe(testCtx(t), "/v2/me/chats"); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return c
}

// drain reads Messages until it is closed or hostileBound passes, and returns how
// many events came and how long the client took to stop.
func drain(t *testing.T, c *Client) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	deadline := time.After(hostileBound)
	n := 0
	for {
		select {
		case _, ok := <-c.Messages():
			if !ok {
				return n, time.Since(start)
			}
			n++
		case <-deadline:
			t.Fatalf("the client did not stop within %v (Diagnosis: %v)", hostileBound, c.Diagnosis())
		}
	}
}

func requireErr(t *testing.T, c *Client, parts ...string) {
	t.Helper()
	err := c.Err()
	if err == nil || !containsAll(err.Error(), parts...) {
		t.Fatalf("Err() = %v\nwant it to contain %q", err, parts)
	}
	if d := c.Diagnosis(); d == nil || d.Error() != err.Error() {
		t.Fatalf("Diagnosis() = %v, want Err() %v", d, err)
	}
}

// heapWatch samples HeapAlloc until stopped and keeps the peak.
type heapWatch struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func watchHeap() *heapWatch {
	w := &heapWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > w.peak.Load() {
				w.peak.Store(ms.HeapAlloc)
			}
			select {
			case <-tick.C:
			case <-w.stop:
				return
			}
		}
	}()
	return w
}

// finish stops sampling and fails the test if the sampled peak, or the heap after a
// GC, passed heapBound.
func (w *heapWatch) finish(t *testing.T) {
	t.Helper()
	close(w.stop)
	<-w.done
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap: peak sampled %.1f MiB, after GC %.1f MiB", float64(w.peak.Load())/(1<<20), float64(ms.HeapAlloc)/(1<<20))
	if w.peak.Load() > heapBound || ms.HeapAlloc > heapBound {
		t.Fatalf("heap peak %d bytes, after GC %d bytes: over the %d-byte bound", w.peak.Load(), ms.HeapAlloc, heapBound)
	}
}

// stream writes head, then chunk over and over until size bytes are written or the
// client goes away: a body of gigabytes that is never allocated.
func stream(w http.ResponseWriter, head, chunk string, size int64) {
	w.Header().Set("Content-Type", "application/json")
	written, _ := io.WriteString(w, head)
	b := []byte(chunk)
	for total := int64(written); total < size; total += int64(len(b)) {
		if _, err := w.Write(b); err != nil {
			return // the client stopped reading
		}
	}
}

const twoGiB = 2 << 30

func TestHostileConnectHTML(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, _ Message, _ int64) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!DOCTYPE html>\n<html><body><h1>Sign in</h1></body></html>")
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	_, took := drain(t, c)
	requireErr(t, c, "bayeux: the notification endpoint answered HTML instead of a JSON array", "text/html", "<!DOCTYPE html>")
	if n := h.connects.Load(); n != 1 {
		t.Fatalf("%d connects: a protocol error must stop the client at once", n)
	}
	t.Logf("stopped after %v: %v", took, c.Err())
}

func TestHostileConnectObject(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, m Message, _ int64) {
		writeJSON(w, connectReply(m, nil)) // one object, not an array
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	_, took := drain(t, c)
	requireErr(t, c, "connect reply is a JSON object, not an array")
	t.Logf("stopped after %v: %v", took, c.Err())
}

func TestHostileHandshakeHTMLIsReturned(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>maintenance</html>")
	}))
	defer hs.Close()
	c := NewClient(hs.URL, ClientOptions{})
	err := c.Handshake(testCtx(t))
	if err == nil || !containsAll(err.Error(), "answered HTML instead of a JSON array", "handshake reply") {
		t.Fatalf("Handshake() = %v, want the HTML named", err)
	}
	if err := c.Disconnect(testCtx(t)); err != nil {
		t.Fatalf("Disconnect after a failed handshake: %v", err)
	}
	waitClosed(t, c)
}

func TestHostileConnectTooLarge(t *testing.T) {
	// One event whose data is a 2 GiB string, generated as it is sent.
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, _ Message, _ int64) {
		stream(w, `[{"channel":"/v2/me/chats","data":"`, strings.Repeat("a", 64<<10), twoGiB)
	}}
	heap := watchHeap()
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	_, took := drain(t, c)
	heap.finish(t)
	requireErr(t, c, "connect reply larger than 8 MiB")
	t.Logf("stopped after %v: %v", took, c.Err())
}

func TestHostileConnectFloodPastTheCap(t *testing.T) {
	// Events on a subscribed channel without end: 2 GiB of them, never allocated.
	event := `{"channel":"/v2/me/chats","data":{"junk":12345}},`
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, _ Message, _ int64) {
		stream(w, "[", strings.Repeat(event, 1000), twoGiB)
	}}
	heap := watchHeap()
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	events, took := drain(t, c)
	heap.finish(t)
	requireErr(t, c, "connect reply larger than 8 MiB")
	if limit := DefaultMaxReplyBytes / len(event); events > limit {
		t.Fatalf("%d events delivered, more than the %d that fit in the cap", events, limit)
	}
	t.Logf("stopped after %v and %d events: %v", took, events, c.Err())
}

func TestHostileConnectFloodWithinTheCap(t *testing.T) {
	// 200,000 junk events in each of 3 connect replies, each reply under the cap:
	// all are delivered, and memory stays bounded because none is held whole.
	const perReply, replies = 200_000, 3
	event := `{"channel":"/v2/me/chats","data":1},`
	if perReply*len(event) > DefaultMaxReplyBytes {
		t.Fatalf("the flood does not fit in the cap")
	}
	h := &hostile{connect: func(w http.ResponseWriter, r *http.Request, m Message, n int64) {
		if n > replies {
			<-r.Context().Done() // hold the rest until the client disconnects
			return
		}
		bw := bufio.NewWriterSize(w, 64<<10)
		_, _ = bw.WriteString("[")
		for range perReply {
			_, _ = bw.WriteString(event)
		}
		b, _ := json.Marshal(connectReply(m, nil))
		_, _ = bw.Write(b)
		_, _ = bw.WriteString("]")
		_ = bw.Flush()
	}}
	heap := watchHeap()
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	deadline := time.After(hostileBound)
	for got := 0; got < perReply*replies; got++ {
		select {
		case _, ok := <-c.Messages():
			if !ok {
				t.Fatalf("Messages closed after %d events: %v", got, c.Err())
			}
		case <-deadline:
			t.Fatalf("only %d of %d events within %v", got, perReply*replies, hostileBound)
		}
	}
	heap.finish(t)
	if d := c.Diagnosis(); d != nil {
		t.Fatalf("Diagnosis() = %v for a flood within the cap", d)
	}
}

func TestHostileEventWithoutChannel(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, m Message, _ int64) {
		w.Header().Set("Content-Type", "application/json")
		reply, _ := json.Marshal(connectReply(m, nil))
		fmt.Fprintf(w, `[{"data":{"messageType":"ChannelStateChangeMessageV2"}},%s]`, reply)
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	events, _ := drain(t, c)
	requireErr(t, c, "connect reply holds a message without a channel (message 1")
	if events != 0 {
		t.Fatalf("%d events delivered: a message without a channel is no notification", events)
	}
}

func TestHostileInstantEmptyConnectsBackOff(t *testing.T) {
	// Every connect answered at once with nothing, the advice asking for 30s holds.
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, m Message, _ int64) {
		writeJSON(w, []Message{connectReply(m, &Advice{Reconnect: ReconnectRetry, Timeout: 30_000})})
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	h.waitFor(t, "7 connects", func() bool { return h.connects.Load() >= 7 })
	at := h.times(&h.connectAt)
	// Connect 1 asks for an immediate answer; after 2..6 the client waits
	// 50+100+200+400+800 ms. Timers never fire early, so this bound is robust.
	if gap := at[6].Sub(at[1]); gap < 1500*time.Millisecond {
		t.Fatalf("connects 2 to 7 came within %v: the client spins on empty immediate answers", gap)
	}
	d := c.Diagnosis()
	if d == nil || !strings.Contains(d.Error(), "consecutive connects were answered at once with no events") {
		t.Fatalf("Diagnosis() = %v, want the pattern named", d)
	}
	t.Logf("connects 2..7 over %v; Diagnosis: %v", at[6].Sub(at[1]), d)
}

func TestHostileInstantEmptyConnectsStopAtTheBound(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, m Message, _ int64) {
		writeJSON(w, []Message{connectReply(m, &Advice{Reconnect: ReconnectRetry, Timeout: 30_000})})
	}}
	c := startHostile(t, h, fastPacing, ClientOptions{})
	_, took := drain(t, c)
	requireErr(t, c, "40 consecutive connects were answered at once with no events", "the server does not hold connects")
	if n := h.connects.Load(); n != 41 { // the first, answered at once by request, and 40 more
		t.Fatalf("%d connects, want 41", n)
	}
	t.Logf("stopped after %v: %v", took, c.Err())
}

// unknownClient answers every connect 402 with handshake advice, as a server that
// forgets each session at once.
func unknownClient(w http.ResponseWriter, _ *http.Request, m Message, _ int64) {
	writeJSON(w, []Message{{Channel: ChannelConnect, ID: m.ID, Successful: boolPtr(false), Error: errUnknownClient,
		Advice: &Advice{Reconnect: ReconnectHandshake}}})
}

func TestHostile402LoopBacksOff(t *testing.T) {
	h := &hostile{connect: unknownClient}
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	h.waitFor(t, "6 handshakes", func() bool { return h.handshakes.Load() >= 6 })
	at := h.times(&h.shakeAt)
	// Handshake 2 follows the first 402 at once; 3..6 each wait 50, 100, 200, 400 ms.
	if gap := at[5].Sub(at[1]); gap < 750*time.Millisecond {
		t.Fatalf("handshakes 2 to 6 came within %v: the client spins on 402", gap)
	}
	if d := c.Diagnosis(); d == nil || !strings.Contains(d.Error(), "402 Unknown client to") {
		t.Fatalf("Diagnosis() = %v, want the 402 pattern", d)
	}
}

func TestHostile402LoopStopsAtTheBound(t *testing.T) {
	h := &hostile{connect: unknownClient}
	c := startHostile(t, h, fastPacing, ClientOptions{})
	_, took := drain(t, c)
	requireErr(t, c, "402 Unknown client to 40 consecutive connects (handshaking again after each, as advised)")
	if n := h.handshakes.Load(); n != 40 { // the first, then one after each of 39 refusals
		t.Fatalf("%d handshakes, want 40", n)
	}
	t.Logf("stopped after %v: %v", took, c.Err())
}

func TestHostileAbsurdIntervalIsCapped(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, m Message, _ int64) {
		writeJSON(w, []Message{connectReply(m, &Advice{Reconnect: ReconnectRetry, Interval: 3_600_000, Timeout: 30_000})})
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{ConnectMargin: 300 * time.Millisecond})
	start := time.Now()
	h.waitFor(t, "3 connects despite an advised interval of an hour", func() bool { return h.connects.Load() >= 3 })
	d := c.Diagnosis()
	if d == nil || !strings.Contains(d.Error(), "advice interval 3600000 ms exceeds the client's cap of 150ms") {
		t.Fatalf("Diagnosis() = %v, want the capped interval named", d)
	}
	t.Logf("3 connects after %v; Diagnosis: %v", time.Since(start), d)
}

func TestHostileCutConnection(t *testing.T) {
	// Each connect's answer promises 1000 bytes and the connection ends after 12.
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, _ Message, _ int64) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"channel\":")
		_ = buf.Flush()
		_ = conn.Close()
	}}
	c := startHostile(t, h, fastPacing, ClientOptions{})
	_, took := drain(t, c)
	requireErr(t, c, "40 consecutive connects failed; the last:", "connect reply cut after 12 bytes", "unexpected EOF")
	t.Logf("stopped after %v: %v", took, c.Err())
}

func TestHostileCutConnectionIsDiagnosedBeforeTheBound(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, _ *http.Request, _ Message, _ int64) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_ = conn.Close() // no answer at all
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{})
	h.waitFor(t, "2 connects", func() bool { return h.connects.Load() >= 2 })
	// The second connect was sent after the first failed, so its trouble is recorded.
	d := c.Diagnosis()
	if d == nil || !strings.Contains(d.Error(), "consecutive connect(s) failed; the last:") || c.Err() != nil {
		t.Fatalf("Diagnosis() = %v, Err() = %v: want a running client with the failure named", d, c.Err())
	}
}

func TestHostileHeldConnectIsDiagnosedAsOverdue(t *testing.T) {
	h := &hostile{connect: func(w http.ResponseWriter, r *http.Request, m Message, n int64) {
		if n == 1 {
			writeJSON(w, []Message{connectReply(m, &Advice{Reconnect: ReconnectRetry, Timeout: 100})})
			return
		}
		<-r.Context().Done() // never answered
	}}
	c := startHostile(t, h, defaultPacing, ClientOptions{ConnectMargin: time.Minute})
	h.waitFor(t, "the second connect", func() bool { return h.connects.Load() >= 2 })
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(hostileBound)
	for {
		d := c.Diagnosis()
		if d != nil {
			if !strings.Contains(d.Error(), "is not answered in full yet, although the advised timeout is 100ms") {
				t.Fatalf("Diagnosis() = %v", d)
			}
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no diagnosis of a connect held far past its advised timeout within %v", hostileBound)
		}
	}
}

// A server answers the held connect when the session ends, with what it still
// had to deliver: Disconnect must let that answer arrive, not cancel the
// connect before it says goodbye.
func TestDisconnectKeepsTheEventsOfTheLastConnect(t *testing.T) {
	disconnected := make(chan struct{})
	h := &hostile{connect: func(w http.ResponseWriter, r *http.Request, m Message, n int64) {
		if n == 1 {
			writeJSON(w, []Message{connectReply(m, nil)})
			return
		}
		select {
		case <-disconnected:
		case <-r.Context().Done():
			return
		}
		writeJSON(w, []Message{
			{Channel: "/v2/me/chats", Data: json.RawMessage(`{"messageType":"ChatStateChangeMessageV2"}`)},
			connectReply(m, nil),
		})
	}}
	var once sync.Once
	spy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(ChannelDisconnect)) {
			once.Do(func() { close(disconnected) })
		}
		h.ServeHTTP(w, r)
	})
	h.arrived = make(chan struct{}, 1)
	hs := httptest.NewServer(spy)
	t.Cleanup(hs.Close)
	c := NewClient(hs.URL, ClientOptions{})
	if err := c.Handshake(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(testCtx(t), "/v2/me/chats"); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, "the second connect, held", func() bool { return h.connects.Load() >= 2 })
	events := make(chan int)
	go func() {
		n := 0
		for range c.Messages() {
			n++
		}
		events <- n
	}()
	if err := c.Disconnect(testCtx(t)); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if n := <-events; n != 1 {
		t.Errorf("%d event(s) arrived, want the 1 the held connect was answered with", n)
	}
}
