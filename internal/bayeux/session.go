package bayeux

import (
	"time"
)

// session is the server side of one handshaken client. Every field is guarded by the
// owning Server's mutex.
type session struct {
	id        string
	principal string
	subs      map[string]struct{}
	queue     []Message    // events waiting for the next connect reply
	held      *heldConnect // the connect currently held open, if any
	connected bool         // a connect has been answered since the handshake
	expiry    *time.Timer  // fires MaxInterval after the last connect reply
	expiryGen uint64       // invalidates an expiry timer that fired after being replaced
	gone      bool         // removed by disconnect or expiry
}

// heldConnect is one /meta/connect waiting for events.
type heldConnect struct {
	wake     chan struct{} // capacity 1: "look again" (data queued, replaced, or session gone)
	released bool          // a newer connect of the same session took over
}

func newHeldConnect() *heldConnect { return &heldConnect{wake: make(chan struct{}, 1)} }

// signal wakes the waiting connect without blocking; one pending wake is enough
// because the waiter re-reads the session state under the lock.
func (h *heldConnect) signal() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// subscribed reports whether any of the session's subscriptions matches channel.
func (ss *session) subscribed(channel string) bool {
	if _, ok := ss.subs[channel]; ok {
		return true
	}
	for pattern := range ss.subs {
		if channelMatches(pattern, channel) {
			return true
		}
	}
	return false
}

// enqueue appends an event and wakes the held connect, if any.
func (ss *session) enqueue(m Message) {
	ss.queue = append(ss.queue, m)
	if ss.held != nil {
		ss.held.signal()
	}
}

// takeQueue removes and returns every queued event, in order.
func (ss *session) takeQueue() []Message {
	q := ss.queue
	ss.queue = nil
	return q
}

// stopExpiry cancels the pending expiry: a connect has arrived.
func (ss *session) stopExpiry() {
	if ss.expiry != nil {
		ss.expiry.Stop()
		ss.expiry = nil
	}
	ss.expiryGen++
}
