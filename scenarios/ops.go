package scenarios

import (
	"sort"
	"strings"
)

// Dialects: the families of operations an actor can call.
const (
	DialectChats        = "chats"        // POST /api/v2/me/chats/{chat}
	DialectInteractions = "interactions" // POST /api/v2/me/interactions/{chat} (seed 002)
	DialectAgent        = "agent"        // the agent's own resources: /api/v2/me...
	DialectCustomer     = "customer"     // the customer chat API: /api/v2/chats...
)

// Answer shapes (wire decisions in docs/ARCHITECTURE.md).
const (
	ShapeStatusCode = "statusCode" // {"statusCode":0} / {"statusCode":N,"statusMessage":...}
	ShapeStatus     = "status"     // {"status":"ok"} / {"status":"error","errorDescription":...}
)

// Op is one operation of the registry.
type Op struct {
	Name    string
	Dialect string
	Method  string // GET or POST
	// Path is the template relative to the target's base URL; {chat} is the
	// step's chat expression.
	Path           string
	RequestSchema  string // schema name for the body; "" for GET
	ResponseSchema string
	// Required lists body parameters that must be present; "a|b" means at
	// least one of a and b.
	Required []string
	Shape    string // ShapeStatusCode or ShapeStatus
	// Feature is the target feature the op needs; "" = every target (core).
	Feature string
	// Notifies: the op causes notifications (agent) or transcript messages
	// (customer) for the calling actor, so a `then` on it can match.
	Notifies bool
}

// Kind is the actor kind that may call the op.
func (o Op) Kind() string {
	if o.Dialect == DialectCustomer {
		return KindCustomer
	}
	return KindAgent
}

const (
	chatsPath        = "/api/v2/me/chats/{chat}"
	interactionsPath = "/api/v2/me/interactions/{chat}"
	customerChatPath = "/api/v2/chats/{chat}"
)

// chatsOp and friends keep the table below readable.
func chatsOp(name, feature string, required ...string) Op {
	return Op{Name: name, Dialect: DialectChats, Method: "POST", Path: chatsPath,
		RequestSchema: "request/chats", ResponseSchema: "response/status-code",
		Required: required, Shape: ShapeStatusCode, Feature: feature, Notifies: true}
}

func interactionsOp(name, shape string, required ...string) Op {
	resp := "response/status-code"
	if shape == ShapeStatus {
		resp = "response/status"
	}
	return Op{Name: name, Dialect: DialectInteractions, Method: "POST", Path: interactionsPath,
		RequestSchema: "request/interactions", ResponseSchema: resp,
		Required: required, Shape: shape, Feature: "interactions", Notifies: true}
}

func customerOp(name string, required ...string) Op {
	return Op{Name: name, Dialect: DialectCustomer, Method: "POST", Path: customerChatPath,
		RequestSchema: "request/customer", ResponseSchema: "response/status-code",
		Required: required, Shape: ShapeStatusCode, Feature: "customer", Notifies: true}
}

var registry = []Op{
	chatsOp("Accept", "chats", "nickname"),
	chatsOp("Reject", "chats"),
	chatsOp("Leave", "chats"),
	chatsOp("Complete", "chats"),
	chatsOp("SendMessage", "chats", "text"),
	chatsOp("SendStartTypingNotification", "chats"),
	chatsOp("SendStopTypingNotification", "chats"),
	chatsOp("SendUrl", "chats.url", "url"),
	chatsOp("Transfer", "chats.transfer", "targetUri|queueName"),
	chatsOp("Consult", "chats.consult", "targetUri"),
	chatsOp("Invite", "chats.invite", "targetUri"),
	chatsOp("SendToAgents", "chats.agents-only", "text"),
	chatsOp("SendStartTypingToAgentsNotification", "chats.agents-only"),
	chatsOp("SendStopTypingToAgentsNotification", "chats.agents-only"),
	chatsOp("SetDisposition", "chats.disposition", "disposition"),
	chatsOp("AttachUserData", "chats.userdata", "userData"),
	chatsOp("UpdateUserData", "chats.userdata", "userData"),
	chatsOp("DeleteUserData", "chats.userdata", "keys"),
	chatsOp("SetInFocus", "chats"),

	interactionsOp("Accept", ShapeStatusCode, "nickname"),
	interactionsOp("Reject", ShapeStatusCode),
	interactionsOp("InviteUser", ShapeStatus, "agentId"),
	interactionsOp("EndChatSession", ShapeStatus),
	interactionsOp("SendMessage", ShapeStatusCode, "text"),
	interactionsOp("SendStartTypingNotification", ShapeStatusCode),
	interactionsOp("SendStopTypingNotification", ShapeStatusCode),
	interactionsOp("SingleStepTransfer", ShapeStatusCode, "targetUri|agentId|queueName"),
	interactionsOp("Complete", ShapeStatusCode),
	interactionsOp("RequestChatHistory", ShapeStatusCode),
	interactionsOp("LeaveConference", ShapeStatus, "agentId"),

	{Name: "GetMe", Dialect: DialectAgent, Method: "GET", Path: "/api/v2/me",
		ResponseSchema: "response/me", Shape: ShapeStatusCode},
	{Name: "StartContactCenterSession", Dialect: DialectAgent, Method: "POST", Path: "/api/v2/me",
		RequestSchema: "request/me", ResponseSchema: "response/status-code",
		Required: []string{"channels"}, Shape: ShapeStatusCode},
	{Name: "Ready", Dialect: DialectAgent, Method: "POST", Path: "/api/v2/me/channels/chat",
		RequestSchema: "request/channel", ResponseSchema: "response/status-code",
		Shape: ShapeStatusCode, Notifies: true},
	{Name: "NotReady", Dialect: DialectAgent, Method: "POST", Path: "/api/v2/me/channels/chat",
		RequestSchema: "request/channel", ResponseSchema: "response/status-code",
		Shape: ShapeStatusCode, Notifies: true},
	{Name: "ListChats", Dialect: DialectAgent, Method: "GET", Path: "/api/v2/me/chats",
		ResponseSchema: "response/chats", Shape: ShapeStatusCode, Feature: "chats"},
	{Name: "GetTranscript", Dialect: DialectAgent, Method: "GET", Path: chatsPath + "/messages",
		ResponseSchema: "response/messages", Shape: ShapeStatusCode, Feature: "chats"},

	{Name: "RequestChat", Dialect: DialectCustomer, Method: "POST", Path: "/api/v2/chats",
		RequestSchema: "request/customer", ResponseSchema: "response/customer-request-chat",
		Required: []string{"nickname"}, Shape: ShapeStatusCode, Feature: "customer", Notifies: true},
	customerOp("SendMessage", "text"),
	customerOp("SendStartTypingNotification"),
	customerOp("SendStopTypingNotification"),
	customerOp("Complete"),
	{Name: "GetChat", Dialect: DialectCustomer, Method: "GET", Path: customerChatPath,
		ResponseSchema: "response/customer-chat", Shape: ShapeStatusCode, Feature: "customer"},
	{Name: "GetMessages", Dialect: DialectCustomer, Method: "GET", Path: customerChatPath + "/messages",
		ResponseSchema: "response/customer-messages", Shape: ShapeStatusCode, Feature: "customer"},
}

