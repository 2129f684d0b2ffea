package runner

import (
	"sync"
	"time"
)

// Phase is where part of a run's wall time went, for finding the harness's own
// overhead: its wall time, and the part of it the target spent answering.
type Phase struct {
	Name      string
	Wall      time.Duration
	RoundTrip time.Duration
	Requests  int
}

// The phases a run is divided into, in the order they first occur.
const (
	phaseSetup   = "setup"   // agents: GET /me, session, Bayeux handshake/subscribe, Ready barrier
	phaseOp      = "op"      // op and http steps, including their `then` waits
	phaseAwait   = "await"   // await and unordered steps
	phaseBarrier = "barrier" // barrier steps
	phaseFinish  = "finish"  // end-of-scenario barriers and checks
	phaseCleanup = "cleanup" // leftover chats, NotReady, disconnects
)

// phases accumulates the run's time per phase.
type phases struct {
	mu    sync.Mutex
	list  []Phase
	meter *meter
}

// begin starts timing a phase; calling the returned function ends it.
func (ps *phases) begin(name string) func() {
	start := time.Now()
	rtt0, req0 := ps.meter.totals()
	return func() {
		wall := time.Since(start)
		rtt, req := ps.meter.totals()
		ps.mu.Lock()
		defer ps.mu.Unlock()
		for i := range ps.list {
			if ps.list[i].Name == name {
				ps.list[i].Wall += wall
				ps.list[i].RoundTrip += rtt - rtt0
				ps.list[i].Requests += req - req0
				return
			}
		}
		ps.list = append(ps.list, Phase{Name: name, Wall: wall, RoundTrip: rtt - rtt0, Requests: req - req0})
	}
}

func (ps *phases) snapshot() []Phase {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]Phase(nil), ps.list...)
}
