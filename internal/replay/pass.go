package replay

import (
	"maps"
	"slices"
)

// startsOver begins a new pass over the recording when a client starts over: the
// account has had every change recorded for it, and the change it sends now is its
// first recorded one. So one replay serves any number of successive client runs, each
// seeing the recording from its start; a change out of order within a pass is still a
// 409. The caller holds rp.mu; false when the request is not such a restart.
func (rp *Server) startsOver(q *replayQueue, want string) bool {
	if len(q.items) == 0 || rp.recordedKey(q.items[0]) != want {
		return false
	}
	for _, other := range rp.queues {
		other.next = 0
	}
	clear(rp.served)
	rp.frontier = 0
	rp.caused = maps.Clone(rp.recordedCaused)
	rp.orphans = slices.Clone(rp.recordedOrphans)
	rp.notes.forget()
	rp.passes++
	rp.logger.Info("replay: a client starts over; serving the recording again from its start", "pass", rp.passes+1, "request", want, "account", q.account)
	return true
}
