package refserver

import (
	"net/http"
)

// interactionOp is an operation of seed 002's dialect and the shape of its answer.
type interactionOp struct {
	run         chatOp
	statusShape bool // {"status":"ok"} rather than {"statusCode":0}
}

// interactionOperations are the operations of POST /api/v2/me/interactions/{id},
// each answering in the shape seed 002 lists for it.
var interactionOperations = map[string]interactionOp{
	"Accept":                      {(*Server).opAccept, false},
	"Reject":                      {(*Server).opReject, false},
	"InviteUser":                  {(*Server).opInviteUser, true},
	"EndChatSession":              {(*Server).opEndChatSession, true},
	"SendMessage":                 {textOp("Text", visibleAll), false},
	"Send":                        {textOp("Text", visibleAll), false}, // the name seed 002's table uses
	"SendStartTypingNotification": {typingOp("TypingStarted", visibleAll), false},
	"SendStopTypingNotification":  {typingOp("TypingStopped", visibleAll), false},
	"SingleStepTransfer":          {bringInOp(legTransfer), false},
	"Complete":                    {(*Server).opComplete, false},
	"RequestChatHistory":          {(*Server).opRequestChatHistory, false},
	"LeaveConference":             {(*Server).opLeaveConference, true},
}

func (s *Server) handleInteractionOperation(w http.ResponseWriter, r *http.Request, a *agent) {
	req, err := readRequest(w, r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	op, ok := interactionOperations[req.OperationName]
	if !ok {
		s.writeError(w, errf(codeMissingParam, "unknown operationName %q on /api/v2/me/interactions/{id}", req.OperationName))
		return
	}
	statusShape := op.statusShape != s.fault("interactions-wrong-shape")
	ref, err := s.runChatOp(a, r.PathValue("id"), baseURL(r), req, op.run, false)
	switch {
	case err != nil && statusShape:
		s.writeStatusError(w, err)
	case err != nil:
		s.writeError(w, err)
	case statusShape:
		s.writeJSON(w, http.StatusOK, object{{"status", "ok"}})
	default:
		s.writeJSON(w, http.StatusOK, s.successAnswer(req.OperationName, ref))
	}
}

// opInviteUser is Invite addressed by agentId.
func (s *Server) opInviteUser(c *chat, l *leg, req *opRequest, ref int) error {
	if req.AgentID == "" {
		return errf(codeMissingParam, "missing parameter agentId")
	}
	return s.bringIn(c, l, &opRequest{OperationName: req.OperationName, AgentID: req.AgentID}, ref, legConference)
}

// opEndChatSession ends the customer's session but keeps the interaction for
// after-call work: the agent goes to LeftChat, Complete finishes it.
func (s *Server) opEndChatSession(c *chat, l *leg, _ *opRequest, ref int) error {
	if err := requireState("EndChatSession", l, stateChatting); err != nil {
		return err
	}
	left := s.addMessage(c, "ParticipantLeft", l.part, visibility(l))
	l.part.present = false
	if s.fault("end-chat-session-completes") {
		l.setState(stateCompleted)
	} else {
		l.setState(stateLeftChat)
	}
	s.endCustomerSession(c)
	s.notifyChat(c, l, "StatusChange", ref)
	for _, o := range c.chatting(nil) {
		s.notifyChat(c, o, "ParticipantsUpdated", 0)
		s.notifyMessages(c, o, []*message{left}, 0)
	}
	return nil
}

// opLeaveConference: agentId is the caller's own; the last agent keeps the chat, so
// leaving alone is refused.
func (s *Server) opLeaveConference(c *chat, l *leg, req *opRequest, ref int) error {
	if req.AgentID == "" {
		return errf(codeMissingParam, "missing parameter agentId")
	}
	if req.AgentID != l.agent.user.UserID && req.AgentID != l.agent.user.Username {
		return errf(codeNoPermission, "agentId %q is not the requesting agent", req.AgentID)
	}
	if err := requireState("LeaveConference", l, stateChatting); err != nil {
		return err
	}
	if len(c.chatting(l)) == 0 {
		return errf(codeInvalidState, "LeaveConference: %s is the only agent in the chat and keeps it", l.agent.user.Username)
	}
	leaver := l
	if s.fault("leave-conference-wrong-agent") {
		leaver = c.chatting(l)[0]
		ref = 0 // the notifications go to someone who asked for nothing
	}
	s.leaveConference(c, leaver, ref)
	return nil
}

// opRequestChatHistory sends the visible history from eventId (a message index) on
// as one NewMessages notification, even when it is empty.
func (s *Server) opRequestChatHistory(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("RequestChatHistory", l, stateChatting, stateLeftChat); err != nil {
		return err
	}
	from, err := req.eventIndex()
	if err != nil {
		return err
	}
	msgs := s.agentMessages(c, max(from, 1))
	if len(msgs) == 0 {
		s.deliver(l.agent, chatsChannel, s.newMessages(c, nil, ref))
		return nil
	}
	s.notifyMessages(c, l, msgs, ref)
	return nil
}
