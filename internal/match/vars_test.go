package match

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestInterpolation(t *testing.T) {
	vars := MapVars{
		"chat":      "00048AAB1D2F0001",
		"ref":       json.Number("7"),
		"alice.uri": "http://h/api/v2/users/abc",
		"n":         3.0,
		"caps":      []any{"Accept", "Reject"},
		"user":      map[string]any{"id": "abc", "roles": []any{"ROLE_AGENT"}},
	}
	runMatchCases(t, []matchCase{
		{name: "whole string", yaml: `{id: "{{chat}}"}`, actual: `{"id":"00048AAB1D2F0001"}`, vars: vars},
		{name: "whole keeps number type", yaml: `{referenceId: "{{ref}}"}`, actual: `{"referenceId":7}`, vars: vars},
		{name: "whole number is not its text", yaml: `{referenceId: "{{ref}}"}`, actual: `{"referenceId":"7"}`, vars: vars,
			wantErr: `/referenceId: expected 7 (from {{ref}}), got "7"`},
		{name: "dotted name", yaml: `{targetUri: "{{alice.uri}}"}`, actual: `{"targetUri":"http://h/api/v2/users/abc"}`, vars: vars},
		{name: "spaces inside braces", yaml: `"{{ chat }}"`, actual: `"00048AAB1D2F0001"`, vars: vars},
		{name: "embedded", yaml: `{path: "/api/v2/chats/{{chat}}"}`, actual: `{"path":"/api/v2/chats/00048AAB1D2F0001"}`, vars: vars},
		{name: "embedded number", yaml: `"ref-{{n}}-{{ref}}"`, actual: `"ref-3-7"`, vars: vars},
		{name: "embedded miss", yaml: `{path: "/chats/{{chat}}"}`, actual: `{"path":"/chats/x"}`, vars: vars,
			wantErr: `/path: expected "/chats/00048AAB1D2F0001" (from /chats/{{chat}}), got "/chats/x"`},
		{name: "whole list is deep equality", yaml: `"{{caps}}"`, actual: `["Accept","Reject"]`, vars: vars},
		{name: "whole object is deep equality", yaml: `"{{user}}"`, actual: `{"id":"abc","roles":["ROLE_AGENT"],"x":1}`, vars: vars,
			wantErr: `expected {"id":"abc","roles":["ROLE_AGENT"]} (from {{user}}), got {"id":"abc","roles":["ROLE_AGENT"],"x":1}`},
		{name: "undefined", yaml: `{chat: {id: "{{bob.chat}}"}}`, actual: `{"chat":{"id":"1"}}`, vars: vars,
			wantErr: `/chat/id: undefined variable {{bob.chat}}`},
		{name: "undefined in oneOf", yaml: `{$oneOf: [1, "{{nope}}"]}`, actual: `2`, vars: vars, wantErr: `undefined variable {{nope}}`},
	})
}

func TestUndefinedIsTyped(t *testing.T) {
	err := mustCompile(t, `{a: "{{x}}"}`).Match(map[string]any{"a": 1}, nil)
	var undefined *UndefinedError
	if !errors.As(err, &undefined) || undefined.Name != "x" || undefined.Pointer != "/a" {
		t.Fatalf("err = %#v, want UndefinedError{x, /a}", err)
	}
	err = mustCompile(t, `{a: 2}`).Match(map[string]any{"a": 1}, nil)
	var miss *Mismatch
	if !errors.As(err, &miss) || miss.Pointer != "/a" || miss.Reason != "expected 2, got 1" {
		t.Fatalf("err = %#v, want Mismatch{/a, ...}", err)
	}
}

