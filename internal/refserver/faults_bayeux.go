package refserver

import (
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

// bayeuxRewrite builds the Bayeux Rewrite hook for the transport-level faults and
// tolerations, or nil when none is switched on. It sees every reply the notification
// endpoint sends, the agents' own CometD clients included.
func (s *Server) bayeuxRewrite() func(clientID string, reply []bayeux.Message) []bayeux.Message {
	names := []string{"bayeux-loses-message-between-connects", "bayeux-402-without-handshake-advice",
		"bayeux-duplicates-messages", "bayeux-connect-id-not-echoed", "bayeux-invalid-reconnect-advice",
		"bayeux-handshake-without-long-polling", "bayeux-connect-held-too-long", "bayeux-connect-reply-first",
		"bayeux-ext-fields"}
	active := false
	for _, n := range names {
		active = active || s.fault(n) || s.tolerates(n)
	}
	if !active {
		return nil
	}
	dup := &redelivery{last: map[string][]bayeux.Message{}}
	return func(clientID string, reply []bayeux.Message) []bayeux.Message {
		isConnect := false
		for _, m := range reply {
			isConnect = isConnect || m.Channel == bayeux.ChannelConnect
		}
		out := make([]bayeux.Message, 0, len(reply))
		dataSeen := 0
		for _, m := range reply {
			isData := !strings.HasPrefix(m.Channel, "/meta/")
			if isData && isConnect {
				dataSeen++
				if dataSeen > 1 && s.fault("bayeux-loses-message-between-connects") {
					continue // the notifications queued behind the first are lost
				}
			}
			out = append(out, s.rewriteMeta(m))
		}
		if isConnect && s.fault("bayeux-duplicates-messages") {
			out = dup.replay(clientID, out)
		}
		if isConnect && s.tolerates("bayeux-connect-reply-first") {
			out = connectReplyFirst(out)
		}
		if s.tolerates("bayeux-ext-fields") {
			for i := range out {
				out[i].Ext = map[string]any{"x-gwsconform": "tolerated"}
			}
		}
		return out
	}
}

// rewriteMeta applies the faults that change one meta reply.
func (s *Server) rewriteMeta(m bayeux.Message) bayeux.Message {
	if s.fault("bayeux-402-without-handshake-advice") && strings.HasPrefix(m.Error, "402") {
		m.Advice = nil
	}
	if s.fault("bayeux-connect-id-not-echoed") && m.Channel == bayeux.ChannelConnect {
		m.ID = ""
	}
	if s.fault("bayeux-invalid-reconnect-advice") && m.Advice != nil {
		advice := *m.Advice // the server may share its advice value between replies
		advice.Reconnect = "reconnect"
		m.Advice = &advice
	}
	if s.fault("bayeux-connect-held-too-long") && m.Advice != nil {
		advice := *m.Advice
		advice.Timeout /= heldTooLongFactor // the server still holds connects for the real timeout
		m.Advice = &advice
	}
	if s.fault("bayeux-handshake-without-long-polling") && m.Channel == bayeux.ChannelHandshake {
		m.SupportedConnectionTypes = []string{"websocket"}
	}
	return m
}

// heldTooLongFactor is how much longer than it advises the server holds a connect
// under the bayeux-connect-held-too-long fault: it advises a tenth of the real
// timeout (100ms for the embedded server's 1s, 3s for the default 30s).
const heldTooLongFactor = 10

// redelivery remembers the notifications of each session's last connect reply, so
// the bayeux-duplicates-messages fault can send them again with the next one.
type redelivery struct {
	mu   sync.Mutex
	last map[string][]bayeux.Message
}

func (r *redelivery) replay(clientID string, reply []bayeux.Message) []bayeux.Message {
	var fresh []bayeux.Message
	for _, m := range reply {
		if !strings.HasPrefix(m.Channel, "/meta/") {
			fresh = append(fresh, m)
		}
	}
	r.mu.Lock()
	again := r.last[clientID]
	if len(fresh) > 0 || len(again) > 0 {
		r.last[clientID] = fresh
	}
	r.mu.Unlock()
	return append(again, reply...)
}

// connectReplyFirst moves the /meta/connect reply ahead of the notifications, a
// legal order: a Bayeux batch is not ordered between meta replies and events.
func connectReplyFirst(reply []bayeux.Message) []bayeux.Message {
	out := make([]bayeux.Message, 0, len(reply))
	for _, m := range reply {
		if m.Channel == bayeux.ChannelConnect {
			out = append(out, m)
		}
	}
	for _, m := range reply {
		if m.Channel != bayeux.ChannelConnect {
			out = append(out, m)
		}
	}
	return out
}

// authorizeSubscribe allows only the agent's own channels, unless the
// bayeux-subscribe-any-channel toleration is on (cometd-nodejs-server accepts any
// channel; nothing is ever delivered outside /v2/me/*, and client publishes are
// refused, so no data flows on them). The Bayeux server adds the "403::" prefix.
func (s *Server) authorizeSubscribe(principal, channel string) error {
	if s.tolerates("bayeux-subscribe-any-channel") {
		return nil
	}
	return authorizeSubscribe(principal, channel)
}
