package match

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScalarEquality(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "string", yaml: `Chatting`, actual: `"Chatting"`},
		{name: "string differs", yaml: `Chatting`, actual: `"Invited"`, wantErr: `expected "Chatting", got "Invited"`},
		{name: "int equals float text", yaml: `3`, actual: `3.0`},
		{name: "float equals int", yaml: `3.0`, actual: `3`},
		{name: "fraction", yaml: `0.1`, actual: `0.1`},
		{name: "number differs", yaml: `200`, actual: `404`, wantErr: `expected 200, got 404`},
		{name: "number is not a string", yaml: `5`, actual: `"5"`, wantErr: `expected 5, got "5"`},
		{name: "quoted number is a string", yaml: `"5"`, actual: `5`, wantErr: `expected "5", got 5`},
		{name: "bool", yaml: `true`, actual: `true`},
		{name: "bool differs", yaml: `false`, actual: `true`, wantErr: `expected false, got true`},
		{name: "null", yaml: `null`, actual: `null`},
		{name: "null differs", yaml: `~`, actual: `0`, wantErr: `expected null, got 0`},
		{name: "timestamp-looking text stays a string", yaml: `2014-01-02`, actual: `"2014-01-02"`},
		{name: "large integer exact", yaml: `9007199254740993`, actual: `9007199254740993`},
		{name: "large integer off by one", yaml: `9007199254740993`, actual: `9007199254740992`,
			wantErr: `expected 9007199254740993, got 9007199254740992`},
		{name: "scalar against object", yaml: `x`, actual: `{"a":1}`, wantErr: `expected "x", got {"a":1}`},
	})
}

func TestNumbersAcrossGoTypes(t *testing.T) {
	m := mustCompile(t, `{status: 200, ratio: 0.5}`)
	for _, actual := range []any{
		map[string]any{"status": 200, "ratio": 0.5},
		map[string]any{"status": int64(200), "ratio": float32(0.5)},
		map[string]any{"status": uint16(200), "ratio": json.Number("5e-1")},
		map[string]any{"status": float64(200), "ratio": 0.5},
		map[string]int{"status": 200}, // ratio missing: must fail below
	} {
		err := m.Match(actual, MapVars{})
		if _, isIntMap := actual.(map[string]int); isIntMap {
			if err == nil || err.Error() != "/ratio: missing" {
				t.Errorf("Match(%#v) = %v, want /ratio: missing", actual, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Match(%#v): %v", actual, err)
		}
	}
}

func TestObjectSubset(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "subset with extra keys", yaml: `{chat: {state: Chatting}}`, actual: `{"chat":{"state":"Chatting","id":"1"},"x":1}`},
		{name: "nested miss", yaml: `{chat: {state: Chatting}}`, actual: `{"chat":{"state":"Invited"}}`,
			wantErr: `/chat/state: expected "Chatting", got "Invited"`},
		{name: "missing key", yaml: `{chat: {capabilities: [Accept]}}`, actual: `{"chat":{}}`,
			wantErr: `/chat/capabilities: missing`},
		{name: "not an object", yaml: `{chat: {state: Chatting}}`, actual: `{"chat":"abc"}`,
			wantErr: `/chat: expected object, got string "abc"`},
		{name: "empty map matches any object", yaml: `{}`, actual: `{"a":1}`},
		{name: "empty map needs an object", yaml: `{}`, actual: `[]`, wantErr: `expected object, got array []`},
		{name: "dollar escape", yaml: `{$$ref: 1}`, actual: `{"$ref":1}`},
		{name: "dollar escape miss", yaml: `{$$ref: 1}`, actual: `{"ref":1}`, wantErr: `/$ref: missing`},
		{name: "pointer escaping", yaml: `{"a/b": {"c~d": 1}}`, actual: `{"a/b":{"c~d":2}}`,
			wantErr: `/a~1b/c~0d: expected 1, got 2`},
		{name: "null value is present", yaml: `{a: null}`, actual: `{"a":null}`},
		{name: "merge key", yaml: "base: &b {type: Text}\nall: {<<: *b, visibility: All}", actual: `{"base":{"type":"Text"},"all":{"type":"Text","visibility":"All"}}`},
		{name: "merge key explicit wins", yaml: "base: &b {type: Text}\nall: {<<: *b, type: Notice}", actual: `{"base":{"type":"Text"},"all":{"type":"Text"}}`,
			wantErr: `/all/type: expected "Notice", got "Text"`},
	})
}

func TestListExact(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "same order", yaml: `[Accept, Reject]`, actual: `["Accept","Reject"]`},
		{name: "wrong order", yaml: `[Accept, Reject]`, actual: `["Reject","Accept"]`,
			wantErr: `/0: expected "Accept", got "Reject"`},
		{name: "too long", yaml: `{capabilities: [Accept]}`, actual: `{"capabilities":["Accept","Reject"]}`,
			wantErr: `/capabilities: expected 1 elements, got 2`},
		{name: "elements are subsets", yaml: `[{type: Text}]`, actual: `[{"type":"Text","index":3}]`},
		{name: "element miss", yaml: `{messages: [{type: Text}]}`, actual: `{"messages":[{"type":"Notice"}]}`,
			wantErr: `/messages/0/type: expected "Text", got "Notice"`},
		{name: "empty list", yaml: `[]`, actual: `[]`},
		{name: "not an array", yaml: `[]`, actual: `"x"`, wantErr: `expected array, got string "x"`},
	})
}

func TestFailureTextIsReadable(t *testing.T) {
	err := mustCompile(t, `{text: "a & b"}`).Match(map[string]any{"text": "<b> & c"}, nil)
	if err == nil || err.Error() != `/text: expected "a & b", got "<b> & c"` {
		t.Fatalf("err = %v", err)
	}
	long := make([]any, 100)
	for i := range long {
		long[i] = "element"
	}
	err = mustCompile(t, `{list: x}`).Match(map[string]any{"list": long}, nil)
	if err == nil || len(err.Error()) > 200 || !strings.HasSuffix(err.Error(), "…") {
		t.Fatalf("long value not truncated: %v", err)
	}
}
