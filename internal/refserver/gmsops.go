package refserver

import (
	"net/url"
	"slices"
	"strconv"
)

// A gmsOp is one GMS Chat API v2 operation by the customer of c, whose userId and
// secureKey gmsSession checked. It runs under s.mu and returns an error to refuse.
type gmsOp func(s *Server, c *chat, form url.Values) error

// gmsOperations are the operations of POST /genesys/2/chat/{serviceName}/{chatId}/{op}
// (GMS/API/ChatAPIv2). send, startTyping, stopTyping and disconnect are the GWS
// customer API's SendMessage, typing notifications and Complete (customerAct); the
// others have no GWS customer equivalent and are built from the same pieces.
var gmsOperations = map[string]gmsOp{
	"send":           (*Server).gmsSend,
	"refresh":        func(*Server, *chat, url.Values) error { return nil }, // the answer is the transcript
	"startTyping":    gmsCustomerOp("SendStartTypingNotification"),
	"stopTyping":     gmsCustomerOp("SendStopTypingNotification"),
	"disconnect":     (*Server).gmsDisconnect,
	"pushUrl":        (*Server).gmsPushURL,
	"updateNickname": (*Server).gmsUpdateNickname,
	"updateData":     (*Server).gmsUpdateData,
	"customNotice":   (*Server).gmsCustomNotice,
}

const gmsOperationNames = "send, refresh, startTyping, stopTyping, disconnect, pushUrl, updateNickname, updateData or customNotice"

func gmsCustomerOp(operationName string) gmsOp {
	return func(s *Server, c *chat, _ url.Values) error {
		_, err := s.customerAct(c, &opRequest{OperationName: operationName})
		return err
	}
}

// gmsSend: message (Required) and messageType ("any arbitrary type that the user
// wants to set", Optional), which the customer's transcript shows back as
// messageType (inferred: no page prints a transcript entry carrying it).
func (s *Server) gmsSend(c *chat, form url.Values) error {
	if err := gmsOpen(c, "send"); err != nil {
		return err
	}
	if form.Get("message") == "" {
		return errf(codeMissingParam, "missing parameter message")
	}
	m, err := s.customerAct(c, &opRequest{OperationName: "SendMessage", Text: form.Get("message")})
	if err != nil {
		return err
	}
	if mt := form.Get("messageType"); mt != "" {
		c.gms.messageTypes[m] = mt
	}
	return nil
}

// gmsDisconnect ends the customer's session like the GWS customer API's Complete.
// Reference choice: disconnecting a chat that has already ended succeeds (with
// chatEnded true): what the client asked for is the case.
func (s *Server) gmsDisconnect(c *chat, _ url.Values) error {
	if c.custState == customerIdle {
		return nil
	}
	_, err := s.customerAct(c, &opRequest{OperationName: "Complete"})
	return err
}

// gmsOpen refuses an operation once the customer's session has ended, as
// customerAct does for the operations it performs.
func gmsOpen(c *chat, op string) error {
	if c.custState == customerIdle {
		return errf(codeInvalidState, "%s is not valid: the chat has ended", op)
	}
	return nil
}

// gmsSay adds a customer's transcript entry (visibility All) and tells the agents.
func (s *Server) gmsSay(c *chat, typ, text, link string) {
	m := s.addMessage(c, typ, c.customer, visibleAll)
	m.text, m.url = text, link
	s.broadcast(c, []*message{m}, nil, 0)
}

// gmsPushURL: the docs name the operation, not its parameter. Inferred: pushUrl
// (the operation's name); url, the GWS name, is read too. The agents get a PushUrl
// message with url, as from an agent's SendUrl.
func (s *Server) gmsPushURL(c *chat, form url.Values) error {
	if err := gmsOpen(c, "pushUrl"); err != nil {
		return err
	}
	u := form.Get("pushUrl")
	if u == "" {
		u = form.Get("url")
	}
	if u == "" {
		return errf(codeMissingParam, "missing parameter pushUrl")
	}
	s.gmsSay(c, "PushUrl", "", u)
	return nil
}

// gmsUpdateNickname: nickname, the customer's new nickname; a NicknameUpdated entry
// (the message type GWS agents use for the same notice) carries it as text.
func (s *Server) gmsUpdateNickname(c *chat, form url.Values) error {
	if err := gmsOpen(c, "updateNickname"); err != nil {
		return err
	}
	nickname := form.Get("nickname")
	if nickname == "" {
		return errf(codeMissingParam, "missing parameter nickname")
	}
	c.customer.nickname = nickname
	s.gmsSay(c, "NicknameUpdated", nickname, "")
	return nil
}

