package refserver

import (
	"fmt"
	"sort"
	"strings"
)

// Fault is a named deviation the reference server can be told to make (or, for
// tolerations, a legal variation it can be told to use). Scenario names the scenario
// of the catalogue expected to catch the fault.
type Fault struct {
	Name        string
	Scenario    string
	Description string
}

// faultList is the registry of named faults: each a small deviation a real vendor
// could make, and the catalogue scenario meant to catch it (the fault sweep test
// checks that it does). Keep each switch a one-line s.fault("name") check at the
// point of deviation.
var faultList = []Fault{
	// Visibility: what the customer must never see.
	{"consult-joined-visible-to-customer", scConsult,
		"a consultant's ParticipantJoined has visibility All, so the customer sees the consultant"},
	{"consult-messages-visible-to-customer", scConsultantMessages,
		"a consultant's messages have visibility All instead of Agents"},
	{"agents-messages-leak-to-customer", scAgentsOnly,
		"the customer transcript includes messages with visibility Agents"},
	{"agents-typing-shown-to-customer", scTypingToAgents,
		"the customer transcript includes the agents-only typing notices"},
	{"invite-joined-agents-only", scInvite,
		"an invited agent's ParticipantJoined has visibility Agents, so the customer never sees the conference"},

	// referenceId: seeds 003, 004 and 000 show it on StatusChange and Error.
	{"reference-id-missing", scAccept,
		"StatusChange and Error notifications caused by a request do not carry its referenceId"},

	// Accept, history and message indexes.
	{"capability-missing", scAccept,
		"the Chatting capabilities leave out Leave"},
	{"accept-without-participants-updated", scAccept,
		"Accept sends StatusChange Chatting but no ParticipantsUpdated"},
	{"accept-history-missing-first-message", scAcceptFirstMessage,
		"the history sent on Accept leaves out the customer's first message"},
	{"message-index-repeated", scMessageIndexes,
		"every Text message reuses the index of the message before it"},
	{"message-index-from-zero", scAcceptHistory,
		"message indexes start at 0 instead of 1"},
	{"timestamp-not-rfc3339", scAcceptHistory,
		"message timestamps are written 2006/01/02 15:04:05, neither RFC 3339 nor epoch milliseconds"},
	{"typing-sent-as-text", scAgentTyping,
		"typing notices are sent as messages of type Text"},

	// Chat operations.
	{"leave-reports-completed", scLeaveAlone,
		"Leave by the only agent reports StatusChange Completed instead of LeftChat"},
	{"agent-complete-keeps-customer-session", scCompleteAlone,
		"Complete by the only agent leaves the customer's session open (no ParticipantLeft, state stays Chatting)"},
	{"participant-joined-dropped", scInvite,
		"the originator of a consult or invite never gets NewMessages[ParticipantJoined]"},
	{"reject-not-rerouted", scRejectReroutes,
		"a rejected chat is not offered to the next candidate"},
	{"transfer-keeps-transferrer", scTransfer,
		"after a transfer is accepted the transferring agent stays in the chat"},
	{"wrong-status-code-invalid-state", scInvalidState,
		"an operation invalid for the chat's state answers statusCode 4 (internal error) instead of 2"},
	{"error-notification-never-sent", scConsultUnavailable,
		"an asynchronous failure (target not ready, offer rejected) sends no Error notification"},
	{"push-url-without-url", scSendURL,
		"SendUrl's PushUrl message carries no url"},
	{"properties-updated-missing", scUserData,
		"AttachUserData changes the chat's userData but sends no PropertiesUpdated"},
	{"delete-userdata-ignored", scUserData,
		"DeleteUserData answers success but keeps the keys"},
	{"disposition-wrong-key", scDisposition,
		"SetDisposition stores the disposition under Disposition instead of DispositionCode"},

	// The interactions dialect.
	{"interactions-wrong-shape", scInteractions,
		"interactions answers swap the statusCode and status shapes"},
	{"end-chat-session-completes", scEndChatSession,
		"EndChatSession moves the agent to Completed instead of LeftChat, so Complete is refused"},
	{"leave-conference-wrong-agent", scLeaveConference,
		"LeaveConference takes another agent out of the conference instead of the caller"},

	// Authentication.
	{"csrf-not-checked", scCSRF,
		"POST requests without the CSRF token and session cookie are accepted"},
	{"wrong-password-accepted", scWrongPassword,
		"Basic credentials with a wrong password are accepted"},
	{"customer-secure-key-not-checked", scCustomerSecureKey,
		"customer requests with a wrong secureKey are accepted"},

	// The notification endpoint (Bayeux).
	{"bayeux-loses-message-between-connects", scBayeuxDelivery,
		"a connect reply carrying several notifications drops all but the first"},
	{"bayeux-duplicates-messages", scBayeuxDelivery,
		"every notification is delivered again by the session's next connect"},
	{"bayeux-402-without-handshake-advice", scBayeuxRehandshake,
		"402 Unknown client replies carry no advice, so clients never handshake again"},
	{"bayeux-connect-id-not-echoed", scBayeuxIDs,
		"/meta/connect replies do not echo the request's id"},
	{"bayeux-invalid-reconnect-advice", scBayeuxAdvice,
		"advice.reconnect is \"reconnect\", a value Bayeux does not define"},
	{"bayeux-handshake-without-long-polling", scBayeuxHandshake,
		"the handshake reply advertises only websocket, although the server speaks long-polling"},
	{"bayeux-connect-held-too-long", scBayeuxConnectTimeout,
		"connects are held ten times longer than the advised timeout (the advice says a tenth of the real hold)"},

	// GMS Chat API v2, the other customer API (gms.go).
	{"gms-agents-only-leaks", scGMSAgentsOnly,
		"a GMS refresh hands the customer messages with visibility Agents"},
	{"gms-next-position-stuck", scGMSNextPosition,
		"GMS answers give back the transcriptPosition asked for as nextPosition, so it never advances"},
	{"gms-chat-ended-never-set", scGMSChatEnded,
		"GMS answers say chatEnded false even once the chat has ended"},
	{"gms-wrong-secure-key-accepted", scGMSSecureKey,
		"GMS requests with a wrong secureKey are accepted"},
	{"gms-customer-type-customer", scGMSClientType,
		"the GMS transcript gives the customer's participant type as Customer instead of Client"},
}

