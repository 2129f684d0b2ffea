package refserver

import (
	"errors"
	"fmt"
	"slices"
)

// A chatOp is one operation on a chat by the agent of leg l. It runs under s.mu,
// checks everything before changing anything, and tags the notifications it causes
// for the caller with ref.
type chatOp func(s *Server, c *chat, l *leg, req *opRequest, ref int) error

// chatOperations are the operations of POST /api/v2/me/chats/{id}.
var chatOperations = map[string]chatOp{
	"Accept":                              (*Server).opAccept,
	"Reject":                              (*Server).opReject,
	"Leave":                               (*Server).opLeave,
	"Complete":                            (*Server).opComplete,
	"SendMessage":                         textOp("Text", visibleAll),
	"SendStartTypingNotification":         typingOp("TypingStarted", visibleAll),
	"SendStopTypingNotification":          typingOp("TypingStopped", visibleAll),
	"SendUrl":                             (*Server).opSendURL,
	"SendToAgents":                        textOp("Text", visibleAgents),
	"SendStartTypingToAgentsNotification": typingOp("TypingStarted", visibleAgents),
	"SendStopTypingToAgentsNotification":  typingOp("TypingStopped", visibleAgents),
	"Transfer":                            bringInOp(legTransfer),
	"Consult":                             bringInOp(legConsult),
	"Invite":                              bringInOp(legConference),
	"SetDisposition":                      (*Server).opSetDisposition,
	"AttachUserData":                      (*Server).opAttachUserData,
	"UpdateUserData":                      (*Server).opAttachUserData,
	"DeleteUserData":                      (*Server).opDeleteUserData,
	"SetInFocus":                          (*Server).opSetInFocus,
	"InFocus":                             (*Server).opSetInFocus, // seed 003/004's spelling of the capability
}

func requireState(op string, l *leg, states ...string) error {
	if !slices.Contains(states, l.state) {
		return errf(codeInvalidState, "%s is not valid in state %s (valid in: %v)", op, l.state, states)
	}
	return nil
}

// visibility of what l's agent says: a consultant speaks to agents only.
func visibility(l *leg) string {
	if l.part != nil && l.part.hidden {
		return visibleAgents
	}
	return visibleAll
}

// spokenVisibility narrows an operation's visibility to Agents for a consultant.
func spokenVisibility(l *leg, vis string) string {
	if vis == visibleAll {
		return visibility(l)
	}
	return vis
}

func (s *Server) opAccept(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("Accept", l, stateInvited); err != nil {
		return err
	}
	// Seed 003 lists nickname without "(Optional)" (and without "required"): the
	// customer sees it, so by default it is required; accept-nickname-optional
	// falls back to the username.
	nickname := req.Nickname
	if nickname == "" && s.tolerates("accept-nickname-optional") {
		nickname = l.agent.user.Username
	}
	if nickname == "" {
		return errf(codeMissingParam, "missing parameter nickname")
	}
	consult := l.kind == legConsult && !s.fault("consult-joined-visible-to-customer")
	l.part = &participant{id: s.newID(), nickname: nickname, kind: "Agent", present: true, hidden: consult}
	c.parts = append(c.parts, l.part)
	l.setState(stateChatting)
	if c.custState == customerWaiting {
		c.custState = customerChatting
	}
	joinVisibility := visibility(l)
	if l.kind == legConference && s.fault("invite-joined-agents-only") {
		joinVisibility = visibleAgents
	}
	joined := s.addMessage(c, "ParticipantJoined", l.part, joinVisibility)

	// Seed 003: the new agent learns its state, the participants, then the history.
	s.notifyChat(c, l, "StatusChange", ref)
	if !s.fault("accept-without-participants-updated") {
		s.notifyChat(c, l, "ParticipantsUpdated", ref)
	}
	history := s.agentMessages(c, 1)
	if s.fault("accept-history-missing-first-message") {
		history = withoutFirstCustomerText(history)
	}
	s.notifyMessages(c, l, history, ref)
	// The others see the join; the originator's copies carry its referenceId.
	s.announceJoin(c, l, joined, l.origin, l.originRef)
	if l.kind == legTransfer && l.origin != nil && l.origin.state == stateChatting && !s.fault("transfer-keeps-transferrer") {
		// The transfer is done: the transferring agent leaves the chat.
		s.leaveConference(c, l.origin, l.originRef)
	}
	return nil
}

