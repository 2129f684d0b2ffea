package gws

import (
	"reflect"
	"testing"
)

func TestGMSForEveryGWSCustomerOperationThatHasOne(t *testing.T) {
	for name, want := range map[string]string{"RequestChat": "requestChat", "SendMessage": "send",
		"SendStartTypingNotification": "startTyping", "SendStopTypingNotification": "stopTyping", "Complete": "disconnect"} {
		op, _ := Lookup(DialectCustomer, name)
		gms, _, ok := GMSFor(op)
		if !ok || gms.Name != want || gms.Dialect != DialectGMS {
			t.Errorf("GMSFor(%s) = %s %s, %v; want gms %s", name, gms.Dialect, gms.Name, ok, want)
		}
	}
	for _, name := range []string{"GetChat", "GetMessages"} {
		op, _ := Lookup(DialectCustomer, name)
		if _, _, ok := GMSFor(op); ok {
			t.Errorf("%s has a GMS equivalent; scenarios using it require %s", name, FeatureGWSCustomer)
		}
	}
}

func TestGMSFormFlattensUserDataAndRenames(t *testing.T) {
	form, err := GMSForm(map[string]any{"operationName": "SendMessage", "text": "hi", "transcriptPosition": float64(3),
		"userData": map[string]any{"RouteTo": "agent1"}}, map[string]string{"text": "message"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"message": {"hi"}, "transcriptPosition": {"3"}, "userData[RouteTo]": {"agent1"}}
	if !reflect.DeepEqual(map[string][]string(form), want) {
		t.Errorf("form %v, want %v", form, want)
	}
	if _, err := GMSForm(map[string]any{"nested": map[string]any{"a": 1}}, nil); err == nil {
		t.Error("a nested value other than userData became a form field")
	}
}

// The mapping table of docs/scenario-format.md ("Customers over GMS").
func TestGMSMessageAsGWS(t *testing.T) {
	got := GMSMessageAsGWS(map[string]any{"from": map[string]any{"nickname": "Carol", "participantId": float64(1), "type": "Client"},
		"index": float64(3), "type": "Message", "text": "hi", "utcTime": float64(1432845088000)})
	want := map[string]any{"from": map[string]any{"nickname": "Carol", "participantId": float64(1), "type": "Customer"},
		"index": float64(3), "type": "Text", "text": "hi", "utcTime": float64(1432845088000)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	// GWS's word on the GMS wire is not translated: the gms schema refuses it.
	odd := GMSMessageAsGWS(map[string]any{"type": "Text", "from": map[string]any{"type": "Customer"}}).(map[string]any)
	if odd["type"] != "Text" || odd["from"].(map[string]any)["type"] != "Customer" {
		t.Errorf("got %v", odd)
	}
	push := GMSMessageAsGWS(map[string]any{"type": "PushUrl", "text": "https://x"}).(map[string]any)
	if push["url"] != "https://x" {
		t.Errorf("PushUrl without url: %v", push)
	}
	answer := GMSAnswerAsGWS(RequestChat, map[string]any{"statusCode": float64(0), "chatId": "c1", "messages": []any{}}).(map[string]any)
	if answer["id"] != "c1" || answer["chatId"] != "c1" {
		t.Errorf("request chat answer %v", answer)
	}
}
