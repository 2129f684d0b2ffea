package refserver

import (
	"net/http"
	"slices"
)

// agent is one account and its contact-center state.
type agent struct {
	user           User
	sessionStarted bool // StartContactCenterSession done
	ready          bool // Ready on the chat channel
	load           int  // legs not yet Completed: routing prefers the least loaded
}

// baseURL is http:// plus the Host the client used, so URIs work behind a proxy.
func baseURL(r *http.Request) string { return "http://" + r.Host }

func (a *agent) uri(base string) string { return base + "/api/v2/users/" + a.user.UserID }

func (s *Server) userObject(a *agent, base string) object {
	return object{
		{"id", a.user.UserID},
		{"userName", a.user.Username},
		{"firstName", a.user.FirstName},
		{"lastName", a.user.LastName},
		{"uri", a.uri(base)},
		{"roles", []string{"ROLE_AGENT"}},
	}
}

func (s *Server) handleGetMe(w http.ResponseWriter, r *http.Request, a *agent) {
	base := baseURL(r)
	s.mu.Lock()
	sess := s.sessionFor(r, a)
	user := s.userObject(a, base)
	if r.URL.Query().Get("subresources") != "" {
		user = append(user, field{"chats", s.activeChats(a, base)})
	}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.id, Path: "/", HttpOnly: true})
	w.Header().Set("X-CSRF-HEADER", csrfHeader)
	w.Header().Set(csrfHeader, sess.token)
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}, {"user", user}})
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request, _ *agent) {
	a := s.byID[r.PathValue("id")]
	if a == nil {
		s.writeError(w, errf(codeNotFound, "no user with id %q", r.PathValue("id")))
		return
	}
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}, {"user", s.userObject(a, baseURL(r))}})
}

func (s *Server) handleGetQueue(w http.ResponseWriter, r *http.Request, _ *agent) {
	name := r.PathValue("name")
	if !slices.Contains(s.queues, name) {
		s.writeError(w, errf(codeNotFound, "no queue named %q", name))
		return
	}
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}, {"queue", object{
		{"name", name}, {"uri", baseURL(r) + "/api/v2/queues/" + name}}}})
}

// handleMeOperation: StartContactCenterSession and EndContactCenterSession.
func (s *Server) handleMeOperation(w http.ResponseWriter, r *http.Request, a *agent) {
	req, err := readRequest(w, r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.OperationName {
	case "StartContactCenterSession":
		if len(req.Channels) == 0 {
			s.writeError(w, errf(codeMissingParam, "missing parameter channels (want [\"chat\"])"))
			return
		}
		if !slices.Contains(req.Channels, "chat") {
			s.writeError(w, errf(codeInvalidState, "this server has only the chat channel; asked for %v", req.Channels))
			return
		}
		a.sessionStarted = true
		if len(req.Channels) > 1 {
			// Documented partial success: the chat channel started, the others do not exist here.
			s.writeJSON(w, http.StatusOK, object{{"statusCode", codePartialSuccess},
				{"statusMessage", "only the chat channel is available"}})
			return
		}
		s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}})
	case "EndContactCenterSession":
		a.sessionStarted = false
		a.ready = false
		s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}})
	default:
		s.writeError(w, errf(codeMissingParam, "unknown operationName %q on /api/v2/me (want StartContactCenterSession or EndContactCenterSession)", req.OperationName))
	}
}

// handleChannelOperation: Ready and NotReady on the chat channel. By default every
// call notifies the agent's channel state, even when it did not change, so a client
// can use it as a delivery barrier; no page says either way, and under
// ready-unchanged-silent only a real change notifies.
func (s *Server) handleChannelOperation(w http.ResponseWriter, r *http.Request, a *agent) {
	req, err := readRequest(w, r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.OperationName != "Ready" && req.OperationName != "NotReady" {
		s.writeError(w, errf(codeMissingParam, "unknown operationName %q on /api/v2/me/channels/chat (want Ready or NotReady)", req.OperationName))
		return
	}
	if !a.sessionStarted {
		s.writeError(w, errf(codeInvalidState, "no contact center session: POST /api/v2/me StartContactCenterSession first"))
		return
	}
	ready := req.OperationName == "Ready"
	changed := ready != a.ready
	a.ready = ready
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}})
	if changed || !s.tolerates("ready-unchanged-silent") {
		s.deliver(a, channelsChannel, channelStateMessage(a.ready))
	}
	if a.ready {
		s.routeWaiting(baseURL(r))
	}
}

func channelStateMessage(ready bool) object {
	state, id := "NotReady", "2"
	if ready {
		state, id = "Ready", "1"
	}
	return object{
		{"messageType", "ChannelStateChangeMessageV2"},
		{"channels", []object{{
			{"channel", "chat"},
			{"userState", object{{"state", state}, {"displayName", state}, {"id", id}}},
		}}},
	}
}
