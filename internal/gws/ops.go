// Package gws is the harness's one model of the GWS Chat API: the operations of
// both agent dialects and of the customer API (method, path, schemas, required
// and harness-filled parameters, feature, answer shape), the reverse lookup from
// a request to its operation, the wire vocabulary (channels, notification and
// message types, states, visibilities) and small predicates over decoded
// notifications.
//
// The linter, the runner, the coverage table and the recorder all read the API
// from here, so a change of the API is a change of this package. The reference
// server (internal/refserver) deliberately does not: it is the second,
// independent reading of the same documentation, and a mistake shared by both
// would pass unnoticed (layering_test.go keeps it that way).
package gws

import (
	"net/url"
	"slices"
	"strings"
)

// Dialect is a family of operations an actor can call.
type Dialect string

const (
	DialectChats        Dialect = "chats"        // POST /api/v2/me/chats/{chat}
	DialectInteractions Dialect = "interactions" // POST /api/v2/me/interactions/{chat} (seed 002)
	DialectAgent        Dialect = "agent"        // the agent's own resources: /api/v2/me...
	DialectCustomer     Dialect = "customer"     // the customer chat API: /api/v2/chats...
)

// Shape is the form of an operation's answer (wire decisions in
// docs/ARCHITECTURE.md).
type Shape string

const (
	ShapeStatusCode Shape = "statusCode" // {"statusCode":0} / {"statusCode":N,"statusMessage":...}
	ShapeStatus     Shape = "status"     // {"status":"ok"} / {"status":"error","errorDescription":...}
	// ShapeGMS is GMS Chat API v2's: {"statusCode":0,...} / {"statusCode":1|2},
	// in an HTTP 200 answer; no explanation field is documented for 1 and 2.
	ShapeGMS Shape = "gms"
)

// Caller is the side of the API that calls an operation.
type Caller string

const (
	AgentCaller    Caller = "agent"    // Basic auth, CSRF, notifications over Bayeux
	CustomerCaller Caller = "customer" // the customer chat API, no credentials but the chat's secureKey
)

// Op is one operation of the registry. Treat it as read-only: Lookup and Ops
// hand out copies, the exported operation variables below are shared.
type Op struct {
	Name    string
	Dialect Dialect
	Method  string // GET or POST
	// Path is the template relative to the target's base URL; {chat} is one
	// path segment, the chat id.
	Path           string
	RequestSchema  string // schema name for the body; "" for GET
	ResponseSchema string
	// Required lists body parameters that must be present; "a|b" means at
	// least one of a and b.
	Required []string
	// Injected lists the body fields the harness fills in when a step leaves
	// them out (see Inject); RoutingField stands for userData[routing key].
	Injected []string
	// InjectedQuery lists the query parameters the harness fills in on a GET.
	InjectedQuery []string
	Shape         Shape
	// Feature is the target feature the op needs; "" = every target (core).
	Feature Feature
	// Notifies: the op causes notifications (agent) or transcript messages
	// (customer) for the calling actor, so a `then` on it can match.
	Notifies bool
}

// Caller is the side of the API that may call the op.
func (o Op) Caller() Caller {
	if o.Dialect == DialectCustomer || o.Dialect == DialectGMS {
		return CustomerCaller
	}
	return AgentCaller
}

// TakesChat reports whether the op's path names a chat.
func (o Op) TakesChat() bool { return strings.Contains(o.Path, chatParam) }

// PathFor is the op's path with chat (escaped) in place of {chat}.
func (o Op) PathFor(chat string) string {
	return strings.ReplaceAll(o.Path, chatParam, url.PathEscape(chat))
}

// chatParam is the path parameter naming the chat.
const chatParam = "{chat}"

const (
	chatsPath        = "/api/v2/me/chats/" + chatParam
	interactionsPath = "/api/v2/me/interactions/" + chatParam
	customerPath     = "/api/v2/chats"
	customerChatPath = customerPath + "/" + chatParam
	channelPath      = "/api/v2/me/channels/chat"
)

// What the harness fills into every POST, and into the customer's requests.
var (
	postInjects          = []string{"operationName"}
	customerPostInjects  = []string{"operationName", "secureKey"}
	requestChatInjects   = []string{"operationName", "nickname", RoutingField}
	customerQueryInjects = []string{"secureKey"}
)

// The operations the harness calls by itself (actor setup, barrier, cleanup,
// the customer's transcript), named so its own requests go through the
// registry rather than repeat paths and names.
var (
	GetMe = Op{Name: "GetMe", Dialect: DialectAgent, Method: "GET", Path: "/api/v2/me",
		ResponseSchema: "response/me", Shape: ShapeStatusCode}
	StartContactCenterSession = Op{Name: "StartContactCenterSession", Dialect: DialectAgent, Method: "POST", Path: "/api/v2/me",
		RequestSchema: "request/me", ResponseSchema: "response/status-code",
		Required: []string{"channels"}, Injected: postInjects, Shape: ShapeStatusCode}
	Ready    = channelOp("Ready")
	NotReady = channelOp("NotReady")
	// ListChats is GET /api/v2/me/chats, the agent's chats (cleanup reads it).
	ListChats = Op{Name: "ListChats", Dialect: DialectAgent, Method: "GET", Path: "/api/v2/me/chats",
		ResponseSchema: "response/chats", Shape: ShapeStatusCode, Feature: FeatureChats}
	RequestChat = Op{Name: "RequestChat", Dialect: DialectCustomer, Method: "POST", Path: customerPath,
		RequestSchema: "request/customer", ResponseSchema: "response/customer-request-chat",
		Required: []string{"nickname"}, Injected: requestChatInjects, Shape: ShapeStatusCode, Feature: FeatureCustomer, Notifies: true}
	// GetMessages is the customer's transcript, which the harness polls.
	GetMessages = Op{Name: "GetMessages", Dialect: DialectCustomer, Method: "GET", Path: customerChatPath + "/messages",
		ResponseSchema: "response/customer-messages", InjectedQuery: customerQueryInjects, Shape: ShapeStatusCode, Feature: FeatureCustomer}
)