// gmsUpdateData: userData[key] fields merge into the chat's attached data, which
// agents see in PropertiesUpdated. Reference choice: no transcript entry, and a
// changed RouteTo does not route the chat again.
func (s *Server) gmsUpdateData(c *chat, form url.Values) error {
	if err := gmsOpen(c, "updateData"); err != nil {
		return err
	}
	data := gmsUserData(form)
	if len(data) == 0 {
		return errf(codeMissingParam, "missing parameter userData[key]")
	}
	for k, v := range data {
		c.userData[k] = v
	}
	s.broadcastChat(c, "PropertiesUpdated", nil, nil, 0)
	return nil
}

// gmsCustomNotice: a CustomNotice entry (the type API-NOTES lists) from the customer
// with the text of message (inferred: the parameter send uses), visible to all.
func (s *Server) gmsCustomNotice(c *chat, form url.Values) error {
	if err := gmsOpen(c, "customNotice"); err != nil {
		return err
	}
	s.gmsSay(c, "CustomNotice", form.Get("message"), "")
	return nil
}

// --- the customer's view: GMS answers and message objects ---

// gmsAnswer is the answer of every successful GMS request (APIResponses: identical
// for any Chat V2 request), in the key order of the request chat sample, with the
// customer's transcript from position from on (0: no transcript asked for, so the
// messages array is empty and nextPosition is left out: reference choice, a
// nextPosition past entries the client never read would make it skip them).
func (s *Server) gmsAnswer(c *chat, from int) object {
	msgs := []object{}
	if from > 0 {
		for _, m := range s.gmsTranscript(c, from) {
			msgs = append(msgs, s.gmsMessage(c, m))
		}
	}
	o := object{
		{"statusCode", 0},
		{"alias", s.gmsAlias(c)},
		{"userId", c.customer.id},
		{"secureKey", c.secureKey},
		{"messages", msgs},
		{"chatId", c.id},
	}
	if from > 0 {
		// The position after the last entry, seen or not (agents-only entries keep
		// their index): the next answer starts with what comes after.
		next := c.lastIndex + 1
		if s.fault("gms-next-position-stuck") {
			next = from
		}
		o = append(o, field{"nextPosition", next})
	}
	return append(o, field{"chatEnded", s.gmsChatEnded(c)})
}

// gmsAlias: one alias for the session, or (gms-alias-changes, which APIResponses
// allows: the alias "may change several times within the same session") a new one
// in every answer.
func (s *Server) gmsAlias(c *chat) string {
	if !s.tolerates("gms-alias-changes") {
		return strconv.Itoa(gmsAliasBase)
	}
	c.gms.answers++
	return strconv.Itoa(gmsAliasBase + c.gms.answers)
}

// gmsChatEnded: the customer's session is over (it disconnected, or the last agent
// left or completed the chat).
func (s *Server) gmsChatEnded(c *chat) bool {
	return c.custState == customerIdle && !s.fault("gms-chat-ended-never-set")
}

// gmsTranscript is what the customer may read from position from on: visibility All
// only, as the GWS customer API's transcript.
func (s *Server) gmsTranscript(c *chat, from int) []*message {
	if !s.fault("gms-agents-only-leaks") {
		return s.customerMessages(c, from)
	}
	var out []*message
	for _, m := range c.messages {
		if m.index >= from {
			out = append(out, m)
		}
	}
	return out
}

// gmsMessage is one transcript entry as GMS writes it (the request chat sample):
// from {nickname, participantId, type}, index, text, type, utcTime (epoch ms). A
// participant's id is its number in the chat, in join order (the sample's customer
// is 1); the customer's type is Client; Text is Message. A PushUrl carries its URL as
// text (inferred: GMS messages carry their content in text).
func (s *Server) gmsMessage(c *chat, m *message) object {
	kind := m.from.kind
	if kind == "Customer" && !s.fault("gms-customer-type-customer") {
		kind = "Client"
	}
	o := object{
		{"from", object{
			{"nickname", m.from.nickname},
			{"participantId", slices.Index(c.parts, m.from) + 1},
			{"type", kind},
		}},
		{"index", m.index},
	}
	text := m.text
	if text == "" {
		text = m.url
	}
	if text != "" {
		o = append(o, field{"text", text})
	}
	typ := m.typ
	if typ == "Text" {
		typ = "Message"
	}
	o = append(o, field{"type", typ}, field{"utcTime", m.at.UnixMilli()})
	if mt := c.gms.messageTypes[m]; mt != "" {
		o = append(o, field{"messageType", mt})
	}
	return o
}
