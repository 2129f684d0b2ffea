package refserver

import (
	"net/http"
	"strconv"
)

// legFor finds a's leg in chat id for an operation. Callers hold s.mu.
func (s *Server) legFor(a *agent, id, base string) (*chat, *leg, error) {
	c := s.chats[id]
	if c == nil {
		return nil, nil, errf(codeNotFound, "no chat with id %q", id)
	}
	l := c.legOf(a)
	if l == nil {
		return nil, nil, errf(codeNoPermission, "%s is not a participant of chat %s", a.user.Username, id)
	}
	c.base = base
	return c, l, nil
}

// runChatOp runs one operation atomically and returns its referenceId. async
// (refusals-by-error-notification, chats dialect only: seed 002 prints the
// interactions dialect's refusals in the answer) turns a refusal into a success
// answer followed by an Error notification.
func (s *Server) runChatOp(a *agent, id, base string, req *opRequest, op chatOp, async bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, l, err := s.legFor(a, id, base)
	if err != nil {
		return 0, err
	}
	ref := s.nextReference()
	defer s.collect()() // runs before the deferred Unlock
	err = nil
	if l.state == stateCompleted {
		err = errf(codeInvalidState, "%s is not valid: chat %s is Completed for %s", req.OperationName, id, a.user.Username)
	} else {
		err = op(s, c, l, req, ref)
	}
	if err != nil && async {
		// API-NOTES: the answer only says the request was processed; the outcome
		// may come as an Error notification carrying the request's referenceId.
		_, _, msg := s.failure(err)
		s.notifyError(c, l, ref, msg)
		return ref, nil
	}
	if err != nil {
		return 0, err
	}
	return ref, nil
}

func (s *Server) handleChatOperation(w http.ResponseWriter, r *http.Request, a *agent) {
	req, err := readRequest(w, r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	op, ok := chatOperations[req.OperationName]
	if !ok {
		s.writeError(w, errf(codeMissingParam, "unknown operationName %q on /api/v2/me/chats/{id}", req.OperationName))
		return
	}
	ref, err := s.runChatOp(a, r.PathValue("id"), baseURL(r), req, op, s.tolerates("refusals-by-error-notification"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, s.successAnswer(req.OperationName, ref))
}

// successAnswer is {"statusCode":0} plus the request's referenceId when it carries one.
func (s *Server) successAnswer(op string, ref int) object {
	answer := object{{"statusCode", codeOK}}
	if ref = s.answerReference(op, ref); ref > 0 {
		answer = append(answer, field{"referenceId", ref})
	}
	return answer
}

func (s *Server) handleListChats(w http.ResponseWriter, r *http.Request, a *agent) {
	s.mu.Lock()
	chats := s.activeChats(a, baseURL(r))
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}, {"chats", chats}})
}

func (s *Server) handleGetChat(w http.ResponseWriter, r *http.Request, a *agent) {
	s.mu.Lock()
	c, l, err := s.legFor(a, r.PathValue("id"), baseURL(r))
	var body object
	if err == nil {
		body = object{{"statusCode", codeOK}, {"chat", s.chatObject(c, l)}}
	}
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, body)
}

// handleChatMessages: the transcript an agent may see; ?startIndex= (or ?index=) and
// ?count= page it.
func (s *Server) handleChatMessages(w http.ResponseWriter, r *http.Request, a *agent) {
	q := r.URL.Query()
	start, err := queryInt(q.Get("startIndex"), "startIndex", 1)
	if err == nil && q.Get("startIndex") == "" {
		start, err = queryInt(q.Get("index"), "index", 1)
	}
	count := 0
	if err == nil {
		count, err = queryInt(q.Get("count"), "count", 0)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	c, _, err := s.legFor(a, r.PathValue("id"), baseURL(r))
	var msgs []object
	if err == nil {
		list := s.agentMessages(c, start)
		if count > 0 && len(list) > count {
			list = list[:count]
		}
		msgs = messageObjects(list)
	}
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, object{{"statusCode", codeOK}, {"messages", msgs}})
}

// queryInt reads a non-negative integer query parameter; "" gives def.
func queryInt(v, name string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errf(codeOutOfRange, "query parameter %s=%q: want a non-negative integer", name, v)
	}
	return n, nil
}
