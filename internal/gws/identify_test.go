package gws

import (
	"maps"
	"testing"
)

func TestIdentify(t *testing.T) {
	for _, c := range []struct {
		method, path, operation string
		dialect                 Dialect
		name                    string
		params                  map[string]string
	}{
		{"GET", "/api/v2/me", "", DialectAgent, "GetMe", map[string]string{}},
		{"GET", "/api/v2/me?subresources=*", "", DialectAgent, "GetMe", map[string]string{}},
		{"GET", "/api/v2/me/chats/", "", DialectAgent, "ListChats", map[string]string{}},
		{"GET", "/api/v2/me/chats/c1/messages", "", DialectAgent, "GetTranscript", map[string]string{"chat": "c1"}},
		{"POST", "/api/v2/me/chats/c1", "Consult", DialectChats, "Consult", map[string]string{"chat": "c1"}},
		{"POST", "/api/v2/me/chats/{{chat}}/", "Accept", DialectChats, "Accept", map[string]string{"chat": "{{chat}}"}},
		{"POST", "/api/v2/me/interactions/c1", "InviteUser", DialectInteractions, "InviteUser", map[string]string{"chat": "c1"}},
		{"POST", "/api/v2/me/channels/chat", "NotReady", DialectAgent, "NotReady", map[string]string{}},
		{"POST", "/api/v2/chats", "RequestChat", DialectCustomer, "RequestChat", map[string]string{}},
		{"POST", "/api/v2/chats/c1", "Complete", DialectCustomer, "Complete", map[string]string{"chat": "c1"}},
		{"GET", "/api/v2/chats/c1/messages?index=3", "", DialectCustomer, "GetMessages", map[string]string{"chat": "c1"}},
	} {
		body := map[string]any{}
		if c.operation != "" {
			body["operationName"] = c.operation
		}
		op, params, ok := Identify(c.method, c.path, body)
		if !ok || op.Dialect != c.dialect || op.Name != c.name || !maps.Equal(params, c.params) {
			t.Errorf("Identify(%s %s %s) = %s %s %v, %v; want %s %s %v", c.method, c.path, c.operation, op.Dialect, op.Name, params, ok, c.dialect, c.name, c.params)
		}
	}
}

func TestIdentifyRefusesWhatIsNoOperation(t *testing.T) {
	for _, c := range []struct{ method, path, operation string }{
		{"POST", "/api/v2/me", "EndContactCenterSession"}, // accepted by the schema, not registered
		{"POST", "/api/v2/me/chats/c1", ""},
		{"POST", "/api/v2/me/chats/c1", "InviteUser"}, // an interactions op on the chats path
		{"POST", "/api/v2/me/chats//", "Accept"},
		{"POST", "/api/v2/chats/c1", "RequestChat"},
		{"GET", "/api/v2/me/chats/c1", ""},
		{"GET", "/api/v2/me/chats//messages", ""},
		{"GET", "/api/v2/me/interactions/c1/messages", ""},
		{"DELETE", "/api/v2/me", ""},
		{"GET", "/api/v2/notifications", ""},
	} {
		if op, _, ok := Identify(c.method, c.path, map[string]any{"operationName": c.operation}); ok {
			t.Errorf("Identify(%s %s %s) = %s %s", c.method, c.path, c.operation, op.Dialect, op.Name)
		}
	}
}

// Identify is the inverse of the registry: every op's own path, with a chat
// id in place, names the op again.
func TestIdentifyFindsEveryOp(t *testing.T) {
	for _, op := range Ops() {
		got, params, ok := Identify(op.Method, op.PathFor("a b"), map[string]any{"operationName": op.Name})
		if !ok || got.Dialect != op.Dialect || got.Name != op.Name {
			t.Errorf("%s %s: identified as %s %s, %v", op.Dialect, op.Name, got.Dialect, got.Name, ok)
		}
		if op.TakesChat() && params["chat"] != "a%20b" {
			t.Errorf("%s %s: chat %q", op.Dialect, op.Name, params["chat"])
		}
	}
}
