package refserver

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Agent chat states (per agent leg) and customer session states.
const (
	stateInvited   = "Invited"
	stateChatting  = "Chatting"
	stateLeftChat  = "LeftChat"
	stateCompleted = "Completed"

	customerWaiting  = "WaitingForAgent"
	customerChatting = "Chatting"
	customerIdle     = "Idle"
)

// How an agent came to a chat; it decides visibility and what Accept does.
const (
	legRouted     = "routed"     // a new chat offered by routing
	legConsult    = "consult"    // a consultant: hidden from the customer
	legConference = "conference" // invited, visible to all
	legTransfer   = "transfer"   // takes the chat over from the originator
)

// Message visibilities.
const (
	visibleAll    = "All"
	visibleAgents = "Agents"
)

// chat is one customer chat session and everything that happened in it.
type chat struct {
	id        string
	secureKey string
	base      string // {base} of the latest request that touched the chat, for URIs
	subject   string
	customer  *participant
	custState string
	userData  map[string]any
	messages  []*message
	parts     []*participant // everyone who ever joined, in join order
	legs      []*leg         // every agent offer, in offer order; Completed legs stay
	routes    []routeTarget  // RequestChat's candidates, tried in order
	rejected  map[*agent]bool
	lastIndex int
	gms       *gmsChat // set when the customer came through GMS Chat API v2 (gms.go)
}

// participant is someone who joined the chat.
type participant struct {
	id       string
	nickname string
	kind     string // Agent or Customer
	present  bool
	hidden   bool // a consultant: the customer never sees them
}

// leg is one agent's relation to a chat: its own state machine.
type leg struct {
	agent     *agent
	state     string
	kind      string
	part      *participant // set once the agent joined
	origin    *leg         // who consulted/invited/transferred, if anyone
	originRef int          // the originator's referenceId, for notifications on Accept
}

// message is one transcript entry.
type message struct {
	index      int
	typ        string
	from       *participant
	text       string
	url        string
	visibility string
	at         time.Time
	// badTimestamp: written in a layout no client expects (timestamp-not-rfc3339 fault).
	badTimestamp bool
}

// routeTarget is one RequestChat routing candidate: an agent or a queue.
type routeTarget struct {
	agent *agent
	queue string
}

func (c *chat) uri() string  { return c.base + c.path() }
func (c *chat) path() string { return "/api/v2/chats/" + c.id }

// legOf returns a's latest leg in c, or nil.
func (c *chat) legOf(a *agent) *leg {
	for i := len(c.legs) - 1; i >= 0; i-- {
		if c.legs[i].agent == a {
			return c.legs[i]
		}
	}
	return nil
}

// active reports whether a has a leg in c that is not Completed.
func (c *chat) active(a *agent) bool {
	l := c.legOf(a)
	return l != nil && l.state != stateCompleted
}

// chatting returns the legs in state Chatting, except skip.
func (c *chat) chatting(skip *leg) []*leg {
	var out []*leg
	for _, l := range c.legs {
		if l != skip && l.state == stateChatting {
			out = append(out, l)
		}
	}
	return out
}

// newID returns a fresh 16-hex id, like the seeds' chat and participant ids.
func (s *Server) newID() string {
	s.seq++
	return fmt.Sprintf("%016X", s.idBase+s.seq)
}

func (s *Server) nextReference() int {
	s.lastRef++
	return s.lastRef
}

// addMessage appends a transcript entry with the next index. Indexes are 1-based,
// per chat, and only increase.
func (s *Server) addMessage(c *chat, typ string, from *participant, visibility string) *message {
	index := c.lastIndex + 1
	if typ == "Text" && c.lastIndex > 0 && s.fault("message-index-repeated") {
		index = c.lastIndex
	}
	c.lastIndex = max(c.lastIndex, index)
	if s.fault("message-index-from-zero") {
		index = c.lastIndex - 1
	}
	m := &message{index: index, typ: typ, from: from, visibility: visibility, at: time.Now(),
		badTimestamp: s.fault("timestamp-not-rfc3339")}
	c.messages = append(c.messages, m)
	return m
}

// setState moves a leg and keeps the agent's load right.
func (l *leg) setState(state string) {
	if l.state != stateCompleted && state == stateCompleted {
		l.agent.load--
	}
	l.state = state
}

// --- views ---

const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

func (m *message) object() object {
	o := object{
		{"index", m.index},
		{"type", m.typ},
		{"from", object{{"nickname", m.from.nickname}, {"type", m.from.kind}, {"participantId", m.from.id}}},
	}
	if m.text != "" {
		o = append(o, field{"text", m.text})
	}
	if m.url != "" {
		o = append(o, field{"url", m.url})
	}
	layout := timestampLayout
	if m.badTimestamp {
		layout = "2006/01/02 15:04:05"
	}
	return append(o,
		field{"visibility", m.visibility},
		field{"timestamp", m.at.Format(layout)},
		field{"timestampSeconds", m.at.UnixMilli()},
	)
}

