package refserver

import (
	"sync"
	"time"
)

const (
	chatsChannel    = "/v2/me/chats"
	channelsChannel = "/v2/me/channels"
)

// deliver queues one notification for every live session of a. Callers hold s.mu,
// which is what keeps each agent's notifications in the order operations happened.
// Inside a request under new-messages-merged it goes to the outbox instead.
func (s *Server) deliver(a *agent, channel string, data object) {
	s.post(note{agent: a, channel: channel, data: data})
}

// send hands one notification to the sink.
func (s *Server) send(n note) {
	s.log.Debug("notification", "agent", n.agent.user.Username, "channel", n.channel, "type", n.data.get("notificationType"))
	s.sink.Deliver(n.agent.user.Username, n.channel, s.shape(n.data))
}

// withReference adds referenceId when the notification of notificationType was
// caused by request ref and may carry it (see noteReference).
func (s *Server) withReference(o object, notificationType string, ref int) object {
	if ref = s.noteReference(notificationType, ref); ref > 0 {
		o = append(o, field{"referenceId", ref})
	}
	return o
}

// notifyChat sends a ChatStateChangeMessage (StatusChange, ParticipantsUpdated,
// PropertiesUpdated) to l's agent.
func (s *Server) notifyChat(c *chat, l *leg, notificationType string, ref int) {
	o := s.withReference(object{{"messageType", "ChatStateChangeMessage"}}, notificationType, ref)
	o = append(o, field{"notificationType", notificationType}, field{"chat", s.chatObject(c, l)})
	s.deliver(l.agent, chatsChannel, o)
}

// notifyError reports an asynchronous failure of l's request ref (seed 000 "Failed").
func (s *Server) notifyError(c *chat, l *leg, ref int, reason string) {
	if s.fault("error-notification-never-sent") {
		return
	}
	o := object{{"messageType", "ChatStateChangeMessage"}, {"notificationType", "Error"}, {"errorMessage", reason}}
	o = s.withReference(o, "Error", ref)
	o = append(o, field{"chat", s.chatObject(c, l)})
	s.deliver(l.agent, chatsChannel, o)
}

// notifyMessages sends the messages l's agent may see as NewMessages.
func (s *Server) notifyMessages(c *chat, l *leg, msgs []*message, ref int) {
	var visible []*message
	for _, m := range msgs {
		if m.visibility == visibleAll || m.visibility == visibleAgents {
			visible = append(visible, m)
		}
	}
	if len(visible) == 0 {
		return
	}
	batches := [][]*message{visible}
	if s.tolerates("batched-differently") && len(visible) > 1 {
		batches = batches[:0]
		for _, m := range visible {
			batches = append(batches, []*message{m})
		}
	}
	for _, batch := range batches {
		s.post(note{agent: l.agent, channel: chatsChannel, data: s.newMessages(c, batch, ref), chat: c, msgs: batch, ref: ref})
	}
}

// newMessages is a MessageLogUpdated NewMessages notification of msgs (possibly none).
func (s *Server) newMessages(c *chat, msgs []*message, ref int) object {
	o := s.withReference(object{{"messageType", "MessageLogUpdated"}}, "NewMessages", ref)
	o = append(o, field{"notificationType", "NewMessages"}, field{"messages", messageObjects(msgs)})
	if s.tolerates("chat-path") {
		return append(o, field{"chatPath", c.path()})
	}
	return append(o, field{"chatUri", c.uri()})
}

// broadcast sends new messages to every agent chatting in c; the caller's copy
// carries its referenceId.
func (s *Server) broadcast(c *chat, msgs []*message, caller *leg, ref int) {
	for _, l := range c.chatting(nil) {
		s.notifyMessages(c, l, msgs, refFor(l, caller, ref))
	}
}

// broadcastChat sends a ChatStateChangeMessage to every agent chatting in c except skip.
func (s *Server) broadcastChat(c *chat, notificationType string, skip, caller *leg, ref int) {
	for _, l := range c.chatting(skip) {
		s.notifyChat(c, l, notificationType, refFor(l, caller, ref))
	}
}

func refFor(l, caller *leg, ref int) int {
	if l == caller {
		return ref
	}
	return 0
}

// notificationDelay is how late the delayed-notifications toleration delivers:
// well inside any sensible notification timeout.
const notificationDelay = 300 * time.Millisecond

// delayedSink delivers every notification a fixed time late, in order, from one
// goroutine that Close stops.
type delayedSink struct {
	next  notifier
	delay time.Duration

	mu      sync.Mutex
	pending []delayedNote
	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

type delayedNote struct {
	due                time.Time
	principal, channel string
	data               any
}

func newDelayedSink(next notifier, delay time.Duration) *delayedSink {
	d := &delayedSink{next: next, delay: delay, wake: make(chan struct{}, 1),
		done: make(chan struct{}), stopped: make(chan struct{})}
	go d.run()
	return d
}

func (d *delayedSink) Deliver(principal, channel string, data any) {
	d.mu.Lock()
	d.pending = append(d.pending, delayedNote{time.Now().Add(d.delay), principal, channel, data})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *delayedSink) run() {
	defer close(d.stopped)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		var next *delayedNote
		if len(d.pending) > 0 {
			next = &d.pending[0]
		}
		d.mu.Unlock()
		if next != nil {
			if wait := time.Until(next.due); wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-d.done:
					return
				}
			}
			d.mu.Lock()
			note := d.pending[0]
			d.pending = d.pending[1:]
			d.mu.Unlock()
			d.next.Deliver(note.principal, note.channel, note.data)
			continue
		}
		select {
		case <-d.wake:
		case <-d.done:
			return
		}
	}
}

func (d *delayedSink) Close() {
	d.once.Do(func() { close(d.done) })
	<-d.stopped
}
