package runner

import (
	"net/http"
	"sync"
	"time"
)

// meter is an http.RoundTripper that sums the wall time and counts the requests
// going through it: what the target itself costs a scenario. The suite compares
// it with the scenario's wall time to show the harness adds no waiting of its own.
//
// The Bayeux connect loop does not go through the meter: a held long-poll connect
// is the target waiting for news, not a round trip, and would swamp the sum.
type meter struct {
	base http.RoundTripper

	mu       sync.Mutex
	total    time.Duration
	requests int
}

func (m *meter) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := m.base.RoundTrip(req)
	elapsed := time.Since(start)
	m.mu.Lock()
	m.total += elapsed
	m.requests++
	m.mu.Unlock()
	return resp, err
}

func (m *meter) totals() (time.Duration, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total, m.requests
}
