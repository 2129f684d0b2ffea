package gws

import (
	"net/url"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/gwsconform/gwsconform/schemas"
)

func TestRegistryNamesKnownFeaturesAndSchemas(t *testing.T) {
	known := schemas.Names()
	seen := map[string]bool{}
	for _, op := range Ops() {
		key := string(op.Dialect) + " " + op.Name
		if seen[key] {
			t.Errorf("%s is registered twice", key)
		}
		seen[key] = true
		if _, ok := Describe(op.Feature); op.Feature != "" && !ok {
			t.Errorf("%s needs feature %q, which is not a feature", key, op.Feature)
		}
		for _, s := range []string{op.RequestSchema, op.ResponseSchema} {
			if s != "" && !slices.Contains(known, s) {
				t.Errorf("%s names schema %q, which schemas/ does not have", key, s)
			}
		}
		// A GMS body is a form, not JSON: no request schema (its fields are
		// checked by Required, the answer by its schema).
		if (op.RequestSchema == "") != (op.Method == "GET" || op.IsGMS()) {
			t.Errorf("%s: %s with request schema %q", key, op.Method, op.RequestSchema)
		}
	}
}

// Injected is what Inject does: filled into an empty body with every value
// given, the body holds exactly the fields the op lists.
func TestInjectFillsExactlyInjected(t *testing.T) {
	in := Injection{Nickname: "Carol", SecureKey: "key", RouteKey: "Target", Route: "agent1", UserID: "u", Alias: "117"}
	for _, op := range Ops() {
		body := map[string]any{}
		op.Inject(body, in)
		var got []string
		for k, v := range body {
			if k == "userData" {
				if reflect.DeepEqual(v, map[string]any{"Target": "agent1"}) {
					got = append(got, RoutingField)
				}
				continue
			}
			got = append(got, k)
		}
		want := slices.Clone(op.Injected)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s %s: Inject filled %v, Injected lists %v", op.Dialect, op.Name, got, want)
		}
		if body["operationName"] != nil && body["operationName"] != op.Name {
			t.Errorf("%s: operationName %v", op.Name, body["operationName"])
		}
		q := url.Values{}
		op.InjectQuery(q, in)
		var params []string
		for k := range q {
			params = append(params, k)
		}
		if !slices.Equal(params, op.InjectedQuery) {
			t.Errorf("%s %s: InjectQuery filled %v, InjectedQuery lists %v", op.Dialect, op.Name, params, op.InjectedQuery)
		}
	}
}

func TestInjectKeepsWhatTheBodySets(t *testing.T) {
	body := map[string]any{"nickname": "Mallory", "userData": map[string]any{"RouteTo": "queue2", "vip": true}}
	RequestChat.Inject(body, Injection{Nickname: "Carol", Route: "agent1"})
	want := map[string]any{"operationName": "RequestChat", "nickname": "Mallory", "userData": map[string]any{"RouteTo": "queue2", "vip": true}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("got %v, want %v", body, want)
	}
}

// A parameter the harness fills in is never one a step must write: the linter
// once demanded RequestChat's nickname, which the runner sends anyway.
func TestMissingLeavesOutInjected(t *testing.T) {
	if m := RequestChat.Missing(nil); len(m) != 0 {
		t.Errorf("RequestChat without a body misses %v", m)
	}
	accept, _ := Lookup(DialectChats, "Accept")
	if m := accept.Missing(map[string]any{}); !slices.Equal(m, []string{"nickname"}) {
		t.Errorf("Accept without nickname misses %v", m)
	}
	transfer, _ := Lookup(DialectChats, "Transfer")
	if m := transfer.Missing(map[string]any{"queueName": "q"}); len(m) != 0 {
		t.Errorf("Transfer with one of its alternatives misses %v", m)
	}
}

func TestStepBodyIsWhatTheHarnessDoesNotAdd(t *testing.T) {
	in := Injection{Nickname: "Carol", RouteKey: "Target", Route: "agent1"}
	sent := map[string]any{"operationName": "RequestChat", "nickname": "Carol", "subject": "help", "userData": map[string]any{"Target": "agent1"}}
	step, ok := RequestChat.StepBody(sent, in)
	if !ok || !reflect.DeepEqual(step, map[string]any{"subject": "help"}) {
		t.Errorf("StepBody = %v, %v", step, ok)
	}
	if sent["userData"].(map[string]any)["Target"] != "agent1" {
		t.Error("StepBody changed the sent body")
	}
	// A RequestChat sent without a nickname is a negative request: a step
	// would get the actor's nickname added.
	if _, ok := RequestChat.StepBody(map[string]any{"operationName": "RequestChat"}, in); ok {
		t.Error("a RequestChat without nickname became a step body")
	}
	accept, _ := Lookup(DialectChats, "Accept")
	if _, ok := accept.StepBody(map[string]any{"operationName": "Accept"}, in); ok {
		t.Error("an Accept without its required nickname became a step body")
	}
	other := map[string]any{"operationName": "RequestChat", "nickname": "Dave"}
	if step, ok := RequestChat.StepBody(other, Injection{Nickname: "Carol"}); !ok || step["nickname"] != "Dave" {
		t.Errorf("a nickname that is not the actor's must stay in the step: %v %v", step, ok)
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		caller  Caller
		dialect Dialect
		name    string
		want    Dialect
	}{
		{AgentCaller, "", "Accept", DialectChats},
		{AgentCaller, DialectInteractions, "Accept", DialectInteractions},
		{AgentCaller, DialectInteractions, "GetMe", DialectAgent},
		{CustomerCaller, "", "SendMessage", DialectCustomer},
	} {
		op, ok := Resolve(c.caller, c.dialect, c.name)
		if !ok || op.Dialect != c.want || op.Name != c.name {
			t.Errorf("Resolve(%s, %q, %s) = %s %s, %v", c.caller, c.dialect, c.name, op.Dialect, op.Name, ok)
		}
	}
	if _, ok := Resolve(CustomerCaller, "", "Accept"); ok {
		t.Error("a customer resolved Accept")
	}
}
