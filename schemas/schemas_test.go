package schemas

import (
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
)

// contractNames is the list docs/ARCHITECTURE.md promises.
var contractNames = []string{
	"bayeux/request", "bayeux/response",
	"customer-message", "gms/answer", "gms/message", "gms/refresh", "gms/request-chat", "message",
	"notification", "notification/channel-state-change", "notification/chat-state-change",
	"notification/message-log-updated",
	"request/channel", "request/chats", "request/customer", "request/interactions", "request/me",
	"response/chats", "response/customer-chat", "response/customer-messages",
	"response/customer-request-chat", "response/me", "response/messages", "response/status",
	"response/status-code",
}

func TestNamesAreTheContract(t *testing.T) {
	if got := Names(); !slices.Equal(got, contractNames) {
		t.Fatalf("Names() = %q\nwant %q", got, contractNames)
	}
}

func TestEverySchemaCompiles(t *testing.T) {
	compiledSchemas, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		if compiledSchemas[name] == nil {
			t.Errorf("%s: not compiled", name)
		}
	}
}

func TestUnknownSchemaListsValidNames(t *testing.T) {
	err := Validate("response/nope", map[string]any{})
	if err == nil {
		t.Fatal("unknown schema validated")
	}
	var verr *ValidationError
	if errors.As(err, &verr) {
		t.Fatalf("unknown schema gave a ValidationError: %v", err)
	}
	for _, want := range []string{`"response/nope"`, "request/chats", "bayeux/response"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestInstanceKinds(t *testing.T) {
	type statusAnswer struct {
		StatusCode  int    `json:"statusCode"`
		ReferenceID int64  `json:"referenceId"`
		Note        string `json:"note"`
	}
	valid := map[string]any{
		"decoded JSON":    map[string]any{"statusCode": float64(0), "referenceId": float64(35)},
		"json.RawMessage": json.RawMessage(`{"statusCode":0,"referenceId":35}`),
		"[]byte":          []byte(`{"statusCode":0,"referenceId":35}`),
		"typed Go value":  statusAnswer{StatusCode: 0, ReferenceID: 35, Note: "extra"},
		"typed map":       map[string]int{"statusCode": 0},
	}
	for name, instance := range valid {
		if err := Validate("response/status-code", instance); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	invalid := map[string]any{
		"raw JSON, wrong type": []byte(`{"statusCode":"0"}`),
		"typed, negative code": statusAnswer{StatusCode: -1},
		"a JSON string":        `{"statusCode":0}`,
	}
	for name, instance := range invalid {
		var verr *ValidationError
		if err := Validate("response/status-code", instance); !errors.As(err, &verr) {
			t.Errorf("%s: want a ValidationError, got %v", name, err)
		}
	}
}

func TestInvalidJSONIsAnError(t *testing.T) {
	for _, raw := range []string{`{"statusCode":0`, `{"statusCode":0} {}`, ``} {
		err := Validate("response/status-code", []byte(raw))
		var verr *ValidationError
		if err == nil || errors.As(err, &verr) {
			t.Errorf("%q: want a JSON error, got %v", raw, err)
		}
	}
}

func TestLargeIntegersStayExact(t *testing.T) {
	// timestampSeconds is epoch milliseconds: beyond float32, and must stay an integer.
	msg := `{"index":1,"type":"Notice","from":{"nickname":"n","type":"Agent","participantId":"p"},
		"visibility":"All","timestamp":"2014-01-06T12:14:06.007-08:00","timestampSeconds":1389039246007}`
	if err := Validate("message", []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func TestTimestampForms(t *testing.T) {
	base := func(ts string) map[string]any {
		return map[string]any{
			"index": float64(1), "type": "TypingStarted", "visibility": "All", "timestamp": ts,
			"from": map[string]any{"nickname": "PersonP", "type": "Customer", "participantId": "009052C5E6D6004A"},
		}
	}
	for _, ts := range []string{
		"2014-01-02T14:23:18.000-0800",
		"2014-01-09 11:58:12.035+0200",
		"2014-01-09T11:58:12Z",
		"2014-01-09T11:58:12.123456789+02:00",
		"2014-01-09t11:58:12z",
	} {
		if err := Validate("message", base(ts)); err != nil {
			t.Errorf("%s: %v", ts, err)
		}
	}
	for _, ts := range []string{
		"2014-01-0612: 14: 06.007-0800", // the mangled seed form
		"2014-01-09T11:58:12",           // no zone: ambiguous
		"2014-13-09T11:58:12Z",
		"1389039246007",
		"",
	} {
		err := Validate("message", base(ts))
		var verr *ValidationError
		if !errors.As(err, &verr) || verr.Problems[0].Pointer != "/timestamp" || verr.Problems[0].Keyword != "pattern" {
			t.Errorf("%q: want a pattern problem at /timestamp, got %v", ts, err)
			continue
		}
		if msg := verr.Problems[0].Message; !strings.Contains(msg, "RFC 3339-like") {
			t.Errorf("%q: the message does not say what is expected: %s", ts, msg)
		}
	}
}

func TestErrorNamesEveryProblem(t *testing.T) {
	err := Validate("notification/chat-state-change", []byte(`{
		"messageType": "ChatStateChangeMessage",
		"notificationType": "Error",
		"chat": {"id": "c1", "uri": "http://h/api/v2/chats/c1", "state": "Chating",
			"participants": [{"nickname": "A", "type": "Agent", "participantId": "1"},
			                 {"nickname": "B", "type": "Robot", "participantId": "2"}]}
	}`))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	want := []Problem{
		{Pointer: "/chat/state", Keyword: "enum"},
		{Pointer: "/chat/participants/1/type", Keyword: "enum"},
		{Pointer: "/errorMessage", Keyword: "required"},
	}
	for _, w := range want {
		if !hasProblem(verr.Problems, w.Pointer, w.Keyword) {
			t.Errorf("no %s problem at %s in:\n%v", w.Keyword, w.Pointer, err)
		}
	}
	if len(verr.Problems) != len(want) {
		t.Errorf("want %d problems, got:\n%v", len(want), err)
	}
	text := err.Error()
	for _, s := range []string{"notification/chat-state-change", `"Chating"`, `"Robot"`, `missing required property "errorMessage"`} {
		if !strings.Contains(text, s) {
			t.Errorf("error text does not contain %s:\n%s", s, text)
		}
	}
}

func TestAlternativesAreOneProblem(t *testing.T) {
	err := Validate("request/interactions", map[string]any{"operationName": "SingleStepTransfer"})
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	p := verr.Problems[0]
	if p.Pointer != "" || p.Keyword != "anyOf" {
		t.Errorf("got %v", p)
	}
	for _, name := range []string{"targetUri", "agentId", "queueName"} {
		if !strings.Contains(p.Message, name) {
			t.Errorf("message does not name %s: %s", name, p.Message)
		}
	}
}

func hasProblem(problems []Problem, pointer, keyword string) bool {
	for _, p := range problems {
		if p.Pointer == pointer && p.Keyword == keyword {
			return true
		}
	}
	return false
}

func TestKeywordOf(t *testing.T) {
	cases := map[string]string{
		"/allOf/2/then/$ref/properties/chat/properties/state/enum": "enum",
		"/properties/type/enum":                          "enum",
		"/properties/from/$ref/required":                 "required",
		"/allOf/0/then/$ref/dependentRequired/treatAs/0": "dependentRequired",
		"/anyOf": "anyOf",
		"/then/items/$ref/$ref/allOf/0/then/required": "required",
	}
	for location, want := range cases {
		if got := keywordOf(location); got != want {
			t.Errorf("keywordOf(%q) = %q, want %q", location, got, want)
		}
	}
}

// Tolerance policy: no schema may close an object to unknown properties.
func TestNoSchemaForbidsUnknownProperties(t *testing.T) {
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		for _, where := range closedObjects(doc, "") {
			t.Errorf("%s#%s: closes the object to unknown properties", p, where)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// closedObjects lists the schema locations that set additionalProperties or
// unevaluatedProperties to false.
func closedObjects(doc any, at string) []string {
	var out []string
	switch v := doc.(type) {
	case map[string]any:
		for k, item := range v {
			if (k == "additionalProperties" || k == "unevaluatedProperties") && item == false {
				out = append(out, at+"/"+k)
			}
			out = append(out, closedObjects(item, at+"/"+k)...)
		}
	case []any:
		for _, item := range v {
			out = append(out, closedObjects(item, at+"/[]")...)
		}
	}
	return out
}

func TestValidateConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Validate("notification", []byte(`{"messageType":"ChannelStateChangeMessageV2",
				"channels":[{"channel":"chat","userState":{"state":"Ready"}}]}`))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkValidateNotification(b *testing.B) {
	sample := []byte(`{"messageType":"ChatStateChangeMessage","notificationType":"ParticipantsUpdated","referenceId":35,
		"chat":{"id":"0000Na9B26EF006E","uri":"http://localhost:8080/api/v2/chats/0000Na9B26EF006E","state":"Chatting",
		"capabilities":["Transfer","Leave","Invite","Consult","Complete","SendMessage"],
		"participants":[{"nickname":"TestName","type":"Agent","participantId":"009052CB05C900EA"},
		{"nickname":"FirstL","type":"Customer","participantId":"009052CB056C00E5"}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate("notification", sample); err != nil {
			b.Fatal(err)
		}
	}
}
