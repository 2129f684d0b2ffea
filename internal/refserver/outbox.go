package refserver

// note is one notification on its way out. A NewMessages note keeps its chat,
// messages and referenceId, so the outbox can merge it with another.
type note struct {
	agent   *agent
	channel string
	data    object
	chat    *chat      // NewMessages only
	msgs    []*message // NewMessages only
	ref     int
}

// post sends n now or, while a request collects its notifications, keeps it for
// the end of the request. Callers hold s.mu.
func (s *Server) post(n note) {
	if s.collecting {
		s.outbox = append(s.outbox, n)
		return
	}
	s.send(n)
}

// collect makes the request running under s.mu keep its notifications until the
// returned flush, which merges them (new-messages-merged), moves its StatusChanges
// last (status-change-last) and sends them. Without either toleration it does
// nothing, so the default path sends at once.
func (s *Server) collect() (flush func()) {
	merge, statusLast := s.tolerates("new-messages-merged"), s.tolerates("status-change-last")
	if !merge && !statusLast {
		return func() {}
	}
	s.collecting = true
	return func() {
		notes := s.outbox
		s.outbox, s.collecting = nil, false
		if merge {
			notes = s.merged(notes)
		}
		if statusLast {
			notes = statusChangesLast(notes)
		}
		for _, n := range notes {
			s.send(n)
		}
	}
}

// statusChangesLast keeps the order of a request's notifications but moves its
// StatusChanges after the others (no page states the order of the notifications
// one request causes, so a client must not rely on the default's).
func statusChangesLast(notes []note) []note {
	isStatus := func(n note) bool { return n.data.get("notificationType") == "StatusChange" }
	out := make([]note, 0, len(notes))
	for _, n := range notes {
		if !isStatus(n) {
			out = append(out, n)
		}
	}
	for _, n := range notes {
		if isStatus(n) {
			out = append(out, n)
		}
	}
	return out
}

// merged joins the NewMessages notes of one chat due to the same agent into one,
// placed where the last of them was, so its messages stay in index order. A note
// may overtake only ParticipantsUpdated and PropertiesUpdated (they do not change
// what the agent may do with a message); never a StatusChange, an Error or another
// chat's messages. Both must show the same referenceId (or none).
func (s *Server) merged(notes []note) []note {
	dropped := make([]bool, len(notes))
	for j := range notes {
		n := &notes[j]
		if n.chat == nil {
			continue
		}
		for i := j - 1; i >= 0; i-- {
			e := &notes[i]
			if dropped[i] || e.agent != n.agent {
				continue
			}
			if e.chat == nil && overtakable(e.data) {
				continue
			}
			if e.chat == n.chat && e.channel == n.channel &&
				s.noteReference("NewMessages", e.ref) == s.noteReference("NewMessages", n.ref) {
				n.msgs = append(append([]*message(nil), e.msgs...), n.msgs...)
				n.data = s.newMessages(n.chat, n.msgs, n.ref)
				dropped[i] = true
			}
			break
		}
	}
	out := notes[:0:0]
	for i, n := range notes {
		if !dropped[i] {
			out = append(out, n)
		}
	}
	return out
}

// overtakable: the chat-state notifications a merged NewMessages may move past.
func overtakable(data object) bool {
	if data.get("messageType") != "ChatStateChangeMessage" {
		return false
	}
	t := data.get("notificationType")
	return t == "ParticipantsUpdated" || t == "PropertiesUpdated"
}
