package refserver

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// routingKey is the userData key of RequestChat that names who a chat is for.
const routingKey = "RouteTo"

// routeTargets reads RequestChat's userData.RouteTo: an agent username or userId, a
// queue name, or a comma-separated list of those, tried in order. Without it the
// chat goes to the default (first) queue. An unknown name is statusCode 6.
func (s *Server) routeTargets(userData map[string]any) ([]routeTarget, error) {
	raw, ok := userData[routingKey]
	if !ok {
		return []routeTarget{{queue: s.queues[0]}}, nil
	}
	var names []string
	switch v := raw.(type) {
	case string:
		names = strings.Split(v, ",")
	case []any:
		for _, e := range v {
			str, ok := e.(string)
			if !ok {
				return nil, errf(codeOutOfRange, "userData.%s: want a string or a list of strings", routingKey)
			}
			names = append(names, str)
		}
	default:
		return nil, errf(codeOutOfRange, "userData.%s: want a string or a list of strings", routingKey)
	}
	var targets []routeTarget
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		switch {
		case s.byName[name] != nil:
			targets = append(targets, routeTarget{agent: s.byName[name]})
		case s.byID[name] != nil:
			targets = append(targets, routeTarget{agent: s.byID[name]})
		case slices.Contains(s.queues, name):
			targets = append(targets, routeTarget{queue: name})
		default:
			return nil, errf(codeNotFound, "userData.%s: no agent or queue named %q", routingKey, name)
		}
	}
	if len(targets) == 0 {
		return nil, errf(codeOutOfRange, "userData.%s is empty", routingKey)
	}
	return targets, nil
}

// available reports whether a may be offered c now.
func (s *Server) available(a *agent, c *chat) bool {
	return a.ready && !c.active(a) && !c.rejected[a]
}

// pickFromQueue returns the least loaded Ready agent of queue who is not in c (and,
// for routing, has not rejected it).
func (s *Server) pickFromQueue(queue string, c *chat, routing bool) *agent {
	var best *agent
	for _, a := range s.agents {
		if !slices.Contains(a.user.Queues, queue) || !a.ready || c.active(a) || routing && c.rejected[a] {
			continue
		}
		if best == nil || a.load < best.load {
			best = a
		}
	}
	return best
}

// route offers a new (or rejected) chat to its next candidate; with none it waits.
// It reports whether an offer went out.
func (s *Server) route(c *chat) bool {
	for _, t := range c.routes {
		a := t.agent
		if a == nil {
			a = s.pickFromQueue(t.queue, c, true)
		} else if !s.available(a, c) {
			a = nil
		}
		if a != nil {
			s.offer(c, a, legRouted, nil, 0)
			return true
		}
	}
	if !slices.Contains(s.waiting, c) {
		s.waiting = append(s.waiting, c)
	}
	return false
}

// routeWaiting retries every waiting chat, oldest first: an agent became Ready.
func (s *Server) routeWaiting(base string) {
	var still []*chat
	waiting := s.waiting
	s.waiting = nil
	for _, c := range waiting {
		c.base = base
		if !s.route(c) {
			still = append(still, c)
		}
	}
	s.waiting = still
}

// unwait removes c from the waiting list.
func (s *Server) unwait(c *chat) {
	s.waiting = slices.DeleteFunc(s.waiting, func(w *chat) bool { return w == c })
}

// offer invites a to c: a StatusChange Invited with capabilities Accept and Reject.
func (s *Server) offer(c *chat, a *agent, kind string, origin *leg, originRef int) *leg {
	l := &leg{agent: a, state: stateInvited, kind: kind, origin: origin, originRef: originRef}
	c.legs = append(c.legs, l)
	a.load++
	s.notifyChat(c, l, "StatusChange", 0)
	return l
}

// resolveTarget reads the target of Consult, Invite and Transfer (and the
// interactions dialect's agentId/queueName): an agent or a queue. A target URI is
// resolved by its path only.
func (s *Server) resolveTarget(req *opRequest) (routeTarget, error) {
	switch {
	case req.TargetURI != "":
		u, err := url.Parse(req.TargetURI)
		if err != nil {
			return routeTarget{}, errf(codeOutOfRange, "targetUri %q is not a URI", req.TargetURI)
		}
		if id, ok := strings.CutPrefix(u.Path, "/api/v2/users/"); ok {
			if a := s.byID[id]; a != nil {
				return routeTarget{agent: a}, nil
			}
			return routeTarget{}, errf(codeNotFound, "targetUri %q: no such user", req.TargetURI)
		}
		if q, ok := strings.CutPrefix(u.Path, "/api/v2/queues/"); ok && slices.Contains(s.queues, q) {
			return routeTarget{queue: q}, nil
		}
		return routeTarget{}, errf(codeNotFound, "targetUri %q names no user or queue", req.TargetURI)
	case req.AgentID != "":
		if a := s.byID[req.AgentID]; a != nil {
			return routeTarget{agent: a}, nil
		}
		if a := s.byName[req.AgentID]; a != nil {
			return routeTarget{agent: a}, nil
		}
		return routeTarget{}, errf(codeNotFound, "agentId %q: no such user", req.AgentID)
	case req.QueueName != "":
		if slices.Contains(s.queues, req.QueueName) {
			return routeTarget{queue: req.QueueName}, nil
		}
		return routeTarget{}, errf(codeNotFound, "queueName %q: no such queue", req.QueueName)
	}
	return routeTarget{}, errf(codeMissingParam, "missing parameter targetUri")
}

func (t routeTarget) String() string {
	if t.agent != nil {
		return "agent " + t.agent.user.Username
	}
	return fmt.Sprintf("queue %s", t.queue)
}
