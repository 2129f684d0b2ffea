package refserver

import (
	"crypto/subtle"
	"maps"
	"net/http"
)

// handleRequestChat: POST /api/v2/chats {"operationName":"RequestChat","nickname",...}.
func (s *Server) handleRequestChat(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(w, r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if req.OperationName != "RequestChat" {
		s.writeError(w, errf(codeMissingParam, "unknown operationName %q on /api/v2/chats (want RequestChat)", req.OperationName))
		return
	}
	if req.Nickname == "" {
		s.writeError(w, errf(codeMissingParam, "missing parameter nickname"))
		return
	}
	s.mu.Lock()
	c, err := s.openChat(req, baseURL(r))
	if err != nil {
		s.mu.Unlock()
		s.writeError(w, err)
		return
	}
	// NOTES' RequestChat answer is {id, statusCode, path}; the secureKey is this
	// server's addition, left out under customer-without-secure-key.
	body := object{{"statusCode", codeOK}, {"id", c.id}, {"path", c.path()}}
	if !s.tolerates("customer-without-secure-key") {
		body = append(body, field{"secureKey", c.secureKey})
	}
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, body)
}

// openChat creates the chat a customer asks for (GWS RequestChat, or GMS request
// chat through its adapter) and routes it by userData.RouteTo. Callers hold s.mu.
func (s *Server) openChat(req *opRequest, base string) (*chat, error) {
	routes, err := s.routeTargets(req.UserData)
	if err != nil {
		return nil, err
	}
	c := &chat{
		id:        s.newID(),
		secureKey: randomHex(8),
		base:      base,
		subject:   req.Subject,
		custState: customerWaiting,
		userData:  map[string]any{},
		routes:    routes,
		rejected:  map[*agent]bool{},
	}
	maps.Copy(c.userData, req.UserData)
	c.customer = &participant{id: s.newID(), nickname: req.Nickname, kind: "Customer", present: true}
	c.parts = append(c.parts, c.customer)
	s.addMessage(c, "ParticipantJoined", c.customer, visibleAll)
	s.chats[c.id] = c
	s.route(c)
	return c, nil
}

// customerChat finds the chat of a customer request and checks the secureKey it
// carries (not at all under customer-without-secure-key, which hands none out).
// Callers hold s.mu.
func (s *Server) customerChat(id, secureKey, base string) (*chat, error) {
	c := s.chats[id]
	if c == nil {
		return nil, errf(codeNotFound, "no chat with id %q", id)
	}
	// No page documents a secureKey for the GWS customer API, so a client written
	// from the documentation sends none: that is accepted. A key that is sent must
	// be the chat's.
	checked := secureKey != "" && !s.tolerates("customer-without-secure-key") && !s.fault("customer-secure-key-not-checked")
	if checked && subtle.ConstantTimeCompare([]byte(secureKey), []byte(c.secureKey)) != 1 {
		return nil, errf(codeForbidden, "wrong secureKey for chat %s", id)
	}
	c.base = base
	return c, nil
}

func (s *Server) handleCustomerOperation(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(w, r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	err = s.customerOperation(r.PathValue("id"), baseURL(r), req)
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}})
}

func (s *Server) customerOperation(id, base string, req *opRequest) error {
	c, err := s.customerChat(id, req.SecureKey, base)
	if err != nil {
		return err
	}
	_, err = s.customerAct(c, req)
	return err
}

// customerAct performs one customer operation on c (the GWS customer API, and GMS
// through its adapter) and returns the transcript entry it added. Callers hold s.mu.
func (s *Server) customerAct(c *chat, req *opRequest) (*message, error) {
	var typ string
	switch req.OperationName {
	case "SendMessage":
		if req.Text == "" {
			return nil, errf(codeMissingParam, "missing parameter text")
		}
		typ = "Text"
	case "SendStartTypingNotification":
		typ = "TypingStarted"
	case "SendStopTypingNotification":
		typ = "TypingStopped"
	case "Complete":
		typ = "ParticipantLeft"
	default:
		return nil, errf(codeMissingParam, "unknown operationName %q on /api/v2/chats/{id} (want SendMessage, SendStartTypingNotification, SendStopTypingNotification or Complete)", req.OperationName)
	}
	if c.custState == customerIdle {
		return nil, errf(codeInvalidState, "%s is not valid: the chat session has ended (state Idle)", req.OperationName)
	}
	m := s.addMessage(c, typ, c.customer, visibleAll)
	m.text = req.Text
	if typ == "ParticipantLeft" {
		m.text = ""
		s.endCustomerSession(c)
		for _, l := range c.chatting(nil) {
			s.notifyChat(c, l, "ParticipantsUpdated", 0)
		}
	}
	s.broadcast(c, []*message{m}, nil, 0)
	return m, nil
}

func (s *Server) handleCustomerGetChat(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, err := s.customerChat(r.PathValue("id"), r.URL.Query().Get("secureKey"), baseURL(r))
	var body object
	if err == nil {
		body = object{{"statusCode", codeOK}, {"chat", object{
			{"id", c.id},
			{"state", c.custState},
			{"participants", participantObjects(c, true)},
		}}}
	}
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, body)
}

// handleCustomerMessages: the customer's transcript from ?index=N on, visibility All only.
func (s *Server) handleCustomerMessages(w http.ResponseWriter, r *http.Request) {
	from, err := queryInt(r.URL.Query().Get("index"), "index", 1)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	c, err := s.customerChat(r.PathValue("id"), r.URL.Query().Get("secureKey"), baseURL(r))
	var body object
	if err == nil {
		body = object{{"statusCode", codeOK}, {"state", c.custState},
			{"messages", messageObjects(s.customerMessages(c, from))}}
	}
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, body)
}
