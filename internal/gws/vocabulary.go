package gws

import "slices"

// The words of the wire, as untyped constants: decoded notifications hold
// plain strings, and a typed constant compared with an `any` never equals one.

// Notification channels: an agent's notification stream is the data of its
// Bayeux messages on these.
const (
	ChannelChats    = "/v2/me/chats"    // chat events: ChatStateChangeMessage, MessageLogUpdated
	ChannelChannels = "/v2/me/channels" // the agent's state: ChannelStateChangeMessageV2
)

// AgentChannels are the channels the harness subscribes every agent to.
func AgentChannels() []string { return []string{ChannelChats, ChannelChannels} }

// messageType of a notification.
const (
	ChatStateChangeMessage      = "ChatStateChangeMessage"
	MessageLogUpdated           = "MessageLogUpdated"
	ChannelStateChangeMessageV2 = "ChannelStateChangeMessageV2"
)

// notificationType of a chat notification.
const (
	StatusChange        = "StatusChange"
	ParticipantsUpdated = "ParticipantsUpdated"
	PropertiesUpdated   = "PropertiesUpdated"
	ErrorNotification   = "Error"
	NewMessages         = "NewMessages"
)

// States of a chat as an agent sees it, of an agent's chat channel, and of a
// chat as its customer sees it.
const (
	ChatInvited   = "Invited"
	ChatChatting  = "Chatting"
	ChatLeftChat  = "LeftChat"
	ChatCompleted = "Completed"
	ChatRevoked   = "Revoked"

	AgentReady    = "Ready"
	AgentNotReady = "NotReady"

	CustomerWaiting  = "WaitingForAgent"
	CustomerChatting = "Chatting"
	CustomerIdle     = "Idle"
)

// ChatChannel is the media channel the harness sets agents Ready on.
const ChatChannel = "chat"

// Enum is one documented enumeration: the values a conforming target may send
// in one place. A literal outside it can never match. vocabulary_test.go holds
// each against the JSON Schema that states it.
type Enum struct{ values []string }

func enum(values ...string) Enum { return Enum{values} }

// Values returns the enumeration in documentation order.
func (e Enum) Values() []string { return slices.Clone(e.values) }

// Has reports whether v is one of the values.
func (e Enum) Has(v string) bool { return slices.Contains(e.values, v) }

// The enumerations of the wire.
var (
	NotificationTypes = enum(StatusChange, ParticipantsUpdated, PropertiesUpdated, ErrorNotification, NewMessages)
	MessageTypes      = enum(ChatStateChangeMessage, MessageLogUpdated, ChannelStateChangeMessageV2)
	ChatStates        = enum(ChatInvited, ChatChatting, ChatLeftChat, ChatCompleted, ChatRevoked)
	// TranscriptTypes are the types of transcript messages (NewMessages, the
	// agent's and the customer's transcripts).
	TranscriptTypes = enum("Text", "ParticipantJoined", "ParticipantLeft", "ParticipantRejoined",
		"TypingStarted", "TypingStopped", "PushUrl", "Notice", "TranscriptSaveDone", "CustomNotice",
		"NicknameUpdated") // a GMS customer's updateNickname (inferred: API-NOTES, GMS section)
	Visibilities       = enum("All", "Agents", "Supervisors")
	ParticipantTypes   = enum("Agent", "Customer", "Supervisor", "External")
	AgentStates        = enum(AgentReady, AgentNotReady)
	CustomerChatStates = enum(CustomerWaiting, CustomerChatting, CustomerIdle)
)