// awaitingScenario names the faults whose scenario is not in the catalogue yet (the
// GMS customer kind of the harness comes after its server side): they name the
// scenario meant to catch them, the fault sweep cannot play it yet, and their
// evidence reads "pending". The registry test fails once such a scenario exists,
// so the mark goes as soon as the sweep can check the fault.
var awaitingScenario = map[string]bool{}

// AwaitingScenario reports whether the scenario meant to catch the fault is not in
// the catalogue yet (see awaitingScenario).
func (f Fault) AwaitingScenario() bool { return awaitingScenario[f.Name] }

// caughtBelowDocumented names the faults whose scenario can notice them only with
// a check of weaker evidence than the documentation, and that evidence's level:
// API-NOTES marks the PropertiesUpdated of the user-data operations "(inferred)",
// and no page maps "not valid in this state" to one statusCode. Such a fault is
// reported by its scenario as a deviation, never as a failure, so it is not caught
// in the sense of the conformance verdict; --strict catches it.
var caughtBelowDocumented = map[string]string{
	"delete-userdata-ignored":         "inferred",
	"properties-updated-missing":      "inferred",
	"wrong-status-code-invalid-state": "reference",
}

// CaughtAt is the evidence level of the check that catches the fault:
// "documented" (its scenario fails), or "inferred" or "reference" (its scenario
// reports a deviation of that level, and fails only when run strict), or "pending"
// while its scenario is not in the catalogue yet (AwaitingScenario).
func (f Fault) CaughtAt() string {
	if f.AwaitingScenario() {
		return "pending"
	}
	if level, ok := caughtBelowDocumented[f.Name]; ok {
		return level
	}
	return "documented"
}

