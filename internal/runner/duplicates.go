package runner

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Duplicate delivery. A target that sends a notification twice breaks clients
// that act on each one (a message shown twice, an offer accepted twice), and the
// catalogue's forward searches tolerate it: extra notifications in between are
// allowed. So every agent's stream is also checked as a whole, after every step
// and once more after cleanup (when every copy still on its way has arrived):
//
//   - Message indexes (documented, notes/message-indexes: "1-based, increasing";
//     API-NOTES' December note: "indexes increase, but may skip"). Within one
//     chat, as one agent receives it in NewMessages notifications, each message's
//     index must be above every index received before: a repeated or a
//     decreasing index fails the scenario, naming both notifications.
//     A chat history legitimately repeats what the agent already has: the
//     history that follows Accept (seed 002, seed 003) and the one
//     RequestChatHistory asks for (seed 002). The runner knows when it asked for
//     one, from the step it ran: each Accept or RequestChatHistory step of the
//     agent expecting success grants one history. The first NewMessages after
//     it that starts a new sequence takes it: either the first NewMessages of a
//     chat the agent has no index of yet (the first history of a chat: nothing
//     to repeat, but taking the grant keeps a redelivered copy of that history
//     from passing for it), or one whose first index is not above the last one
//     of its chat (a history of a chat the agent was in before). The sequence of
//     that chat then restarts at that notification; its own indexes must still
//     increase, and so must every later one. A live message that arrives between
//     the request and its history is above the last index, so it does not take
//     the grant. A grant no history takes (a target that sends none) stays, and
//     can excuse one later restart: never more restarts than requests.
//     Under every tolerated variation of the reference server
//     (histories split into one notification per message, merged ones, late
//     ones) this never flags legal traffic: the fault sweep plays the catalogue
//     under each.
//   - Redelivery (reference level, wire/no-duplicate-notifications: no page
//     forbids a repeated notification). The same Bayeux event delivered twice
//     (same channel, same id, same data), or a chat or channel state
//     notification (ChatStateChangeMessage, ChannelStateChangeMessageV2)
//     received twice in a row, byte for byte, with no request of the run started
//     between the two (a second request may legally cause a second, identical
//     notification: Ready twice notifies twice, wire/ready-always-notifies), is a
//     deviation. One is recorded per actor; later ones are counted in it.
//
// A customer's transcript is checked where it is read (customer.go): the poller
// asks for the messages from the next index on, so a repeat across reads is
// already filtered, and a repeated or decreasing index within one answer ends
// the transcript with that failure.

// dupState is what the duplicate checks remember about one actor's stream.
type dupState struct {
	checked   int                   // events examined so far
	chats     map[string]*indexSeen // per chat: the last message index received
	histories int                   // histories asked for and not yet received
	ids       map[string]int        // "channel id" of each Bayeux event -> its seq
	deviation int                   // index+1 in the run's deviations of the actor's redelivery deviation; 0 = none yet
	more      int                   // redeliveries found after the one recorded
	first     string                // the recorded deviation's reason, before the count of more
}

// indexSeen is what an agent received of one chat's messages since its sequence
// last (re)started: the last index, the notification it came in, and where
// each index came (to name the first copy of a repeated one).
type indexSeen struct {
	index int
	seq   int
	at    map[int]int // index -> seq of the notification
}

// noDuplicates is the statement the redelivery deviations cite.
const noDuplicates = "wire/no-duplicate-notifications"

// statementLevel is the evidence level of a statement the runner itself cites;
// reference when it is not listed (TestNoDuplicatesStatementIsReferenceLevel keeps it listed).
func statementLevel(id string) evidence.Level {
	if st, err := evidence.LoadStatements(); err == nil {
		if s, ok := st.Lookup(id); ok {
			return s.Level
		}
	}
	return evidence.Reference
}

