package gws

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
)

// GMS Chat API v2 (GMS/API/ChatAPIv2, GMS/API/APIResponses) is the other customer
// API: what web chat widgets and mobile apps talk to. Its requests are
// form-encoded POSTs under /genesys/2/chat/{serviceName}; every answer has the
// same shape (gms/answer.json) and carries the transcript from the
// transcriptPosition the request asked for.
//
// A GMS op's Path is relative to the service's base, GMSServicePath(service), not
// to the target's base URL: the service name and GMS's own host are the target's
// (target.GMSServiceURL), the rest of the path is the operation's.

// DialectGMS is the GMS Chat API v2 operations a customer actor can call by
// their GMS names (send, refresh, ...), in scenarios that require FeatureGMS.
const DialectGMS Dialect = "gms"

// GMSServicePath is the path of a GMS chat service (ChatAPIv2: "/genesys/2/chat/{serviceName}").
func GMSServicePath(service string) string {
	return "/genesys/2/chat/" + url.PathEscape(service)
}

// The fields every GMS request on a chat carries (ChatAPIv2: userId, secureKey
// and alias are Required on each of them), which the harness fills in from the
// last answer.
var gmsSessionInjects = []string{"userId", "secureKey", "alias"}

func gmsOp(name, schema string, required ...string) Op {
	return Op{Name: name, Dialect: DialectGMS, Method: "POST", Path: "/" + chatParam + "/" + name,
		ResponseSchema: schema, Required: required, Injected: gmsSessionInjects,
		Shape: ShapeGMS, Feature: FeatureGMS, Notifies: true}
}

// The GMS operations the harness calls by itself: the chat request a GWS
// RequestChat step becomes, the transcript poll, the cleanup.
var (
	GMSRequestChat = Op{Name: "requestChat", Dialect: DialectGMS, Method: "POST", Path: "",
		ResponseSchema: "gms/request-chat", Required: []string{"nickname|firstName"},
		Injected: []string{"nickname", RoutingField}, Shape: ShapeGMS, Feature: FeatureGMS, Notifies: true}
	GMSRefresh    = gmsOp("refresh", "gms/refresh")
	GMSDisconnect = gmsOp("disconnect", "gms/answer")
)

var gmsRegistry = []Op{
	GMSRequestChat,
	gmsOp("send", "gms/answer", "message"),
	GMSRefresh,
	gmsOp("startTyping", "gms/answer"),
	gmsOp("stopTyping", "gms/answer"),
	GMSDisconnect,
	gmsOp("pushUrl", "gms/answer", "pushUrl"),
	gmsOp("updateNickname", "gms/answer", "nickname"),
	gmsOp("updateData", "gms/answer"),
	gmsOp("customNotice", "gms/answer"),
}

// gmsEquivalent is how a GWS customer operation is played over GMS: the GMS
// operation and the GWS body fields it spells differently. GetChat and
// GetMessages have none (GMS has no chat resource to read, and its transcript
// comes with every answer): a scenario using them requires FeatureGWSCustomer.
var gmsEquivalent = map[string]struct {
	op     string
	fields map[string]string
}{
	"RequestChat":                 {"requestChat", nil},
	"SendMessage":                 {"send", map[string]string{"text": "message"}},
	"SendStartTypingNotification": {"startTyping", nil},
	"SendStopTypingNotification":  {"stopTyping", nil},
	"Complete":                    {"disconnect", nil},
}

// GMSFor is the GMS operation that plays the GWS customer operation op, and the
// body field renames (GWS name -> GMS name); false when op has no equivalent.
func GMSFor(op Op) (Op, map[string]string, bool) {
	if op.Dialect != DialectCustomer {
		return Op{}, nil, false
	}
	eq, ok := gmsEquivalent[op.Name]
	if !ok {
		return Op{}, nil, false
	}
	gms, ok := Lookup(DialectGMS, eq.op)
	return gms, eq.fields, ok
}

// GMSForm is body as the form fields of a GMS request: renames applied (GWS
// names to GMS ones), operationName dropped (the GMS path names the operation),
// userData {k: v} flattened to userData[k], scalars as text. Nested values other
// than userData's have no form spelling: an error.
func GMSForm(body map[string]any, renames map[string]string) (url.Values, error) {
	form := url.Values{}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := body[k]
		if k == "operationName" {
			continue
		}
		if to, ok := renames[k]; ok {
			k = to
		}
		if data, ok := v.(map[string]any); ok && k == "userData" {
			for dk, dv := range data {
				s, err := formValue(dv)
				if err != nil {
					return nil, fmt.Errorf("userData.%s: %w", dk, err)
				}
				form.Set("userData["+dk+"]", s)
			}
			continue
		}
		s, err := formValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		form.Set(k, s)
	}
	return form, nil
}

func formValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("a %T has no form spelling", v)
}

// GMS transcript vocabulary where it differs from GWS's (API-NOTES, GMS
// sections: "the customer's participant type is Client", "Text messages are type
// Message"); every other type and participant type is spelt alike.
var (
	gmsMessageTypes     = map[string]string{"Message": "Text"}
	gmsParticipantTypes = map[string]string{"Client": "Customer"}
)

// GMSMessageAsGWS presents a GMS transcript entry in the GWS customer
// transcript's spelling, so one expectation serves both customer APIs: type
// Message is Text, participant type Client is Customer, a PushUrl's text is also
// its url (GMS has no url field). Everything else is kept as GMS wrote it
// (index, text, nickname, the integer participantId, utcTime, messageType);
// nothing GMS does not say is made up (no visibility, no timestamp). A
// participant type GMS does not use for the customer (Customer itself) is kept,
// and the gms/message schema refuses it.
func GMSMessageAsGWS(m any) any {
	in, ok := m.(map[string]any)
	if !ok {
		return m
	}
	out := make(map[string]any, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	if t, ok := in["type"].(string); ok {
		if to, ok := gmsMessageTypes[t]; ok {
			out["type"] = to
		}
	}
	if from, ok := in["from"].(map[string]any); ok {
		f := make(map[string]any, len(from))
		for k, v := range from {
			f[k] = v
		}
		if t, ok := from["type"].(string); ok {
			if to, ok := gmsParticipantTypes[t]; ok {
				f["type"] = to
			}
		}
		out["from"] = f
	}
	if in["type"] == "PushUrl" {
		if text, ok := in["text"].(string); ok {
			if _, has := in["url"]; !has {
				out["url"] = text
			}
		}
	}
	return out
}

// GMSAnswerAsGWS presents the answer of a GMS operation that played the GWS
// customer operation gwsOp in that operation's spelling: chatId is also id (what
// RequestChat answers), the transcript in GWS spelling; statusCode and the GMS
// fields are kept as they are.
func GMSAnswerAsGWS(gwsOp Op, body any) any {
	in, ok := body.(map[string]any)
	if !ok {
		return body
	}
	out := make(map[string]any, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	if id, ok := in["chatId"]; ok && gwsOp.Name == RequestChat.Name {
		out["id"] = id
	}
	if msgs, ok := in["messages"].([]any); ok {
		view := make([]any, len(msgs))
		for i, m := range msgs {
			view[i] = GMSMessageAsGWS(m)
		}
		out["messages"] = view
	}
	return out
}

// IsGMS reports whether op is a GMS Chat API v2 operation.
func (o Op) IsGMS() bool { return o.Dialect == DialectGMS }
