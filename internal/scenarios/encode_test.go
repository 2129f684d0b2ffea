package scenarios

import (
	"strings"
	"testing"
)

// A document built in Go encodes to YAML the loader reads back as the same scenario,
// in the catalogue's style (flow style for small leaves).
func TestEncodeRoundTripsThroughTheLoader(t *testing.T) {
	doc := &Document{
		Comment: "built by a test.", Name: "encoded", Description: "An encoded scenario.",
		Refs: []string{"recording/golden"}, Labels: []string{"recorded"},
		Actors: []DocActor{{Name: "agent1", Kind: KindAgent}, {Name: "carol", Kind: KindCustomer, Nickname: "Carol", RouteTo: []string{"agent1"}}},
		Steps: []DocStep{
			{Actor: "carol", Op: "RequestChat", Save: Fields{{Key: "chat", Value: "/id"}}},
			{Actor: "agent1", Await: []any{Fields{{Key: "notificationType", Value: "StatusChange"}, {Key: "chat", Value: Fields{{Key: "id", Value: "{{chat}}"}, {Key: "state", Value: "Invited"}}}}}},
			{Actor: "agent1", Op: "Accept", Chat: "{{chat}}", Body: Fields{{Key: "nickname", Value: "Alice"}, {Key: "note", Value: Null}},
				Expect: &DocExpect{Status: Fields{{Key: "$range", Value: []any{200, 299}}}}},
		},
	}
	out, err := Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"# built by a test.\n", "name: encoded\n", "carol: {kind: customer, nickname: Carol, routeTo: [agent1]}", "save: {chat: /id}", "note: null", "status: {$range: [200, 299]}"} {
		if !strings.Contains(text, want) {
			t.Errorf("encoded scenario lacks %q:\n%s", want, text)
		}
	}
	scs, err := Parse("encoded.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(scs) != 1 || scs[0].Name != "encoded" || len(scs[0].Steps) != 3 || scs[0].File != "encoded.yaml" {
		t.Fatalf("parsed %+v", scs)
	}
}
