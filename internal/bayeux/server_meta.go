package bayeux

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Bayeux error strings ("code:args:message").
const (
	errUnknownClient = "402::Unknown client"
	errOtherOwner    = "403::session belongs to another principal"
)

func (s *Server) handshake(principal string, m Message) Message {
	if len(m.SupportedConnectionTypes) > 0 && !slices.Contains(m.SupportedConnectionTypes, ConnectionLongPolling) {
		reply := failure(m, "301:"+strings.Join(m.SupportedConnectionTypes, ",")+":no common connection type; this server speaks only long-polling", s.advice(ReconnectNone))
		reply.SupportedConnectionTypes = []string{ConnectionLongPolling}
		reply.Version = "1.0"
		return reply
	}
	ss := &session{id: randomID(), principal: principal, subs: make(map[string]struct{})}
	s.mu.Lock()
	s.sessions[ss.id] = ss
	if s.byPrincipal[principal] == nil {
		s.byPrincipal[principal] = make(map[*session]struct{})
	}
	s.byPrincipal[principal][ss] = struct{}{}
	s.armExpiry(ss)
	s.mu.Unlock()
	s.log.Debug("bayeux: handshake", "clientId", ss.id, "principal", principal)

	return Message{
		Channel:                  ChannelHandshake,
		ID:                       m.ID,
		ClientID:                 ss.id,
		Version:                  "1.0",
		MinimumVersion:           "1.0",
		SupportedConnectionTypes: []string{ConnectionLongPolling},
		Successful:               boolPtr(true),
		Advice:                   s.advice(ReconnectRetry),
	}
}

// lookup returns the session m names, or the reply that refuses m. The caller holds s.mu.
func (s *Server) lookup(principal string, m Message) (*session, *Message) {
	ss, ok := s.sessions[m.ClientID]
	if !ok {
		reply := failure(m, errUnknownClient, &Advice{Reconnect: ReconnectHandshake, Interval: 0, Timeout: s.opts.Timeout.Milliseconds()})
		return nil, &reply
	}
	if ss.principal != principal {
		s.log.Warn("bayeux: request for another principal's session refused", "clientId", m.ClientID, "principal", principal)
		reply := failure(m, errOtherOwner, &Advice{Reconnect: ReconnectHandshake, Interval: 0, Timeout: s.opts.Timeout.Milliseconds()})
		return nil, &reply
	}
	return ss, nil
}

// connect answers a /meta/connect: at once for the first connect after a handshake,
// for an advised timeout of 0, or when events are queued; otherwise it is held until
// an event is queued, a newer connect of the same session arrives, the timeout passes,
// the client goes away or the server closes.
func (s *Server) connect(ctx context.Context, principal string, m Message) []Message {
	s.mu.Lock()
	ss, refusal := s.lookup(principal, m)
	if refusal != nil {
		s.mu.Unlock()
		return []Message{*refusal}
	}
	ss.stopExpiry()
	if ss.held != nil {
		// Only one connect per client may be held: the newer one takes over.
		ss.held.released = true
		ss.held.signal()
		ss.held = nil
	}
	immediate := !ss.connected || (m.Advice != nil && m.Advice.Timeout == 0) || len(ss.queue) > 0 || s.closed
	ss.connected = true
	if immediate {
		events := ss.takeQueue()
		if !s.closed {
			s.armExpiry(ss)
		}
		s.mu.Unlock()
		return append(events, s.connectReply(m, ReconnectRetry))
	}
	hc := newHeldConnect()
	ss.held = hc
	s.heldCount++
	s.mu.Unlock()
	if s.hooks.onHold != nil {
		s.hooks.onHold(ss.id)
	}

	timer := time.NewTimer(s.opts.Timeout)
	defer timer.Stop()
	timedOut := false
	for {
		select {
		case <-hc.wake:
		case <-timer.C:
			timedOut = true
		case <-ctx.Done():
		case <-s.done:
		}
		s.mu.Lock()
		if hc.released || ss.gone || len(ss.queue) > 0 || timedOut || ctx.Err() != nil || s.closed {
			break // leave the loop still holding s.mu
		}
		s.mu.Unlock()
	}
	s.heldCount--
	if ss.held == hc {
		ss.held = nil
	}
	var events []Message
	// A connect whose client went away leaves the events for the next connect; one
	// that was replaced leaves them for its successor.
	if !hc.released && !ss.gone && ctx.Err() == nil {
		events = ss.takeQueue()
	}
	if ss.held == nil && !ss.gone && !s.closed {
		s.armExpiry(ss)
	}
	gone := ss.gone
	s.mu.Unlock()

	if gone {
		return []Message{s.connectReply(m, ReconnectNone)}
	}
	return append(events, s.connectReply(m, ReconnectRetry))
}

