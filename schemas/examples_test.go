package schemas

import (
	"encoding/json"
	"fmt"
	"testing"
)

// validExamples holds, for every schema, payloads it must accept: the shapes the
// wire decisions of docs/ARCHITECTURE.md fix, and the legal variations a vendor may use.
var validExamples = map[string][]string{
	"request/me": {
		`{"operationName":"StartContactCenterSession","channels":["chat"]}`,
		`{"operationName":"EndContactCenterSession"}`,
	},
	"request/channel": {
		`{"operationName":"Ready"}`,
		`{"operationName":"NotReady","reasonCode":"Lunch"}`,
	},
	"request/chats": {
		`{"operationName":"Accept","nickname":"Alice"}`,
		`{"operationName":"Reject"}`,
		`{"operationName":"Leave"}`,
		`{"operationName":"Leave","text":"bye","messageType":"Text","treatAs":"System"}`,
		`{"operationName":"Complete"}`,
		`{"operationName":"SendMessage","text":"hello"}`,
		`{"operationName":"SendStartTypingNotification"}`,
		`{"operationName":"SendStopTypingNotification"}`,
		`{"operationName":"SendUrl","url":"http://example.com/faq"}`,
		`{"operationName":"Transfer","targetUri":"http://h/api/v2/users/0b5f"}`,
		`{"operationName":"Transfer","queueName":"queue2","text":"over to you"}`,
		`{"operationName":"Consult","targetUri":"http://h/api/v2/queues/queue1"}`,
		`{"operationName":"Invite","targetUri":"http://h/api/v2/users/0b5f"}`,
		`{"operationName":"SendToAgents","text":"psst"}`,
		`{"operationName":"SendStartTypingToAgentsNotification"}`,
		`{"operationName":"SendStopTypingToAgentsNotification"}`,
		`{"operationName":"SetDisposition","disposition":"Sale","dispositionKey":"DispositionCode"}`,
		`{"operationName":"AttachUserData","userData":{"Order":"42"}}`,
		`{"operationName":"UpdateUserData","userData":{"Order":"43"}}`,
		`{"operationName":"DeleteUserData","keys":["Order"]}`,
		`{"operationName":"SetInFocus"}`,
	},
	"request/interactions": {
		`{"operationName":"Accept","nickname":"Alice"}`,
		`{"operationName":"Reject"}`,
		`{"operationName":"InviteUser","agentId":"0b5f"}`,
		`{"operationName":"EndChatSession"}`,
		`{"operationName":"SendMessage","text":"hi"}`,
		`{"operationName":"SendStartTypingNotification"}`,
		`{"operationName":"SendStopTypingNotification"}`,
		`{"operationName":"SingleStepTransfer","queueName":"queue2"}`,
		`{"operationName":"SingleStepTransfer","agentId":"0b5f"}`,
		`{"operationName":"Complete"}`,
		`{"operationName":"RequestChatHistory"}`,
		`{"operationName":"RequestChatHistory","eventId":3}`,
		`{"operationName":"LeaveConference","agentId":"0b5f"}`,
	},
	"request/customer": {
		`{"operationName":"RequestChat","nickname":"Carol","subject":"help","userData":{"RouteTo":"agent1"}}`,
		`{"operationName":"SendMessage","text":"hi","secureKey":"k1"}`,
		`{"operationName":"SendStartTypingNotification","secureKey":"k1"}`,
		`{"operationName":"SendStopTypingNotification"}`,
		`{"operationName":"Complete","secureKey":"k1"}`,
	},
	"response/status-code": {
		`{"statusCode":0}`,
		`{"statusCode":0,"referenceId":35}`,
		`{"statusCode":3,"statusMessage":"Missing or invalid Csrf token"}`,
	},
	"response/status": {
		`{"status":"ok"}`,
		`{"status":"error","errorDescription":"no such agent"}`,
	},
	"response/me": {
		`{"statusCode":0,"user":{"id":"0b5f8f3a","userName":"agent1","firstName":"A","lastName":"One",
		  "uri":"http://127.0.0.1:8090/api/v2/users/0b5f8f3a","roles":["ROLE_AGENT"]}}`,
		`{"statusCode":0,"user":{"id":"0b5f8f3a","userName":"agent1","uri":"http://h/api/v2/users/0b5f8f3a",
		  "chats":[{"id":"c1","uri":"http://h/api/v2/chats/c1","state":"Chatting"}]}}`,
		`{"statusCode":20,"statusMessage":"Not authenticated"}`,
	},
	"response/chats": {
		`{"statusCode":0,"chats":[]}`,
		`{"statusCode":0,"chats":[{"id":"c1","uri":"http://h/api/v2/chats/c1","state":"Invited","capabilities":["Accept","Reject"]}]}`,
	},
	"response/messages": {
		`{"statusCode":0,"messages":[{"index":1,"type":"Text","text":"hi","visibility":"All",
		  "from":{"nickname":"Carol","type":"Customer","participantId":"p1"},"timestamp":"2024-05-01T10:00:00Z"}]}`,
		`{"statusCode":6,"statusMessage":"Chat not found"}`,
	},
	"response/customer-request-chat": {
		`{"statusCode":0,"id":"c1","path":"/api/v2/chats/c1","secureKey":"k1"}`,
		`{"id":"c1","statusCode":0,"path":"/api/v2/chats/c1"}`,
		`{"statusCode":1,"statusMessage":"nickname is required"}`,
	},
	"response/customer-chat": {
		`{"statusCode":0,"chat":{"id":"c1","state":"WaitingForAgent","participants":[]}}`,
		`{"statusCode":0,"chat":{"id":"c1","state":"Idle"}}`,
	},
	"response/customer-messages": {
		`{"statusCode":0,"state":"Chatting","messages":[{"index":2,"type":"ParticipantJoined","visibility":"All",
		  "from":{"nickname":"Alice","type":"Agent","participantId":"p2"},"timestamp":"2024-05-01 10:00:01.5+02:00",
		  "timestampSeconds":1714550401500}]}`,
		`{"statusCode":3,"statusMessage":"wrong secureKey"}`,
	},
	"notification": {
		`{"messageType":"ChannelStateChangeMessageV2","channels":[{"channel":"chat","userState":{"state":"Ready","displayName":"Ready","id":"1"}}]}`,
		`{"messageType":"DeviceStateChangeMessage","devices":[]}`,
	},
	"notification/chat-state-change": {
		// A capability the documentation does not list is tolerated, like an unknown field.
		`{"messageType":"ChatStateChangeMessage","notificationType":"StatusChange",
		  "chat":{"id":"c1","uri":"http://h/api/v2/chats/c1","state":"Chatting","capabilities":["Leave","Monitor"],"participants":[]}}`,
		`{"messageType":"ChatStateChangeMessage","notificationType":"StatusChange",
		  "chat":{"id":"c1","uri":"http://h/api/v2/chats/c1","state":"Invited","capabilities":["Accept","Reject"],"participants":[]}}`,
		`{"messageType":"ChatStateChangeMessage","notificationType":"PropertiesUpdated","referenceId":9,
		  "chat":{"id":"c1","uri":"http://h/api/v2/chats/c1","state":"Chatting","userData":{"DispositionCode":"Sale"}}}`,
		`{"messageType":"ChatStateChangeMessage","notificationType":"StatusChange",
		  "chat":{"id":"c1","uri":"http://h/api/v2/chats/c1","state":"Revoked"}}`,
	},
	"notification/message-log-updated": {
		`{"messageType":"MessageLogUpdated","notificationType":"NewMessages","chatPath":"/api/v2/chats/c1",
		  "messages":[{"index":4,"type":"PushUrl","url":"http://example.com","visibility":"All",
		  "from":{"nickname":"Alice","type":"Agent","participantId":"p2"},"timestamp":"2024-05-01T10:00:00.000+0000"}]}`,
		`{"messageType":"MessageLogUpdated","notificationType":"NewMessages","chatUri":"http://h/api/v2/chats/c1","messages":[]}`,
	},
	"notification/channel-state-change": {
		`{"messageType":"ChannelStateChangeMessageV2","channels":[{"channel":"chat","userState":{"state":"NotReady"}}]}`,
	},
	"message": {
		`{"index":7,"type":"Notice","text":"transcript saved","visibility":"Supervisors",
		  "from":{"nickname":"system","type":"External","participantId":"p0"},"timestamp":"2024-05-01T10:00:00Z"}`,
	},
	"customer-message": {
		`{"index":1,"type":"ParticipantJoined","from":{"nickname":"Carol","type":"Customer","participantId":"p1"},"visibility":"All","timestamp":"2024-05-01T10:00:00Z"}`,
		`{"type":"Text","text":"hello","from":{"nickname":"Alice"}}`,
		`{"index":3,"type":"Message","text":"GMS spells it Message","timestamp":1432845088000}`,
	},
	// GMS Chat API v2: reference-shaped answers (the documented sample is in testdata/gms).
	"gms/answer": {
		`{"statusCode":0,"alias":"117","userId":"007555677B20000A","secureKey":"4ee15d7e1c343c8e","messages":[],"chatId":"00048aAPEQJ8000U","chatEnded":false}`,
		`{"statusCode":0,"alias":"118","userId":"007555677B20000A","secureKey":"4ee15d7e1c343c8e","chatId":"00048aAPEQJ8000U",
		  "messages":[{"from":{"nickname":"Carol","participantId":1,"type":"Client"},"index":5,"type":"TypingStarted","utcTime":1432845099000}],
		  "nextPosition":6,"chatEnded":false}`,
		`{"statusCode":1}`,
		`{"statusCode":2,"chatEnded":true,"statusMessage":"send is not valid: the chat has ended"}`,
	},
	"gms/request-chat": {
		`{"statusCode":0,"alias":"117","userId":"007555677B20000A","secureKey":"4ee15d7e1c343c8e","chatId":"00048aAPEQJ8000U",
		  "messages":[{"from":{"nickname":"Carol","participantId":1,"type":"Client"},"index":1,"type":"ParticipantJoined","utcTime":1432845088000}],
		  "nextPosition":2,"chatEnded":false}`,
		`{"statusCode":2,"statusMessage":"either nickname or both firstName and lastName should be supplied"}`,
	},
	"gms/refresh": {
		`{"statusCode":0,"alias":"117","userId":"007555677B20000A","secureKey":"4ee15d7e1c343c8e","chatId":"00048aAPEQJ8000U",
		  "messages":[{"from":{"nickname":"Agent Three","participantId":2,"type":"Agent"},"index":4,"type":"Message","text":"How can I help?","utcTime":1432845099000},
		   {"from":{"nickname":"Agent Three","participantId":2,"type":"Agent"},"index":6,"type":"PushUrl","text":"http://example.com/faq","utcTime":1432845100000},
		   {"from":{"nickname":"Agent Three","participantId":2,"type":"Agent"},"index":7,"type":"ParticipantLeft","utcTime":1432845101000}],
		  "nextPosition":8,"chatEnded":true}`,
		`{"statusCode":1}`,
	},
	"gms/message": {
		`{"from":{"nickname":"system","participantId":2,"type":"External"},"index":3,"text":"agent will be with you shortly ...","type":"Message","utcTime":1406239880000}`,
		`{"from":{"nickname":"Carol","participantId":1,"type":"Client"},"index":9,"text":"hi","messageType":"text","type":"Message","utcTime":1432845088000}`,
		`{"from":{"nickname":"Caroline","participantId":1,"type":"Client"},"index":10,"text":"Caroline","type":"NicknameUpdated","utcTime":1432845088000}`,
	},
	"bayeux/request": {
		`[{"channel":"/meta/handshake","version":"1.0","minimumVersion":"1.0","supportedConnectionTypes":["long-polling"],"id":"1","advice":{"timeout":60000,"interval":0}}]`,
		`[{"channel":"/meta/connect","clientId":"abc","connectionType":"long-polling","id":"2","advice":{"timeout":0}}]`,
		`{"channel":"/meta/subscribe","clientId":"abc","subscription":"/v2/me/chats","id":"3"}`,
		`[{"channel":"/meta/subscribe","clientId":"abc","subscription":["/v2/me/chats","/v2/me/channels"]},
		  {"channel":"/meta/unsubscribe","clientId":"abc","subscription":"/v2/me/chats"}]`,
		`[{"channel":"/v2/me/chats","clientId":"abc","data":{"hello":"world"}},{"channel":"/meta/disconnect","clientId":"abc"}]`,
	},
	"bayeux/response": {
		`[{"channel":"/meta/handshake","id":"1","successful":true,"version":"1.0","supportedConnectionTypes":["long-polling"],
		  "clientId":"abc","advice":{"reconnect":"retry","interval":0,"timeout":30000}}]`,
		`[{"channel":"/v2/me/chats","data":{"messageType":"MessageLogUpdated"}},{"channel":"/meta/connect","id":"5","successful":true}]`,
		`[{"channel":"/meta/connect","id":"6","successful":false,"error":"402::Unknown client","advice":{"reconnect":"handshake","interval":0}}]`,
		`[{"channel":"/meta/connect","id":"7","successful":false,"advice":{"reconnect":"none","multiple-clients":true}}]`,
		`{"channel":"/meta/subscribe","id":"3","successful":false,"error":"403::channel forbidden","subscription":"/v2/other"}`,
		`[{"channel":"/meta/subscribe","id":"3","clientId":"abc","successful":true,"subscription":"/v2/me/chats"},
		  {"channel":"/meta/disconnect","id":"8","successful":true},{"channel":"/v2/me/chats","id":"9","successful":true}]`,
		`[]`,
	},
}