// received adds a Bayeux event to agent a's stream with what the duplicate
// checks need: its id, a hash of its bytes, and the requests started so far.
func (rn *run) received(a *agent, at time.Time, m bayeux.Message, value any, invalid error) {
	h := fnv.New64a()
	h.Write(m.Data)
	// hash | 1: never 0, which marks an event that did not come over Bayeux.
	e := event{at: at, channel: m.Channel, value: value, invalid: invalid, id: m.ID, hash: h.Sum64() | 1, requests: rn.meter.startedCount()}
	a.stream.put(e, len(m.Data))
}

// startedCount is how many requests have been started through the meter: the
// finished ones and those in flight. A held Bayeux connect bypasses the meter; it
// causes no notification.
func (m *meter) startedCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests + m.inFlight
}

// checkDuplicates examines actor a's events since the last check (step is the
// step that just ran, nil at the end of the scenario).
func (rn *run) checkDuplicates(step *scenarios.Step, a *agent, events []event) error {
	d := &a.dups
	if d.chats == nil {
		d.chats, d.ids = map[string]*indexSeen{}, map[string]int{}
	}
	for ; d.checked < len(events); d.checked++ {
		e := events[d.checked]
		if err := rn.checkIndexes(step, a, d, events, e); err != nil {
			d.checked++
			return err
		}
		if err := rn.checkRedelivery(step, a, d, events, e); err != nil {
			d.checked++
			return err
		}
	}
	return nil
}

// duplicatesAfterCleanup applies the delivery checks (checkDelivery: an
// agent's duplicate checks) to what reached the streams after the
// scenario's last check: cleanup has disconnected every agent and waited for
// its pump, so a copy that was still on its way (the pump validates each
// notification; the last steps can end before the second of two copies is in)
// is checked too.
func (rn *run) duplicatesAfterCleanup() error {
	for _, a := range rn.order {
		events, _, _, _ := a.core().stream.snapshot()
		if err := a.checkDelivery(rn, nil, events); err != nil {
			return err
		}
	}
	return nil
}

// grantHistories gives each agent step asks a history of one grant, before the
// step runs: its stream is checked during the step's own waits too, and the
// history may arrive in one of them.
func (rn *run) grantHistories(step *scenarios.Step) {
	for _, a := range rn.agents {
		if asksForHistory(step, a) {
			a.dups.histories++
		}
	}
}

// asksForHistory reports whether step is a's request for a chat history that
// should succeed: Accept (either dialect) or RequestChatHistory, as an op or a
// raw request.
func asksForHistory(step *scenarios.Step, a *agent) bool {
	if step == nil || step.Actor != a.name() {
		return false
	}
	isHistoryOp := func(name string) bool { return name == "Accept" || name == "RequestChatHistory" }
	switch act := step.Action.(type) {
	case *scenarios.OpStep:
		return isHistoryOp(act.Op.Name) && act.Expect.ExpectsSuccess()
	case *scenarios.HTTPStep:
		body, _ := act.Body.(map[string]any)
		name, _ := body["operationName"].(string)
		return isHistoryOp(name) && act.Expect.ExpectsSuccess()
	case *scenarios.AwaitStep, *scenarios.NeverStep, *scenarios.BarrierStep:
	}
	return false
}

// checkIndexes applies the message index rule to one event.
func (rn *run) checkIndexes(step *scenarios.Step, a *agent, d *dupState, events []event, e event) error {
	chat, indexes, ok := newMessagesIndexes(e.value)
	if !ok {
		return nil
	}
	last := d.chats[chat]
	if d.histories > 0 && (last == nil || len(indexes) == 0 || indexes[0] <= last.index) {
		d.histories--
		last = nil // a history: the chat's sequence restarts here
	}
	if last == nil {
		last = &indexSeen{index: -1, at: map[int]int{}}
		d.chats[chat] = last
	}
	for _, index := range indexes {
		if last.index >= 0 && index <= last.index {
			return rn.indexProblem(step, a, events, chat, last, e.seq, index)
		}
		last.index, last.seq = index, e.seq
		last.at[index] = e.seq
	}
	return nil
}