// connectReply builds a successful connect reply. Its advice may be left out only
// when it says nothing new: reconnect "retry" to a connect that asked for none.
func (s *Server) connectReply(m Message, reconnect string) Message {
	reply := success(m)
	if s.opts.ConnectAdviceOnRequest && m.Advice == nil && reconnect == ReconnectRetry {
		return reply
	}
	reply.Advice = s.advice(reconnect)
	return reply
}

// armExpiry (re)starts the session's MaxInterval countdown. The caller holds s.mu.
func (s *Server) armExpiry(ss *session) {
	ss.stopExpiry()
	gen := ss.expiryGen
	ss.expiry = time.AfterFunc(s.opts.MaxInterval, func() { s.expire(ss, gen) })
}

func (s *Server) expire(ss *session, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.gone || ss.expiryGen != gen || ss.held != nil || s.closed {
		return
	}
	s.log.Debug("bayeux: session expired", "clientId", ss.id, "principal", ss.principal, "maxInterval", s.opts.MaxInterval)
	s.remove(ss)
}

// remove forgets a session and wakes its held connect. The caller holds s.mu.
func (s *Server) remove(ss *session) {
	ss.gone = true
	ss.stopExpiry()
	ss.queue = nil
	delete(s.sessions, ss.id)
	if set := s.byPrincipal[ss.principal]; set != nil {
		delete(set, ss)
		if len(set) == 0 {
			delete(s.byPrincipal, ss.principal)
		}
	}
	if ss.held != nil {
		ss.held.signal()
	}
	if s.hooks.onRemove != nil {
		s.hooks.onRemove(ss.id)
	}
}

func (s *Server) subscribe(principal string, m Message) Message {
	s.mu.Lock()
	ss, refusal := s.lookup(principal, m)
	s.mu.Unlock()
	if refusal != nil {
		return *refusal
	}
	if reason := s.refuseSubscription(principal, m.Subscription); reason != "" {
		s.log.Info("bayeux: subscription refused", "clientId", m.ClientID, "principal", principal, "subscription", m.Subscription, "reason", reason)
		return failure(m, reason, nil)
	}
	s.mu.Lock()
	if !ss.gone {
		ss.subs[m.Subscription] = struct{}{}
	}
	s.mu.Unlock()
	reply := success(m)
	reply.Subscription = m.Subscription
	return reply
}

// refuseSubscription returns the Bayeux error for a refused subscription, or "".
// The hook runs without the server lock: it may be slow or call back into the server.
func (s *Server) refuseSubscription(principal, channel string) string {
	switch {
	case channel == "":
		return "400::subscription is missing"
	case !validChannel(channel):
		return "405:" + channel + ":invalid channel name"
	case strings.HasPrefix(channel, "/meta/"):
		return "403:" + channel + ":meta channels cannot be subscribed to"
	}
	if s.opts.AuthorizeSubscribe != nil {
		if err := s.opts.AuthorizeSubscribe(principal, channel); err != nil {
			return "403::" + err.Error()
		}
	}
	return ""
}

func (s *Server) unsubscribe(principal string, m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, refusal := s.lookup(principal, m)
	if refusal != nil {
		return *refusal
	}
	if m.Subscription == "" {
		return failure(m, "400::subscription is missing", nil)
	}
	delete(ss.subs, m.Subscription)
	reply := success(m)
	reply.Subscription = m.Subscription
	return reply
}

func (s *Server) disconnect(principal string, m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, refusal := s.lookup(principal, m)
	if refusal != nil {
		return *refusal
	}
	s.remove(ss)
	s.log.Debug("bayeux: disconnect", "clientId", ss.id, "principal", principal)
	return success(m)
}

// publishFromClient handles a client's message on a non-meta channel: broadcast to
// subscribers, except on /service/ channels which are private to the server.
func (s *Server) publishFromClient(principal string, m Message) Message {
	s.mu.Lock()
	_, refusal := s.lookup(principal, m)
	s.mu.Unlock()
	if refusal != nil {
		return *refusal
	}
	if !validChannel(m.Channel) || strings.Contains(m.Channel, "*") {
		return failure(m, "405:"+m.Channel+":cannot publish to this channel", nil)
	}
	if s.opts.AuthorizePublish != nil {
		if err := s.opts.AuthorizePublish(principal, m.Channel); err != nil {
			return failure(m, "403::"+err.Error(), nil)
		}
	}
	if m.Data == nil {
		return failure(m, "400::publish without data", nil)
	}
	if !strings.HasPrefix(m.Channel, "/service/") {
		s.broadcast(m.Channel, m.Data, m.Ext)
	}
	return success(m)
}