// announceJoin tells every chatting agent but the newcomer about it: ParticipantsUpdated
// then NewMessages[ParticipantJoined] (seeds 000/001), origin's copies tagged with ref.
func (s *Server) announceJoin(c *chat, newcomer *leg, joined *message, origin *leg, ref int) {
	for _, o := range c.chatting(newcomer) {
		r := refFor(o, origin, ref)
		s.notifyChat(c, o, "ParticipantsUpdated", r)
		if o == origin && s.fault("participant-joined-dropped") {
			continue
		}
		s.notifyMessages(c, o, []*message{joined}, r)
	}
}

func (s *Server) opReject(c *chat, l *leg, _ *opRequest, ref int) error {
	if err := requireState("Reject", l, stateInvited); err != nil {
		return err
	}
	l.setState(stateCompleted)
	s.notifyChat(c, l, "StatusChange", ref)
	if l.kind == legRouted {
		c.rejected[l.agent] = true
		if !s.fault("reject-not-rerouted") {
			s.route(c)
		}
		return nil
	}
	if l.origin != nil && l.origin.state == stateChatting {
		s.notifyError(c, l.origin, l.originRef, fmt.Sprintf("%s rejected the invitation", l.agent.user.Username))
	}
	return nil
}

// completeAfterCallWork ends a leg in LeftChat (after-call work, seed 004): Leave
// and Complete both move it to Completed and tell its agent.
func (s *Server) completeAfterCallWork(c *chat, l *leg, ref int) {
	l.setState(stateCompleted)
	s.notifyChat(c, l, "StatusChange", ref)
}

func (s *Server) opLeave(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("Leave", l, stateChatting, stateLeftChat); err != nil {
		return err
	}
	if l.state == stateLeftChat {
		s.completeAfterCallWork(c, l, ref)
		return nil
	}
	if err := s.sayGoodbye(c, l, req, ref); err != nil {
		return err
	}
	loneState := stateLeftChat
	if s.fault("leave-reports-completed") {
		loneState = stateCompleted
	}
	s.depart(c, l, ref, loneState)
	return nil
}

func (s *Server) opComplete(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("Complete", l, stateChatting, stateLeftChat); err != nil {
		return err
	}
	if l.state == stateLeftChat {
		s.completeAfterCallWork(c, l, ref)
		return nil
	}
	if err := s.sayGoodbye(c, l, req, ref); err != nil {
		return err
	}
	if len(c.chatting(l)) == 0 && s.fault("agent-complete-keeps-customer-session") {
		l.setState(stateCompleted) // the customer is never told the agent went
		s.notifyChat(c, l, "StatusChange", ref)
		return nil
	}
	s.depart(c, l, ref, stateCompleted)
	return nil
}

// sayGoodbye sends Leave's and Complete's optional closing text.
func (s *Server) sayGoodbye(c *chat, l *leg, req *opRequest, ref int) error {
	if req.Text == "" {
		if req.MessageType != "" || req.TreatAs != "" {
			return errf(codeMissingParam, "messageType and treatAs need the text parameter")
		}
		return nil
	}
	m := s.addMessage(c, "Text", l.part, visibility(l))
	m.text = req.Text
	s.broadcast(c, []*message{m}, l, ref)
	return nil
}

// depart takes a chatting agent out of c (seed 004). Alone with the customer, the
// agent ends the customer's session and goes to loneState (LeftChat for Leave,
// Completed for Complete); with other agents present, the agent is Completed and the
// chat goes on.
func (s *Server) depart(c *chat, l *leg, ref int, loneState string) {
	if len(c.chatting(l)) > 0 {
		s.leaveConference(c, l, ref)
		return
	}
	s.addMessage(c, "ParticipantLeft", l.part, visibleAll) // the customer reads it from the transcript
	l.part.present = false
	l.setState(loneState)
	s.endCustomerSession(c)
	s.notifyChat(c, l, "StatusChange", ref)
}