// Ops returns every registered operation, sorted by dialect then name.
func Ops() []Op {
	out := make([]Op, len(registry))
	copy(out, registry)
	for i := range out {
		out[i].Required = append([]string(nil), out[i].Required...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dialect != out[j].Dialect {
			return out[i].Dialect < out[j].Dialect
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// LookupOp finds the operation name in dialect.
func LookupOp(dialect, name string) (Op, bool) {
	for _, op := range registry {
		if op.Dialect == dialect && op.Name == name {
			op.Required = append([]string(nil), op.Required...)
			return op, true
		}
	}
	return Op{}, false
}

// ResolveOp finds the operation an actor of kind means by name. A customer
// uses the customer dialect. An agent uses dialect (the step's, else the
// actor's; "" = chats) and then the agent dialect, so GetMe works from an
// interactions actor too.
func ResolveOp(kind, dialect, name string) (Op, bool) {
	if kind == KindCustomer {
		return LookupOp(DialectCustomer, name)
	}
	if dialect == "" {
		dialect = DialectChats
	}
	if op, ok := LookupOp(dialect, name); ok {
		return op, true
	}
	if dialect != DialectAgent {
		return LookupOp(DialectAgent, name)
	}
	return Op{}, false
}

// opNames lists the names an actor of kind can call in dialect, for "did you
// mean" suggestions.
func opNames(kind, dialect string) []string {
	var names []string
	for _, op := range registry {
		if kind == KindCustomer {
			if op.Dialect == DialectCustomer {
				names = append(names, op.Name)
			}
			continue
		}
		if op.Dialect == dialect || op.Dialect == DialectAgent {
			names = append(names, op.Name)
		}
	}
	return names
}

// Features lists every feature name a scenario may require, with what it
// means; the keys are the valid `requires` entries.
var Features = map[string]string{
	"chats":                      "the chats dialect: POST /api/v2/me/chats/{id} Accept, Reject, Leave, Complete, messages, typing, SetInFocus",
	"chats.consult":              "Consult (seed 001)",
	"chats.invite":               "Invite, a conference visible to the customer (seed 000)",
	"chats.transfer":             "Transfer",
	"chats.url":                  "SendUrl (PushUrl messages)",
	"chats.agents-only":          "SendToAgents and the typing-to-agents notices (visibility Agents)",
	"chats.userdata":             "AttachUserData, UpdateUserData, DeleteUserData",
	"chats.disposition":          "SetDisposition",
	"queues":                     "routing to and consulting/transferring to queues",
	"interactions":               "the interactions dialect: POST /api/v2/me/interactions/{id} (seed 002)",
	"customer":                   "the customer chat API: /api/v2/chats",
	"customer.secure-key":        "the customer API issues a secureKey on RequestChat and refuses customer requests with a wrong one (no GWS page documents it)",
	"notifications":              "CometD notifications on /api/v2/notifications",
	"errors.async":               "a Consult or Invite of a NotReady agent, and an Invite or Transfer the target rejects, answer statusCode 0 and fail by a later Error notification carrying the referenceId (seeds 000, 001 show the Error, not its triggers)",
	"errors.sync-unknown-target": "a Consult, Invite, InviteUser or transfer to a user that does not exist is refused in its answer (statusCode above 0), not by a later Error notification",
	"routing.reject-reroutes":    "a rejected chat is offered to the next routing candidate, never again to the agent who rejected it",
}

// FeatureNames returns the valid feature names, sorted.
func FeatureNames() []string {
	names := make([]string, 0, len(Features))
	for n := range Features {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// requiredMissing returns the Required entries of op absent from body keys.
func (o Op) requiredMissing(body map[string]any) []string {
	var missing []string
	for _, req := range o.Required {
		found := false
		for _, alt := range strings.Split(req, "|") {
			if _, ok := body[alt]; ok {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, req)
		}
	}
	return missing
}
