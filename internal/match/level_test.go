package match

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/evidence"
)

func TestLevelOperatorsAreStrictInMatchAndWaivedInMatchLenient(t *testing.T) {
	m := mustCompile(t, `{notificationType: StatusChange, chat: {capabilities: {$inferred: {$contains: [Accept, Reject]}}}, referenceId: {$reference: {$save: ref}}}`)
	seedShaped := decodeJSON(t, `{"notificationType": "StatusChange", "chat": {"capabilities": ["Accept"]}}`)

	if err := m.Match(seedShaped, MapVars{}); err == nil {
		t.Fatal("Match: the inferred and reference parts must hold in a strict match")
	}
	vars := MapVars{}
	devs, err := m.MatchLenient(seedShaped, vars)
	if err != nil {
		t.Fatalf("MatchLenient: %v", err)
	}
	if len(devs) != 2 {
		t.Fatalf("want 2 deviations, got %v", devs)
	}
	if devs[0].Level != evidence.Inferred || devs[0].Pointer != "/chat/capabilities" || !strings.Contains(devs[0].Reason, "Reject") {
		t.Errorf("first deviation: %+v", devs[0])
	}
	if devs[1].Level != evidence.Reference || devs[1].Pointer != "/referenceId" || !strings.Contains(devs[1].Reason, "missing") {
		t.Errorf("second deviation: %+v", devs[1])
	}
	if _, saved := vars["ref"]; saved {
		t.Error("a waived $save saved nothing, yet ref is set")
	}

	// A documented part still decides the match.
	if _, err := m.MatchLenient(decodeJSON(t, `{"notificationType": "NewMessages"}`), MapVars{}); err == nil {
		t.Error("MatchLenient waived a documented part")
	}
	// Nothing to report when everything holds.
	devs, err = m.MatchLenient(decodeJSON(t, `{"notificationType": "StatusChange", "chat": {"capabilities": ["Reject", "Accept"]}, "referenceId": 3}`), vars)
	if err != nil || len(devs) != 0 || vars["ref"] == nil {
		t.Errorf("all parts hold: devs %v, err %v, ref %v", devs, err, vars["ref"])
	}
}

func TestDeviationsOfAFailedAlternativeAreDropped(t *testing.T) {
	m := mustCompile(t, `{$oneOf: [{a: 1, b: {$reference: 2}}, {a: 3}]}`)
	devs, err := m.MatchLenient(decodeJSON(t, `{"a": 3, "b": 9}`), MapVars{})
	if err != nil || len(devs) != 0 {
		t.Errorf("the second alternative matched outright; want no deviation from the first, got %v, %v", devs, err)
	}
	devs, err = m.MatchLenient(decodeJSON(t, `{"a": 1, "b": 9}`), MapVars{})
	if err != nil || len(devs) != 1 {
		t.Errorf("want the first alternative's deviation, got %v, %v", devs, err)
	}
}

func TestLevelOperatorIsStrictInsideNot(t *testing.T) {
	m := mustCompile(t, `{state: {$not: {$reference: Idle}}}`)
	if _, err := m.MatchLenient(decodeJSON(t, `{"state": "Idle"}`), MapVars{}); err == nil {
		t.Error("$not of a waived part matched: a deviation turned into a match")
	}
}

func TestAnUnsavedVariableInAWeakPartIsNotChecked(t *testing.T) {
	m := mustCompile(t, `{referenceId: {$reference: "{{ref}}"}}`)
	devs, err := m.MatchLenient(decodeJSON(t, `{"referenceId": 4}`), MapVars{})
	if err != nil || len(devs) != 1 || !strings.Contains(devs[0].Reason, "not checked: {{ref}}") {
		t.Errorf("want one 'not checked' deviation, got %v, %v", devs, err)
	}
}

func TestOptional(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "absent", yaml: `{referenceId: {$optional: {$save: ref}}}`, actual: `{}`},
		{name: "present", yaml: `{referenceId: {$optional: {$type: number}}}`, actual: `{"referenceId": 3}`},
		{name: "present and wrong", yaml: `{referenceId: {$optional: {$type: number}}}`, actual: `{"referenceId": "3"}`, wantErr: "/referenceId: expected number, got string \"3\""},
	})
	if _, err := Compile(parseYAML(t, `{$optional: 1}`)); err == nil {
		t.Error("$optional outside an object key compiled")
	}
}

func TestEcho(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "nothing saved: anything goes", yaml: `{referenceId: {$echo: ref}}`, actual: `{"referenceId": 9}`},
		{name: "saved and absent", yaml: `{referenceId: {$echo: ref}}`, actual: `{}`, vars: MapVars{"ref": float64(3)}},
		{name: "saved and equal", yaml: `{referenceId: {$echo: ref}}`, actual: `{"referenceId": 3}`, vars: MapVars{"ref": float64(3)}},
		{name: "saved and different", yaml: `{referenceId: {$echo: ref}}`, actual: `{"referenceId": 4}`, vars: MapVars{"ref": float64(3)},
			wantErr: "/referenceId: expected 3 (the value saved as ref) or no value, got 4"},
	})
	if _, err := Compile(parseYAML(t, `{referenceId: {$echo: "{{ref}}"}}`)); err == nil || !strings.Contains(err.Error(), "not {$echo:") {
		t.Errorf("$echo of a template: want a hint, got %v", err)
	}
}

func TestWildcardsStandForTheSamplesValues(t *testing.T) {
	m := mustCompile(t, `{chat: {id: "{{chat}}", uri: "http://x/{{chat}}"}, referenceId: {$echo: ref}, nickname: Alice}`)
	if err := m.Match(decodeJSON(t, `{"chat": {"id": "007", "uri": "anything"}, "referenceId": 5, "nickname": "Alice"}`), Wildcards{}); err != nil {
		t.Errorf("variables are wildcards: %v", err)
	}
	if err := m.Match(decodeJSON(t, `{"chat": {"id": "007", "uri": "u"}, "nickname": "Bob"}`), Wildcards{}); err == nil {
		t.Error("a literal must still match under Wildcards")
	}
	if err := m.Match(decodeJSON(t, `{"chat": {"uri": "u"}, "nickname": "Alice"}`), Wildcards{}); err == nil {
		t.Error("a variable stands for a value, not for an absent key")
	}
}

func TestWeakSavesAndLevels(t *testing.T) {
	m := mustCompile(t, `{a: {$save: strong}, b: {$reference: {$save: weak}}, c: {$inferred: {x: {$save: weak2}}}, d: {$save: weak}}`)
	want := []Save{{Name: "strong"}, {Name: "weak", Weak: true}, {Name: "weak2", Weak: true}}
	if got := m.Saves(); !reflect.DeepEqual(got, want) {
		t.Errorf("Saves = %+v, want %+v (a name saved under a level anywhere is weak)", got, want)
	}
	if !m.HasLevels() || mustCompile(t, `{a: {$save: x}}`).HasLevels() {
		t.Error("HasLevels is wrong")
	}
}