// indexProblem is the documented failure of a repeated or decreasing index.
func (rn *run) indexProblem(step *scenarios.Step, a *agent, events []event, chat string, last *indexSeen, seq, index int) error {
	var reason string
	marks := map[int]string{}
	if first, repeated := last.at[index]; repeated {
		if first == seq {
			reason = fmt.Sprintf("%s received message index %d of chat %s twice in notification #%d", a.name(), index, chat, seq+1)
			marks[seq] = fmt.Sprintf("index %d of chat %s twice", index, chat)
		} else {
			reason = fmt.Sprintf("%s received message index %d of chat %s in notification #%d and again in #%d", a.name(), index, chat, first+1, seq+1)
			marks[first] = fmt.Sprintf("index %d of chat %s", index, chat)
			marks[seq] = fmt.Sprintf("REPEATS index %d of #%d", index, first+1)
		}
	} else {
		reason = fmt.Sprintf("%s received message index %d of chat %s in notification #%d, after index %d in #%d",
			a.name(), index, chat, seq+1, last.index, last.seq+1)
		marks[last.seq] = fmt.Sprintf("index %d of chat %s", last.index, chat)
		marks[seq] = fmt.Sprintf("DECREASING index %d after %d", index, last.index)
	}
	reason += " (message indexes increase: notes/message-indexes; only a history, after an Accept or RequestChatHistory, may repeat them)"
	return targetError(step, "%s", reason).withDetail(renderTimeline(rn.buildTimeline(a, events, marks)))
}

// newMessagesIndexes returns the chat and the message indexes of a NewMessages
// notification (ok false for anything else, or one that names no chat). Messages
// without an integer index are left out: the schema reports them.
func newMessagesIndexes(v any) (chat string, indexes []int, ok bool) {
	n := asObject(v)
	if n["notificationType"] != "NewMessages" {
		return "", nil, false
	}
	chat = gws.MessageLogChat(n)
	if chat == "" {
		return "", nil, false
	}
	for _, m := range asSlice(n["messages"]) {
		if index, ok := messageIndex(m); ok {
			indexes = append(indexes, index)
		}
	}
	return chat, indexes, true
}

// checkRedelivery applies the redelivery rule to one event.
func (rn *run) checkRedelivery(step *scenarios.Step, a *agent, d *dupState, events []event, e event) error {
	if e.hash == 0 {
		return nil // not a Bayeux event
	}
	var reason string
	var first int
	if e.id != "" {
		key := e.channel + " " + e.id
		if prev, ok := d.ids[key]; ok && events[prev].hash == e.hash {
			first = prev
			reason = fmt.Sprintf("%s received Bayeux event id %q on %s twice, with the same data: notifications #%d and #%d", a.name(), e.id, e.channel, prev+1, e.seq+1)
		} else if !ok {
			d.ids[key] = e.seq
		}
	}
	if reason == "" && e.seq > 0 && gws.IsStateNotification(e.value) {
		prev := events[e.seq-1]
		if prev.channel == e.channel && prev.hash == e.hash && prev.requests == e.requests {
			first = prev.seq
			reason = fmt.Sprintf("%s received the same %s twice in a row, byte for byte, with no request between: notifications #%d and #%d",
				a.name(), asObject(e.value)["messageType"], prev.seq+1, e.seq+1)
		}
	}
	if reason == "" {
		return nil
	}
	if d.deviation > 0 {
		// One deviation per actor says it; the count of later ones keeps the
		// report short whatever the target repeats.
		d.more++
		rn.amendDeviation(d.deviation-1, fmt.Sprintf("%s (and %d more redelivered notification(s) after it)", d.first, d.more))
		return nil
	}
	reason += fmt.Sprintf(" (a notification is delivered once: %s): %s", noDuplicates, summarize(e.value))
	marks := map[int]string{first: "first delivery", e.seq: "DELIVERED AGAIN"}
	found := targetError(step, "%s", reason).withDetail(renderTimeline(rn.buildTimeline(a, events, marks)))
	err, i := rn.deviateIndex(statementLevel(noDuplicates), fmt.Sprintf("%s:%d", rn.sc.File, rn.sc.Line), found)
	if err != nil {
		return err // a strict run
	}
	if i >= 0 {
		d.deviation, d.first = i+1, reason
	}
	return nil
}