// agentMessages are the messages agents may see, from index on.
func (s *Server) agentMessages(c *chat, from int) []*message {
	var out []*message
	for _, m := range c.messages {
		if m.index >= from && (m.visibility == visibleAll || m.visibility == visibleAgents) {
			out = append(out, m)
		}
	}
	return out
}

// customerMessages are the messages the customer may see, from index on.
func (s *Server) customerMessages(c *chat, from int) []*message {
	var out []*message
	for _, m := range c.messages {
		if m.index < from {
			continue
		}
		leakedTyping := strings.HasPrefix(m.typ, "Typing") && s.fault("agents-typing-shown-to-customer")
		if m.visibility == visibleAll || leakedTyping || s.fault("agents-messages-leak-to-customer") {
			out = append(out, m)
		}
	}
	return out
}

func messageObjects(msgs []*message) []object {
	out := make([]object, len(msgs))
	for i, m := range msgs {
		out[i] = m.object()
	}
	return out
}

func (p *participant) object() object {
	return object{{"nickname", p.nickname}, {"type", p.kind}, {"participantId", p.id}}
}

// participantObjects lists those present; forCustomer leaves consultants out.
func participantObjects(c *chat, forCustomer bool) []object {
	out := []object{}
	for _, p := range c.parts {
		if p.present && !(forCustomer && p.hidden) {
			out = append(out, p.object())
		}
	}
	return out
}

var (
	capsInvited = []string{"Accept", "Reject"}
	// A lone agent: seed 003's list plus what seeds 000:22 and 001:23 (also a lone
	// agent's chat) add, so both spellings InFocus and SetInFocus are offered.
	capsChattingAlone = []string{"Transfer", "Complete", "Leave", "InFocus",
		"SendMessage", "SendStartTypingNotification", "SendStopTypingNotification",
		"Invite", "Consult", "SetInFocus", "SetDisposition", "AttachUserData", "DeleteUserData", "UpdateUserData"}
	// Seeds 000:22 and 001:23 exactly: a lone agent under set-in-focus.
	capsChattingAloneSeed000 = []string{"Transfer", "Leave", "Invite", "Consult", "SetInFocus",
		"SetDisposition", "AttachUserData", "DeleteUserData", "UpdateUserData", "Complete",
		"SendMessage", "SendStartTypingNotification", "SendStopTypingNotification"}
	// Seeds 000:18 and 001:19: once another agent is in the chat.
	capsChattingWithAgents = []string{"Transfer", "Leave", "Invite", "Consult", "SetInFocus",
		"SetDisposition", "AttachUserData", "DeleteUserData", "UpdateUserData", "SendToAgents",
		"SendStartTypingToAgentsNotification", "SendStopTypingToAgentsNotification", "Complete",
		"SendMessage", "SendStartTypingNotification", "SendStopTypingNotification"}
)

// capsLeftChat is seed 004's list, with the focus capability spelt as s.inFocus says.
func (s *Server) capsLeftChat() []string {
	return []string{"Transfer", "Complete", "Leave", s.inFocus()}
}

func (s *Server) capabilities(c *chat, l *leg) []string {
	var caps []string
	switch l.state {
	case stateInvited:
		caps = capsInvited
	case stateChatting:
		caps = capsChattingAlone
		if s.tolerates("set-in-focus") {
			caps = capsChattingAloneSeed000
		}
		if len(c.chatting(l)) > 0 {
			caps = capsChattingWithAgents
		}
		if s.fault("capability-missing") {
			caps = without(caps, "Leave")
		}
	case stateLeftChat:
		caps = s.capsLeftChat()
	default:
		caps = []string{}
	}
	return caps
}

func without(list []string, drop string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

// chatObject is the chat as agent l sees it.
func (s *Server) chatObject(c *chat, l *leg) object {
	o := object{
		{"state", l.state},
		{"capabilities", s.capabilities(c, l)},
		{"id", c.id},
		{"uri", c.uri()},
		{"participants", participantObjects(c, false)},
	}
	if len(c.userData) > 0 {
		o = append(o, field{"userData", c.userData})
	}
	return o
}

// activeChats are a's chats not yet Completed for it, oldest first.
func (s *Server) activeChats(a *agent, base string) []object {
	var list []*chat
	for _, c := range s.chats {
		if c.active(a) {
			list = append(list, c)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	out := []object{}
	for _, c := range list {
		c.base = base
		out = append(out, s.chatObject(c, c.legOf(a)))
	}
	return out
}
