package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/internal/bytesize"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// event is one thing an actor received: a notification's data (agent) or a
// transcript message (customer), decoded JSON, with its arrival time.
type event struct {
	seq     int // position in the stream, 0-based
	at      time.Time
	channel string // Bayeux channel, or "transcript"
	value   any
	invalid error // schema violation found on arrival; nil = valid
	// Bayeux events only (see received): the message id ("" when the target sent
	// none), a hash of the data's bytes (0 for transcript messages), and how many
	// requests the run had started when it arrived. The duplicate checks use them
	// to tell a redelivery from a second notification a second request caused.
	id       string
	hash     uint64
	requests int
}

// stream is an actor's received events in arrival order. Writers (the Bayeux pump,
// the transcript poller) append; the runner waits for growth on a channel that is
// closed and replaced at every append, so waiting never polls.
//
// A stream holds at most maxStreamEvents events and maxStreamBytes of them: past
// either bound the target is flooding the actor, the stream ends with a
// floodError (a target error, with the figure) and later events are
// dropped, so a hostile target cannot grow the harness's memory without bound.
type stream struct {
	mu      sync.Mutex
	events  []event
	bytes   int // the size of the events held, as counted against maxStreamBytes
	grew    chan struct{}
	closed  bool
	closeBy error // why the stream ended early; nil = still open or ended cleanly
	// run is told of every change of any of the run's streams (nil: no one
	// else listens): a wait on one actor also watches the others.
	run *pulse
}

// The bounds of one actor's stream. A scenario's actor receives tens of
// notifications, a long one a few hundred: these are two orders of magnitude
// above, and low enough that a flood of every agent of a scenario stays well
// inside the harness's memory budget. Variables so the tests can lower them.
var (
	maxStreamEvents = 10_000
	maxStreamBytes  = 4 << 20
)

// floodError ends a stream that went past one of its bounds.
type floodError struct {
	what  string // "notifications" or "transcript messages"
	bytes bool   // the byte bound was passed (else the event count)
}

func (e *floodError) Error() string {
	if e.bytes {
		return fmt.Sprintf("more than %s of %s arrived in this scenario (a flood: the harness holds at most %s per actor and read no further)",
			bytesize.Format(int64(maxStreamBytes)), e.what, bytesize.Format(int64(maxStreamBytes)))
	}
	return fmt.Sprintf("more than %d %s arrived in this scenario (a flood: the harness holds at most %d per actor and read no further)",
		maxStreamEvents, e.what, maxStreamEvents)
}

func newStream(run *pulse) *stream { return &stream{grew: make(chan struct{}), run: run} }

// pulse is a channel closed and replaced whenever any stream of a run changes.
type pulse struct {
	mu sync.Mutex
	ch chan struct{}
}

func newPulse() *pulse { return &pulse{ch: make(chan struct{})} }

// next is closed at the next change of any of the run's streams.
func (p *pulse) next() <-chan struct{} {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ch
}

func (p *pulse) beat() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.ch)
	p.ch = make(chan struct{})
}

// add appends a transcript message (or any event without Bayeux details).
func (s *stream) add(at time.Time, channel string, value any, invalid error) {
	s.put(event{at: at, channel: channel, value: value, invalid: invalid}, approxSize(value))
}

// put appends e, which takes size bytes, and wakes every waiter; past a bound it
// ends the stream instead. Nothing is added to a stream that has ended.
func (s *stream) put(e event, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if len(s.events) >= maxStreamEvents || s.bytes+size > maxStreamBytes {
		what := "notifications"
		if e.channel == "transcript" {
			what = "transcript messages"
		}
		s.end(targetError(nil, "%w", &floodError{what: what, bytes: len(s.events) < maxStreamEvents}))
		return
	}
	e.seq = len(s.events)
	s.events = append(s.events, e)
	s.bytes += size
	close(s.grew)
	s.grew = make(chan struct{})
	s.run.beat()
}

// close marks the stream finished (err says why when it was not a clean end).
func (s *stream) close(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.end(err)
}

// end is close with s.mu held; the first end wins.
func (s *stream) end(err error) {
	if s.closed {
		return
	}
	s.closed, s.closeBy = true, err
	close(s.grew)
	s.grew = make(chan struct{})
	s.run.beat()
}

// approxSize is about how many bytes v takes as JSON: what a transcript message
// counts against maxStreamBytes (a Bayeux event counts its exact data length).
func approxSize(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 4 + approxSize(e)
		}
		return n
	case []any:
		n := 2
		for _, e := range x {
			n += 1 + approxSize(e)
		}
		return n
	case string:
		return len(x) + 2
	}
	return 8
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

// waitFor calls check with the events so far, and again each time the stream
// grows (or another stream of the run changes), until check reports done, the
// deadline passes, the stream ends or ctx ends. check must not block; it sees a
// growing prefix of the same slice each time.
func (s *stream) waitFor(ctx context.Context, deadline time.Time, check func(events []event) bool) waitResult {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		others := s.run.next()
		events, grew, closed, _ := s.snapshot()
		if check(events) {
			return waitFound
		}
		if closed {
			return waitClosed
		}
		select {
		case <-grew:
		case <-others:
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

// waitOn is waitFor on actor a's stream, while the actor follows it (a
// customer's transcript is read at once, and by the fallback ticker until the
// wait ends). It also ends, with the problem, as soon as any actor's stream
// receives what decides the scenario's verdict anyway (checkStream: a payload
// its schema refuses, a repeated message index, a transcript that stopped):
// the same problem would fail the scenario after the step, and a target that
// breaks a step many scenarios share would otherwise cost each of them the
// whole wait, reported as the missing notification instead of its cause.
func (rn *run) waitOn(ctx context.Context, step *scenarios.Step, a actor, deadline time.Time, check func(events []event) bool) (waitResult, error) {
	var decided error
	settled := func(events []event) bool {
		if check(events) {
			return true
		}
		for _, o := range rn.order {
			seen := events
			if o != a {
				seen, _, _, _ = o.core().stream.snapshot()
			}
			if decided = rn.checkStream(step, o, seen); decided != nil {
				return true
			}
		}
		return false
	}
	s := a.core().stream
	if events, _, _, _ := s.snapshot(); settled(events) {
		return waitFound, decided // decided by what is in already: no read to ask for
	}
	defer a.follow()()
	return s.waitFor(ctx, deadline, settled), decided
}