// leaveConference takes l out of a chat that other agents stay in (seed 004 "in a
// conference/consultation"): Completed for l, ParticipantsUpdated and ParticipantLeft
// for the others (visible to agents only if l was a consultant). The chat stays
// open for the customer: if only consultants remain, they are promoted.
func (s *Server) leaveConference(c *chat, l *leg, ref int) {
	left := s.addMessage(c, "ParticipantLeft", l.part, visibility(l))
	l.part.present = false
	l.setState(stateCompleted)
	s.notifyChat(c, l, "StatusChange", ref)
	joined := s.promoteStrandedConsultants(c)
	for _, o := range c.chatting(nil) {
		s.notifyChat(c, o, "ParticipantsUpdated", 0)
		s.notifyMessages(c, o, []*message{left}, 0)
		for _, m := range joined {
			s.notifyMessages(c, o, []*message{m}, 0)
		}
	}
}

// promoteStrandedConsultants: when the last agent the customer can see leaves
// during a consultation, the customer would be left with no visible agent (seed 004
// keeps the chat open for the customer). So every remaining consultant becomes a
// conference member: a ParticipantJoined with visibility All enters the customer's
// transcript, and what it says from now on is visibility All. What it said as a
// consultant keeps visibility Agents, so the customer never sees it. It returns the
// ParticipantJoined messages, in join order.
func (s *Server) promoteStrandedConsultants(c *chat) []*message {
	if c.custState == customerIdle {
		return nil
	}
	var consultants []*leg
	for _, o := range c.chatting(nil) {
		if !o.part.hidden {
			return nil // the customer still sees an agent
		}
		consultants = append(consultants, o)
	}
	var joined []*message
	for _, o := range consultants {
		o.kind = legConference
		o.part.hidden = false
		joined = append(joined, s.addMessage(c, "ParticipantJoined", o.part, visibleAll))
	}
	return joined
}

// endCustomerSession ends the customer's side: state Idle, pending offers revoked.
func (s *Server) endCustomerSession(c *chat) {
	if c.custState == customerIdle {
		return
	}
	c.custState = customerIdle
	c.customer.present = false
	s.unwait(c)
	for _, o := range c.legs {
		if o.state == stateInvited {
			o.setState(stateCompleted)
			s.notifyChat(c, o, "StatusChange", 0)
		}
	}
}

// textOp builds SendMessage (visibility All, or Agents for a consultant) and
// SendToAgents (always Agents).
func textOp(typ, vis string) chatOp {
	return func(s *Server, c *chat, l *leg, req *opRequest, ref int) error {
		if err := requireState(req.OperationName, l, stateChatting); err != nil {
			return err
		}
		if req.Text == "" {
			return errf(codeMissingParam, "missing parameter text")
		}
		v := spokenVisibility(l, vis)
		if vis == visibleAll && s.fault("consult-messages-visible-to-customer") {
			v = visibleAll
		}
		m := s.addMessage(c, typ, l.part, v)
		m.text = req.Text
		s.broadcast(c, []*message{m}, l, ref)
		return nil
	}
}

func typingOp(typ, vis string) chatOp {
	return func(s *Server, c *chat, l *leg, req *opRequest, ref int) error {
		if err := requireState(req.OperationName, l, stateChatting); err != nil {
			return err
		}
		sent := typ
		if s.fault("typing-sent-as-text") {
			sent = "Text"
		}
		s.broadcast(c, []*message{s.addMessage(c, sent, l.part, spokenVisibility(l, vis))}, l, ref)
		return nil
	}
}

func (s *Server) opSendURL(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("SendUrl", l, stateChatting); err != nil {
		return err
	}
	if req.URL == "" {
		return errf(codeMissingParam, "missing parameter url")
	}
	m := s.addMessage(c, "PushUrl", l.part, visibility(l))
	if !s.fault("push-url-without-url") {
		m.url = req.URL
	}
	s.broadcast(c, []*message{m}, l, ref)
	return nil
}

// bringInOp builds Consult, Invite and Transfer: offer the chat to an agent or to a
// Ready agent of a queue. An unknown target fails now; an unavailable one answers
// success and then sends an Error notification with the referenceId.
func bringInOp(kind string) chatOp {
	return func(s *Server, c *chat, l *leg, req *opRequest, ref int) error {
		return s.bringIn(c, l, req, ref, kind)
	}
}