func TestSavesAppliedOnlyOnSuccess(t *testing.T) {
	m := mustCompile(t, `{referenceId: {$save: ref}, chat: {id: {$save: chat}, state: Chatting}}`)

	vars := MapVars{"ref": "old"}
	err := m.Match(decodeJSON(t, `{"referenceId":5,"chat":{"id":"c1","state":"Invited"}}`), vars)
	if err == nil || err.Error() != `/chat/state: expected "Chatting", got "Invited"` {
		t.Fatalf("failing match: err = %v", err)
	}
	if !reflect.DeepEqual(vars, MapVars{"ref": "old"}) {
		t.Fatalf("failed match changed vars: %v", vars)
	}

	if err := m.Match(decodeJSON(t, `{"referenceId":5,"chat":{"id":"c1","state":"Chatting"}}`), vars); err != nil {
		t.Fatal(err)
	}
	if vars["ref"] != json.Number("5") || vars["chat"] != "c1" {
		t.Fatalf("vars after success = %v", vars)
	}
}

func TestSaveVisibleLaterInSameMatch(t *testing.T) {
	m := mustCompile(t, `{id: {$save: x}, echo: "{{x}}"}`)
	vars := MapVars{}
	if err := m.Match(map[string]any{"id": "a", "echo": "a"}, vars); err != nil {
		t.Fatal(err)
	}
	if err := m.Match(map[string]any{"id": "b", "echo": "a"}, MapVars{}); err == nil ||
		err.Error() != `/echo: expected "b" (from {{x}}), got "a"` {
		t.Fatalf("err = %v", err)
	}
}

func TestSavesOfFailedBranchesAreDropped(t *testing.T) {
	cases := []struct {
		yaml, actual string
		want         MapVars
	}{
		// The first alternative saves and then fails: only the second's save stays.
		{`{$oneOf: [{a: {$save: first}, b: 1}, {a: {$save: second}}]}`, `{"a":"v","b":2}`, MapVars{"second": "v"}},
		// $not never saves.
		{`{$not: {a: {$save: s}, b: 1}}`, `{"a":"v","b":2}`, MapVars{}},
		// $contains keeps the saves of the assigned element only.
		{`{$contains: [{type: Text, text: {$save: text}}]}`, `[{"type":"Notice","text":"no"},{"type":"Text","text":"yes"}]`, MapVars{"text": "yes"}},
	}
	for _, tc := range cases {
		vars := MapVars{}
		if err := mustCompile(t, tc.yaml).Match(decodeJSON(t, tc.actual), vars); err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if !reflect.DeepEqual(vars, tc.want) {
			t.Errorf("%s against %s: vars = %v, want %v", tc.yaml, tc.actual, vars, tc.want)
		}
	}
}

func TestSaveNeedsValue(t *testing.T) {
	err := mustCompile(t, `{id: {$save: id}}`).Match(map[string]any{}, MapVars{})
	if err == nil || err.Error() != "/id: missing" {
		t.Fatalf("err = %v", err)
	}
}

func TestExpand(t *testing.T) {
	vars := MapVars{"bob.uri": "http://h/u/1", "ref": 4, "chat": "c9"}
	got, err := Expand(map[string]any{
		"targetUri": "{{bob.uri}}",
		"n":         "{{ref}}",
		"path":      "/chats/{{chat}}/messages?index={{ref}}",
		"list":      []any{"{{chat}}", 1, nil},
		"plain":     "no refs } {",
	}, vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"targetUri": "http://h/u/1",
		"n":         4,
		"path":      "/chats/c9/messages?index=4",
		"list":      []any{"c9", 1, nil},
		"plain":     "no refs } {",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Expand = %#v\nwant %#v", got, want)
	}

	if _, err := Expand(map[string]any{"a": []any{"{{missing}}"}}, vars); err == nil || err.Error() != "/a/0: undefined variable {{missing}}" {
		t.Fatalf("undefined: err = %v", err)
	}
	if _, err := Expand("{{bad name}}", vars); err == nil || err.Error() != `malformed variable reference in "{{bad name}}" (want {{name}})` {
		t.Fatalf("malformed: err = %v", err)
	}
	in := map[string]any{"a": "{{chat}}"}
	if _, err := Expand(in, vars); err != nil || in["a"] != "{{chat}}" {
		t.Fatalf("Expand modified its input: %v", in)
	}
}