// chatsOp and friends keep the table below readable.
func chatsOp(name string, feature Feature, required ...string) Op {
	return Op{Name: name, Dialect: DialectChats, Method: "POST", Path: chatsPath,
		RequestSchema: "request/chats", ResponseSchema: "response/status-code",
		Required: required, Injected: postInjects, Shape: ShapeStatusCode, Feature: feature, Notifies: true}
}

func interactionsOp(name string, shape Shape, required ...string) Op {
	resp := "response/status-code"
	if shape == ShapeStatus {
		resp = "response/status"
	}
	return Op{Name: name, Dialect: DialectInteractions, Method: "POST", Path: interactionsPath,
		RequestSchema: "request/interactions", ResponseSchema: resp,
		Required: required, Injected: postInjects, Shape: shape, Feature: FeatureInteractions, Notifies: true}
}

func customerOp(name string, required ...string) Op {
	return Op{Name: name, Dialect: DialectCustomer, Method: "POST", Path: customerChatPath,
		RequestSchema: "request/customer", ResponseSchema: "response/status-code",
		Required: required, Injected: customerPostInjects, Shape: ShapeStatusCode, Feature: FeatureCustomer, Notifies: true}
}

func channelOp(name string) Op {
	return Op{Name: name, Dialect: DialectAgent, Method: "POST", Path: channelPath,
		RequestSchema: "request/channel", ResponseSchema: "response/status-code",
		Injected: postInjects, Shape: ShapeStatusCode, Notifies: true}
}

// registry is every operation: GWS's here, GMS's in gms.go.
var registry = slices.Concat([]Op{
	chatsOp("Accept", FeatureChats, "nickname"),
	chatsOp("Reject", FeatureChats),
	chatsOp("Leave", FeatureChats),
	chatsOp("Complete", FeatureChats),
	chatsOp("SendMessage", FeatureChats, "text"),
	chatsOp("SendStartTypingNotification", FeatureChats),
	chatsOp("SendStopTypingNotification", FeatureChats),
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
	chatsOp("SetInFocus", FeatureChats),

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

	GetMe,
	StartContactCenterSession,
	Ready,
	NotReady,
	ListChats,
	{Name: "GetTranscript", Dialect: DialectAgent, Method: "GET", Path: chatsPath + "/messages",
		ResponseSchema: "response/messages", Shape: ShapeStatusCode, Feature: FeatureChats},

	RequestChat,
	customerOp("SendMessage", "text"),
	customerOp("SendStartTypingNotification"),
	customerOp("SendStopTypingNotification"),
	customerOp("Complete"),
	{Name: "GetChat", Dialect: DialectCustomer, Method: "GET", Path: customerChatPath,
		ResponseSchema: "response/customer-chat", InjectedQuery: customerQueryInjects, Shape: ShapeStatusCode, Feature: FeatureCustomer},
	GetMessages,
}, gmsRegistry)

// clone gives the caller its own slices.
func (o Op) clone() Op {
	o.Required = slices.Clone(o.Required)
	o.Injected = slices.Clone(o.Injected)
	o.InjectedQuery = slices.Clone(o.InjectedQuery)
	return o
}

// Ops returns every registered operation, sorted by dialect then name.
func Ops() []Op {
	out := make([]Op, len(registry))
	for i, op := range registry {
		out[i] = op.clone()
	}
	slices.SortFunc(out, func(a, b Op) int {
		if a.Dialect != b.Dialect {
			return strings.Compare(string(a.Dialect), string(b.Dialect))
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Lookup finds the operation name in dialect.
func Lookup(d Dialect, name string) (Op, bool) {
	for _, op := range registry {
		if op.Dialect == d && op.Name == name {
			return op.clone(), true
		}
	}
	return Op{}, false
}

// Resolve finds the operation a caller means by name. A customer uses the
// customer dialect, then GMS's (whose names, send, refresh..., are GMS's own). An agent uses d ("" = chats) and then the agent dialect, so
// GetMe works from an interactions actor too.
func Resolve(c Caller, d Dialect, name string) (Op, bool) {
	if c == CustomerCaller {
		if op, ok := Lookup(DialectCustomer, name); ok {
			return op, true
		}
		return Lookup(DialectGMS, name)
	}
	if d == "" {
		d = DialectChats
	}
	if op, ok := Lookup(d, name); ok {
		return op, true
	}
	if d != DialectAgent {
		return Lookup(DialectAgent, name)
	}
	return Op{}, false
}

// Named lists every registered operation called name, in any dialect: what a
// name that did not resolve could have meant.
func Named(name string) []Op {
	var out []Op
	for _, op := range registry {
		if op.Name == name {
			out = append(out, op.clone())
		}
	}
	return out
}

// Names lists the names Resolve accepts for caller c in dialect d, for "did you
// mean" suggestions.
func Names(c Caller, d Dialect) []string {
	var names []string
	for _, op := range registry {
		if c == CustomerCaller {
			if op.Dialect == DialectCustomer || op.Dialect == DialectGMS {
				names = append(names, op.Name)
			}
			continue
		}
		if op.Dialect == d || op.Dialect == DialectAgent {
			names = append(names, op.Name)
		}
	}
	return names
}