func TestValidExamples(t *testing.T) {
	for _, name := range Names() {
		if len(validExamples[name]) == 0 {
			t.Errorf("schema %s has no valid example", name)
		}
	}
	for name, examples := range validExamples {
		for i, example := range examples {
			if err := Validate(name, []byte(example)); err != nil {
				t.Errorf("%s example %d: %v", name, i, err)
			}
		}
	}
}

// Tolerance: an unknown property added to every object of a valid payload (the
// seeds included) must not make it invalid.
func TestUnknownPropertiesAreTolerated(t *testing.T) {
	check := func(where, schema string, raw []byte) {
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		extended, objects := withUnknownProperties(doc)
		if objects == 0 {
			return
		}
		if err := Validate(schema, extended); err != nil {
			t.Errorf("%s with an unknown property in each of its %d objects: %v", where, objects, err)
		}
	}
	for name, examples := range validExamples {
		for i, example := range examples {
			check(fmt.Sprintf("%s example %d", name, i), name, []byte(example))
		}
	}
	for file, schema := range seedSchemas {
		check("testdata/seeds/"+file, schema, readSeed(t, file))
	}
}

// withUnknownProperties returns a copy of doc with "xVendorExtension" added to every
// object, and how many objects it extended.
func withUnknownProperties(doc any) (any, int) {
	switch v := doc.(type) {
	case map[string]any:
		out := map[string]any{"xVendorExtension": map[string]any{"note": "not in the documentation"}}
		n := 1
		for k, item := range v {
			var c int
			out[k], c = withUnknownProperties(item)
			n += c
		}
		return out, n
	case []any:
		out := make([]any, len(v))
		n := 0
		for i, item := range v {
			var c int
			out[i], c = withUnknownProperties(item)
			n += c
		}
		return out, n
	}
	return doc, 0
}
