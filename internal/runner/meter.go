package runner

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// meter is an http.RoundTripper that sums the wall time and counts the requests
// going through it: what the target itself costs a scenario. The suite compares
// it with the scenario's wall time to show the harness adds no waiting of its own.
//
// What counts as a round trip: every HTTP request the harness makes to the target
// (REST, customer transcript reads, Bayeux handshake, subscribe, unsubscribe,
// disconnect, and a connect that asks for an immediate answer), from sending it to
// having read its answer. A Bayeux connect that the server may hold until it has
// news does not count at all (see bayeuxMeter): its time is the target waiting,
// not working, and would swamp the sum.
//
// Besides the sum, the meter keeps the busy time: the wall time during which at
// least one request was in flight. Requests overlap (agents are set up
// concurrently, the transcript poller reads in the background), so the sum can
// exceed the busy time.
type meter struct {
	base http.RoundTripper

	mu        sync.Mutex
	total     time.Duration
	requests  int
	inFlight  int
	busySince time.Time
	busy      time.Duration
}

func (m *meter) RoundTrip(req *http.Request) (*http.Response, error) {
	start := m.started()
	resp, err := m.base.RoundTrip(req)
	if err != nil {
		m.finished(start)
		return nil, err
	}
	// The round trip ends when the caller has read the answer (or gives up on it).
	resp.Body = &meteredBody{ReadCloser: resp.Body, done: func() { m.finished(start) }}
	return resp, nil
}

func (m *meter) started() time.Time {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight == 0 {
		m.busySince = now
	}
	m.inFlight++
	return now
}

func (m *meter) finished(start time.Time) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.total += now.Sub(start)
	m.requests++
	m.inFlight--
	if m.inFlight == 0 {
		m.busy += now.Sub(m.busySince)
	}
}

// totals returns the summed round trips and their count, finished ones only.
func (m *meter) totals() (time.Duration, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total, m.requests
}

// busyTime returns the wall time with at least one request in flight so far.
func (m *meter) busyTime() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight > 0 {
		return m.busy + time.Since(m.busySince)
	}
	return m.busy
}

// meteredBody reports the end of a round trip once, at EOF, a read error or Close.
type meteredBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *meteredBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// bayeuxMeter meters the Bayeux requests the target answers at once and passes a
// connect the target may hold (one without advice.timeout 0) around the meter.
type bayeuxMeter struct{ m *meter }

func (b bayeuxMeter) RoundTrip(req *http.Request) (*http.Response, error) {
	if mayBeHeld(req) {
		return b.m.base.RoundTrip(req)
	}
	return b.m.RoundTrip(req)
}

// mayBeHeld reports whether a Bayeux request carries a /meta/connect that the
// server may hold. When the body cannot be inspected it says yes: leaving a round
// trip out of the sum only makes the overhead figure look worse, never better.
func mayBeHeld(req *http.Request) bool {
	if req.GetBody == nil {
		return req.Body != nil && req.Body != http.NoBody
	}
	body, err := req.GetBody()
	if err != nil {
		return true
	}
	defer body.Close()
	raw, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return true
	}
	var batch []struct {
		Channel string `json:"channel"`
		Advice  *struct {
			Timeout *int64 `json:"timeout"`
		} `json:"advice"`
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&batch); err != nil {
		return true
	}
	for _, m := range batch {
		immediate := m.Advice != nil && m.Advice.Timeout != nil && *m.Advice.Timeout == 0
		if m.Channel == "/meta/connect" && !immediate {
			return true
		}
	}
	return false
}
