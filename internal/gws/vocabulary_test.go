package gws

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/jsonptr"
)

// schemaDir is the repository's schemas/, the contract of what a conforming
// target may send.
const schemaDir = "../../schemas"

// vocabularySources says where schemas/ states each enumeration: FILE#POINTER
// of an "enum" or a "const"; the enumeration is the union of its sources.
var vocabularySources = []struct {
	name    string
	enum    Enum
	sources []string
}{
	{"NotificationTypes", NotificationTypes, []string{
		"notification/chat-state-change.json#/properties/notificationType",
		"notification/message-log-updated.json#/properties/notificationType"}},
	{"MessageTypes", MessageTypes, []string{
		"notification/chat-state-change.json#/properties/messageType",
		"notification/message-log-updated.json#/properties/messageType",
		"notification/channel-state-change.json#/properties/messageType"}},
	{"ChatStates", ChatStates, []string{"common.json#/$defs/chatState"}},
	{"TranscriptTypes", TranscriptTypes, []string{"message.json#/properties/type"}},
	{"Visibilities", Visibilities, []string{
		"message.json#/properties/visibility",
		"customer-message.json#/properties/visibility"}},
	{"ParticipantTypes", ParticipantTypes, []string{"common.json#/$defs/participantType"}},
	// The schema leaves userState.state a free string: the states an agent
	// can be in are the ones it can ask for.
	{"AgentStates", AgentStates, []string{"request/channel.json#/properties/operationName"}},
	{"CustomerChatStates", CustomerChatStates, []string{"common.json#/$defs/customerChatState"}},
}

// notVocabulary are the enumerations of schemas/ that no list here mirrors,
// and why.
var notVocabulary = map[string]string{
	"request/chats.json#/$defs/treatAs":                   "a request parameter the harness never sends nor matches",
	"response/status.json#/properties/status":             "the status answer shape (Shape), judged by the runner's answer check",
	"request/chats.json#/properties/operationName":        "operation names: TestRegistryMatchesRequestSchemas",
	"request/interactions.json#/properties/operationName": "operation names: TestRegistryMatchesRequestSchemas",
	"request/customer.json#/properties/operationName":     "operation names: TestRegistryMatchesRequestSchemas",
	"request/me.json#/properties/operationName":           "operation names: TestRegistryMatchesRequestSchemas",
	// GMS Chat API v2 (issue 12): the server side and the schemas came first; the
	// harness's GMS customer kind, which is to mirror these, comes after.
	"gms/common.json#/$defs/statusCode":      "GMS answers: not mirrored until the harness has a GMS customer kind",
	"gms/common.json#/$defs/participantType": "GMS answers: not mirrored until the harness has a GMS customer kind",
	"gms/common.json#/$defs/messageType":     "GMS answers: not mirrored until the harness has a GMS customer kind",
}

// Each enumeration must equal its schema's, in both directions: a value the
// schema accepts but the list lacks makes the linter refuse an expectation a
// conforming target can meet; a value the list has but the schema refuses
// makes the linter pass an expectation no valid payload can meet (the runner
// refuses such a payload before any matcher sees it).
func TestEnumerationsMatchTheSchemas(t *testing.T) {
	for _, v := range vocabularySources {
		var want []string
		for _, src := range v.sources {
			want = append(want, schemaValues(t, src)...)
		}
		got := v.enum.Values()
		for _, s := range want {
			if !slices.Contains(got, s) {
				t.Errorf("%s lacks %q, which %s accepts", v.name, s, strings.Join(v.sources, " and "))
			}
		}
		for _, s := range got {
			if !slices.Contains(want, s) {
				t.Errorf("%s has %q, which %s does not accept", v.name, s, strings.Join(v.sources, " and "))
			}
		}
	}
}

// Every enumeration the payload schemas state is mirrored above or set aside
// with a reason, so a new one in a schema cannot go unnoticed.
func TestEverySchemaEnumerationIsAccountedFor(t *testing.T) {
	claimed := map[string]bool{}
	for _, v := range vocabularySources {
		for _, src := range v.sources {
			claimed[src] = true
		}
	}
	for place := range notVocabulary {
		claimed[place] = true
	}
	for _, place := range schemaEnumerations(t) {
		if !claimed[place] {
			t.Errorf("%s is an enumeration of the wire that internal/gws does not mirror: add it to vocabulary.go and vocabularySources, or to notVocabulary with a reason", place)
		}
		delete(claimed, place)
	}
	for place := range claimed {
		t.Errorf("%s: no such enumeration in schemas/ any more", place)
	}
}

// The registry's operation names are the request schemas' operationName
// enumerations, but for what a schema accepts that no scenario may call as an
// op (only raw requests send it).
func TestRegistryMatchesRequestSchemas(t *testing.T) {
	unregistered := map[string]bool{"request/me.json EndContactCenterSession": true}
	names := map[string][]string{}
	for _, op := range Ops() {
		if op.RequestSchema != "" {
			names[op.RequestSchema] = append(names[op.RequestSchema], op.Name)
		}
	}
	for schema, registered := range names {
		file := schema + ".json"
		accepted := schemaValues(t, file+"#/properties/operationName")
		for _, name := range accepted {
			if !slices.Contains(registered, name) && !unregistered[file+" "+name] {
				t.Errorf("%s accepts operationName %s, which the registry lacks", file, name)
			}
		}
		for _, name := range registered {
			if !slices.Contains(accepted, name) {
				t.Errorf("the registry has %s with request schema %s, which refuses it", name, schema)
			}
		}
	}
}

// schemaValues reads the enum (or const) at FILE#POINTER.
func schemaValues(t *testing.T, place string) []string {
	t.Helper()
	file, pointer, _ := strings.Cut(place, "#")
	node, ok := jsonptr.Get(readSchema(t, file), pointer)
	if !ok {
		t.Fatalf("%s: no such place", place)
	}
	obj, _ := node.(map[string]any)
	var out []string
	if c, ok := obj["const"].(string); ok {
		out = append(out, c)
	}
	values, _ := obj["enum"].([]any)
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("%s: enum value %v is not a string", place, v)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Fatalf("%s holds neither enum nor const", place)
	}
	return out
}

func readSchema(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(schemaDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc
}

// schemaEnumerations lists FILE#POINTER of every string enum or const the
// payload schemas state, leaving out conditions (under "if", "not" or a
// named condition "$defs/isX": they select a branch, they state no value) and
// the Bayeux envelope, which is not the GWS API's vocabulary.
func schemaEnumerations(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(schemaDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(schemaDir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "bayeux" || rel == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".json") {
			return nil
		}
		walkEnums(readSchema(t, rel), "", func(pointer string) {
			out = append(out, rel+"#"+pointer)
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func walkEnums(node any, pointer string, found func(string)) {
	obj, ok := node.(map[string]any)
	if !ok {
		if list, ok := node.([]any); ok {
			for i, c := range list {
				walkEnums(c, pointer+"/"+strconv.Itoa(i), found)
			}
		}
		return
	}
	_, isConst := obj["const"].(string)
	if _, isEnum := obj["enum"]; isEnum || isConst {
		found(pointer)
	}
	for k, c := range obj {
		if k == "if" || k == "not" || strings.HasSuffix(pointer, "/$defs") && strings.HasPrefix(k, "is") {
			continue
		}
		walkEnums(c, pointer+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), found)
	}
}
