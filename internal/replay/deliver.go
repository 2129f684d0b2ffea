package replay

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/fixture"
)

// notifier delivers a replay's recorded notifications over its Bayeux endpoint so that
// none is lost to timing: bayeux.Server.Deliver drops an event when the account has no
// session subscribed to its channel yet, so each account's notifications wait in a queue
// of their own, in recorded order, and are handed to the Bayeux server as soon as (and
// only once) one of the account's sessions is subscribed to the channel. Which sessions
// are subscribed is learned from the server's own replies (its Rewrite hook sees every
// successful /meta/subscribe once the subscription is in place).
type notifier struct {
	server *bayeux.Server

	mu      sync.Mutex
	clients map[string]string                     // clientId -> account, from the requests naming it
	subs    map[string]map[string]map[string]bool // account -> subscription pattern -> clientIds
	pending map[string][]*fixture.BayeuxMessage   // account -> notifications not delivered yet, in order
	host    string                                // the recorded proxy address (replaced in data)
}

func newNotifier(opts bayeux.ServerOptions, recordedHost string) *notifier {
	n := &notifier{clients: map[string]string{}, subs: map[string]map[string]map[string]bool{},
		pending: map[string][]*fixture.BayeuxMessage{}, host: recordedHost}
	next := opts.Rewrite
	opts.Rewrite = func(clientID string, reply []bayeux.Message) []bayeux.Message {
		n.observe(clientID, reply)
		if next != nil {
			return next(clientID, reply)
		}
		return reply
	}
	n.server = bayeux.NewServer(opts)
	return n
}

// ServeHTTP notes which account each clientId belongs to (the Basic username, as the
// server authenticates it), then lets the Bayeux server answer.
func (n *notifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, _, ok := r.BasicAuth()
	if ok && r.Body != nil && r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, bayeux.MaxRequestBody+1))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil {
			n.mu.Lock()
			for _, m := range fixture.ParseBayeux(body) {
				if m.ClientID != "" {
					n.clients[m.ClientID] = user
				}
			}
			n.mu.Unlock()
		}
	}
	n.server.ServeHTTP(w, r)
}

// observe follows subscriptions in the replies the server is about to send, and
// delivers what was waiting for a subscription that is now in place.
func (n *notifier) observe(clientID string, reply []bayeux.Message) {
	n.mu.Lock()
	defer n.mu.Unlock()
	account, known := n.clients[clientID]
	if !known {
		return
	}
	changed := false
	for _, m := range reply {
		ok := m.Successful != nil && *m.Successful
		switch {
		case m.Channel == bayeux.ChannelSubscribe && ok:
			if n.subs[account] == nil {
				n.subs[account] = map[string]map[string]bool{}
			}
			if n.subs[account][m.Subscription] == nil {
				n.subs[account][m.Subscription] = map[string]bool{}
			}
			n.subs[account][m.Subscription][clientID] = true
			changed = true
		case m.Channel == bayeux.ChannelUnsubscribe && ok:
			delete(n.subs[account][m.Subscription], clientID)
		case m.Channel == bayeux.ChannelDisconnect && ok, !ok && strings.HasPrefix(m.Error, "402:"):
			// Gone (disconnected, or expired: the server no longer knows it).
			for _, ids := range n.subs[account] {
				delete(ids, clientID)
			}
		}
	}
	if changed {
		n.flush(account)
	}
}

// deliver queues notes (in order) for their accounts and hands over whatever can be
// delivered now.
func (n *notifier) deliver(notes []*fixture.BayeuxMessage, liveHost string) {
	if len(notes) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	accounts := map[string]bool{}
	for _, m := range notes {
		if n.host != "" && liveHost != "" {
			c := *m
			c.Data = bytes.ReplaceAll(m.Data, []byte(n.host), []byte(liveHost))
			m = &c
		}
		n.pending[m.Account] = append(n.pending[m.Account], m)
		accounts[m.Account] = true
	}
	for account := range accounts {
		n.flush(account)
	}
}

// forget drops what still waits for delivery: a new pass over the recording queues
// its notifications again.
func (n *notifier) forget() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.pending)
}

// flush delivers, in order, the account's pending notifications whose channel one of
// its sessions is subscribed to; the others keep waiting, in order. The caller holds n.mu.
func (n *notifier) flush(account string) {
	waiting := n.pending[account][:0]
	for _, m := range n.pending[account] {
		if n.subscribed(account, m.Channel) {
			n.server.Deliver(account, m.Channel, json.RawMessage(m.Data))
		} else {
			waiting = append(waiting, m)
		}
	}
	n.pending[account] = waiting
}

func (n *notifier) subscribed(account, channel string) bool {
	for pattern, ids := range n.subs[account] {
		if len(ids) > 0 && channelMatches(pattern, channel) {
			return true
		}
	}
	return false
}

// undelivered counts, per account, the notifications still waiting for a subscription.
func (n *notifier) undelivered() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for account, notes := range n.pending {
		if len(notes) > 0 {
			out[account] = len(notes)
		}
	}
	return out
}

// channelMatches reports whether a subscription pattern covers channel (Bayeux
// wildcards: /a/* one segment, /a/** any depth).
func channelMatches(pattern, channel string) bool {
	switch {
	case pattern == channel:
		return true
	case strings.HasSuffix(pattern, "/**"):
		prefix := strings.TrimSuffix(pattern, "**")
		return strings.HasPrefix(channel, prefix) && len(channel) > len(prefix)
	case strings.HasSuffix(pattern, "/*"):
		rest, ok := strings.CutPrefix(channel, strings.TrimSuffix(pattern, "*"))
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	return false
}