// The scenarios of the catalogue that catch the faults, by name.
const (
	scAccept               = "accept-delivers-chatting-participants-and-history"
	scAcceptHistory        = "accept-history-so-far"
	scAcceptFirstMessage   = "accept-history-includes-the-first-message"
	scInvalidState         = "invalid-state-status-code"
	scMessageIndexes       = "message-indexes-increase"
	scAgentTyping          = "agent-typing-reaches-customer"
	scTypingToAgents       = "typing-to-agents-hidden"
	scConsultantMessages   = "consultant-messages-hidden"
	scConsultUnavailable   = "consult-unavailable-agent"
	scEndChatSession       = "interactions-end-chat-session-then-complete"
	scLeaveConference      = "interactions-leave-conference-last-agent-owns"
	scCustomerSecureKey    = "customer-wrong-secure-key"
	scRejectReroutes       = "reject-reroutes"
	scConsult              = "consult-hides-the-consultant-from-the-customer"
	scInvite               = "invite-makes-a-visible-conference"
	scLeaveAlone           = "leave-alone-ends-customer-session"
	scCompleteAlone        = "complete-alone-ends-customer-session"
	scAgentsOnly           = "agents-only-messages-hidden-from-customer"
	scTransfer             = "transfer-completes-the-transferring-agent"
	scSendURL              = "send-url-pushes-the-url"
	scUserData             = "user-data-attach-and-delete"
	scDisposition          = "set-disposition"
	scInteractions         = "interactions-dialect-end-to-end"
	scCSRF                 = "csrf-required"
	scWrongPassword        = "wrong-password-refused"
	scBayeuxDelivery       = "bayeux-delivers-between-connects-once"
	scBayeuxRehandshake    = "bayeux-unknown-client-gets-402-and-handshake-advice"
	scBayeuxIDs            = "bayeux-echoes-meta-ids"
	scBayeuxAdvice         = "bayeux-advice-values-legal"
	scBayeuxHandshake      = "bayeux-handshake-fields"
	scBayeuxConnectTimeout = "bayeux-connect-held-at-most-the-advised-timeout"

	// GMS Chat API v2 (catalogue/gms): they run on a target whose customers use GMS.
	scGMSAgentsOnly   = "gms-agents-only-messages-hidden-from-refresh"
	scGMSNextPosition = "gms-refresh-next-position-advances"
	scGMSChatEnded    = "gms-chat-ended-after-agent-completes"
	scGMSSecureKey    = "gms-wrong-secure-key-refused"
	scGMSClientType   = "gms-customer-is-client"
)

// Faults lists the named faults, sorted by name.
func Faults() []Fault { return sortedCopy(faultList) }

// Tolerations lists the named legal variations, sorted by name.
func Tolerations() []Fault { return sortedCopy(tolerationList) }

func sortedCopy(list []Fault) []Fault {
	out := append([]Fault(nil), list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// nameSet checks names against a registry; what names the config field in errors.
func nameSet(what string, names []string, registry []Fault) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range registry {
		known[f.Name] = true
	}
	set := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			valid := make([]string, 0, len(registry))
			for _, f := range sortedCopy(registry) {
				valid = append(valid, f.Name)
			}
			return nil, fmt.Errorf("%s: unknown name %q (known: %s)", what, n, strings.Join(valid, ", "))
		}
		set[n] = true
	}
	return set, nil
}

// fault reports whether the named fault is switched on.
func (s *Server) fault(name string) bool { return s.faults[name] }

// tolerates reports whether the named variation is switched on.
func (s *Server) tolerates(name string) bool { return s.tolerations[name] }

// withoutFirstCustomerText drops the customer's first Text message from a history
// (the accept-history-missing-first-message fault).
func withoutFirstCustomerText(msgs []*message) []*message {
	for i, m := range msgs {
		if m.typ == "Text" && m.from.kind == "Customer" {
			return append(append([]*message(nil), msgs[:i]...), msgs[i+1:]...)
		}
	}
	return msgs
}