func TestRefsAndSaves(t *testing.T) {
	m := mustCompile(t, `
notificationType: ParticipantsUpdated
referenceId: "{{ref}}"
chat: {id: "{{chat}}", path: "/chats/{{chat}}/{{ alice.uri }}"}
"{{notakey}}": 1
name: {$regex: "{{notaref}}"}
participants: {$contains: [{id: {$save: pid}}, {uri: &u "{{bob.uri}}"}, *u]}
again: {$save: pid}
other: {$oneOf: [{$save: alt}]}
`)
	if got, want := m.Refs(), []string{"ref", "chat", "alice.uri", "bob.uri"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Refs = %q, want %q", got, want)
	}
	if got, want := m.Saves(), []Save{{Name: "pid"}, {Name: "alt"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Saves = %+v, want %+v", got, want)
	}
	if m.Line() != 2 {
		t.Errorf("Line = %d, want 2 (the matcher's first line)", m.Line())
	}
}

func TestShape(t *testing.T) {
	m := mustCompile(t, `
notificationType: {$oneOf: [StatusChange, {$oneOf: [NewMessages]}, {$not: Other}]}
chat: {id: "{{chat}}", state: Chatting}
messages: {$contains: [{type: Text}, [{type: Notice}]]}
skipped: {$not: {type: Hidden}}
$$ref: 1
`)
	fields := m.Shape().Fields()
	var keys []string
	for _, f := range fields {
		keys = append(keys, fmt.Sprintf("%s@%d", f.Key, f.Line))
	}
	if got := strings.Join(keys, " "); got != "notificationType@2 chat@3 messages@4 skipped@5 $ref@6" {
		t.Errorf("Fields = %s", got)
	}
	if got, want := fields[0].Value.Strings(), []Literal{{"StatusChange", 2}, {"NewMessages", 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Strings of $oneOf = %+v, want %+v", got, want)
	}
	chat := fields[1].Value.Objects()
	if len(chat) != 1 || chat[0].Fields()[0].Value.Strings() != nil || chat[0].Fields()[1].Value.Strings()[0].Text != "Chatting" {
		t.Errorf("chat: a reference is no literal, a plain string is")
	}
	var types []string
	for _, o := range fields[2].Value.Objects() {
		types = append(types, o.Fields()[0].Value.Strings()[0].Text)
	}
	if got := strings.Join(types, " "); got != "Text Notice" {
		t.Errorf("Objects through $contains and lists = %q", got)
	}
	if got := fields[3].Value.Objects(); got != nil {
		t.Errorf("Objects looked under $not: %+v", got)
	}
}

func TestNameGrammar(t *testing.T) {
	for s, want := range map[string]bool{"chat": true, "ref-2": true, "a_b": true, "": false, "_x": false, "2x": false, "a.b": false, "a b": false} {
		if ValidName(s) != want {
			t.Errorf("ValidName(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"chat": true, "alice.uri": true, "queue1.uri": true, "a.": false, "a..b": false, ".a": false, "bob uri": false} {
		if ValidRef(s) != want {
			t.Errorf("ValidRef(%q) = %v", s, !want)
		}
	}
	if got, want := TextRefs("{{ chat }}/{{bob uri}}/{{x"), []string{"chat", "bob uri"}; !reflect.DeepEqual(got, want) {
		t.Errorf("TextRefs = %q, want %q", got, want)
	}
	renamed := RenameRefs("{{ p.uri }} {{p}} {{ q }}", func(ref string) string {
		if ref == "p" || strings.HasPrefix(ref, "p.") {
			return "alice" + strings.TrimPrefix(ref, "p")
		}
		return ref
	})
	if renamed != "{{alice.uri}} {{alice}} {{ q }}" {
		t.Errorf("RenameRefs = %q (an unchanged reference stays as written)", renamed)
	}
	if ref, rest, ok := CutRef("{{ timeout }}ms"); !ok || ref != "timeout" || rest != "ms" {
		t.Errorf("CutRef = %q, %q, %v", ref, rest, ok)
	}
	if _, _, ok := CutRef("1s{{x}}"); ok {
		t.Error("CutRef accepted a term that does not start with a reference")
	}
}
