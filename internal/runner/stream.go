package runner

import (
	"context"
	"sync"
	"time"
)

// event is one thing an actor received: a notification's data (agent) or a
// transcript message (customer), decoded JSON, with its arrival time.
type event struct {
	seq     int // position in the stream, 0-based
	at      time.Time
	channel string // Bayeux channel, or "transcript"
	value   any
	invalid error // schema violation found on arrival; nil = valid
}

// stream is an actor's received events in arrival order. Writers (the Bayeux pump,
// the transcript poller) append; the runner waits for growth on a channel that is
// closed and replaced at every append, so waiting never polls.
type stream struct {
	mu      sync.Mutex
	events  []event
	grew    chan struct{}
	closed  bool
	closeBy error // why the stream ended early; nil = still open or ended cleanly
}

func newStream() *stream { return &stream{grew: make(chan struct{})} }

// add appends an event and wakes every waiter.
func (s *stream) add(at time.Time, channel string, value any, invalid error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, event{seq: len(s.events), at: at, channel: channel, value: value, invalid: invalid})
	close(s.grew)
	s.grew = make(chan struct{})
}

// close marks the stream finished (err says why when it was not a clean end).
func (s *stream) close(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed, s.closeBy = true, err
	close(s.grew)
	s.grew = make(chan struct{})
}

// snapshot returns the events so far, a channel closed at the next change, and
// whether the stream has ended (then no more events will come).
func (s *stream) snapshot() ([]event, <-chan struct{}, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.events[:len(s.events):len(s.events)], s.grew, s.closed, s.closeBy
}

func (s *stream) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// waitResult says how a wait ended.
type waitResult int

const (
	waitFound waitResult = iota
	waitTimeout
	waitClosed
	waitCanceled
)

// waitFor calls check with the events so far, and again each time the stream grows,
// until check reports done, the deadline passes, the stream ends or ctx ends.
// check must not block; it sees a growing prefix of the same slice each time.
func (s *stream) waitFor(ctx context.Context, deadline time.Time, check func(events []event) bool) waitResult {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		events, grew, closed, _ := s.snapshot()
		if check(events) {
			return waitFound
		}
		if closed {
			return waitClosed
		}
		select {
		case <-grew:
		case <-timer.C:
			// One last look at what arrived in time: the timer and the last append
			// may have fired together.
			events, _, _, _ := s.snapshot()
			if check(arrivedBy(events, deadline)) {
				return waitFound
			}
			return waitTimeout
		case <-ctx.Done():
			return waitCanceled
		}
	}
}

// arrivedBy returns the prefix of events that arrived no later than t.
func arrivedBy(events []event, t time.Time) []event {
	n := len(events)
	for n > 0 && events[n-1].at.After(t) {
		n--
	}
	return events[:n:n]
}