func (s *Server) bringIn(c *chat, l *leg, req *opRequest, ref int, kind string) error {
	if err := requireState(req.OperationName, l, stateChatting); err != nil {
		return err
	}
	target, err := s.resolveTarget(req)
	var unknown *apiError
	if errors.As(err, &unknown) && unknown.code == codeNotFound && s.tolerates("unknown-target-answers-success") {
		s.notifyError(c, l, ref, unknown.msg) // reported late, as seeds 000/001 report failures
		return nil
	}
	if err != nil {
		return err
	}
	if target.agent == nil {
		a := s.pickFromQueue(target.queue, c, false)
		if a == nil {
			s.notifyError(c, l, ref, fmt.Sprintf("no Ready agent in queue %s", target.queue))
			return nil
		}
		s.offer(c, a, kind, l, ref)
		return nil
	}
	a := target.agent
	if a == l.agent {
		return errf(codeInvalidState, "%s: the target is the requesting agent", req.OperationName)
	}
	if other := c.legOf(a); other != nil && other.state != stateCompleted {
		if other.state == stateChatting && other.kind == legConsult && kind != legConsult {
			s.promoteConsultant(c, other, l, ref, kind)
			return nil
		}
		return errf(codeInvalidState, "%s: %s is already in the chat (%s)", req.OperationName, a.user.Username, other.state)
	}
	if !a.ready {
		s.notifyError(c, l, ref, fmt.Sprintf("agent %s is not ready", a.user.Username))
		return nil
	}
	s.offer(c, a, kind, l, ref)
	return nil
}

// promoteConsultant turns a consult into a conference (Invite) or a transfer
// (Transfer): the consultant becomes visible to the customer at once.
func (s *Server) promoteConsultant(c *chat, consultant, origin *leg, ref int, kind string) {
	consultant.kind = legConference
	consultant.part.hidden = false
	joined := s.addMessage(c, "ParticipantJoined", consultant.part, visibleAll)
	s.announceJoin(c, nil, joined, origin, ref)
	if kind == legTransfer {
		s.leaveConference(c, origin, ref)
	}
}

func (s *Server) opSetDisposition(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("SetDisposition", l, stateChatting, stateLeftChat); err != nil {
		return err
	}
	if req.Disposition == "" {
		return errf(codeMissingParam, "missing parameter disposition")
	}
	key := req.DispositionKey
	if key == "" {
		key = "DispositionCode"
		if s.fault("disposition-wrong-key") {
			key = "Disposition"
		}
	}
	c.userData[key] = req.Disposition
	s.propertiesUpdated(c, l, ref)
	return nil
}

func (s *Server) opAttachUserData(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState(req.OperationName, l, stateChatting, stateLeftChat); err != nil {
		return err
	}
	if len(req.UserData) == 0 {
		return errf(codeMissingParam, "missing parameter userData (a non-empty object)")
	}
	for k, v := range req.UserData {
		c.userData[k] = v
	}
	if s.fault("properties-updated-missing") {
		return nil
	}
	s.propertiesUpdated(c, l, ref)
	return nil
}

func (s *Server) opDeleteUserData(c *chat, l *leg, req *opRequest, ref int) error {
	if err := requireState("DeleteUserData", l, stateChatting, stateLeftChat); err != nil {
		return err
	}
	if len(req.Keys) == 0 {
		return errf(codeMissingParam, "missing parameter keys (a non-empty list)")
	}
	for _, k := range req.Keys {
		if !s.fault("delete-userdata-ignored") {
			delete(c.userData, k)
		}
	}
	s.propertiesUpdated(c, l, ref)
	return nil
}

// propertiesUpdated tells the caller (with ref) and every other chatting agent.
func (s *Server) propertiesUpdated(c *chat, l *leg, ref int) {
	if l.state != stateChatting {
		s.notifyChat(c, l, "PropertiesUpdated", ref)
	}
	s.broadcastChat(c, "PropertiesUpdated", nil, l, ref)
}

// opSetInFocus (also InFocus) only acknowledges: no page documents an effect.
func (s *Server) opSetInFocus(c *chat, l *leg, req *opRequest, _ int) error {
	return requireState(req.OperationName, l, stateChatting, stateLeftChat)
}
