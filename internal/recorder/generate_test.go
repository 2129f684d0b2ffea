package recorder

import (
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/generate"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

func TestGeneratedScenarioLoadsAndLints(t *testing.T) {
	rec, _ := recordChatSession(t, Options{})
	out, err := generate.Generate(rec.Dir(), generate.Options{Name: "recorded chat"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("generated:\n%s", out)
	scs, err := scenarios.Parse("s.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	if errs := scenarios.Lint(scs); len(errs) > 0 {
		t.Fatal(errs)
	}
	sc := scs[0]
	var actors []string
	for _, a := range sc.Actors {
		actors = append(actors, a.Name+"/"+a.Kind)
	}
	if strings.Join(actors, " ") != "agent1/agent carol/customer" {
		t.Fatalf("actors %v", actors)
	}
	var labels []string
	for _, st := range sc.Steps {
		labels = append(labels, st.Label())
	}
	want := []string{"agent1 Ready", "carol RequestChat", "agent1 await", "agent1 Accept", "agent1 SendMessage",
		"carol SendMessage", "agent1 await", "carol await", "agent1 Complete"}
	// The hand-driven session sets its agent Ready itself, after setup-like GET /me and
	// StartContactCenterSession: the runner's setup shape, so Ready is setup, not a step.
	want = want[1:]
	if strings.Join(labels, "\n") != strings.Join(want, "\n") {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(labels, "\n"), strings.Join(want, "\n"))
	}
	for _, needle := range []string{"chat: '{{chat}}'", "routeTo: [agent1]", "save: {chat: /id}", "{{ref"} {
		if !strings.Contains(string(out), needle) {
			t.Errorf("generated scenario lacks %q", needle)
		}
	}
	for _, secret := range []string{"REDACTED", "StartContactCenterSession", "/meta/"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("generated scenario contains %q", secret)
		}
	}
}

// A recording of nothing but an agent's session setup holds no step of its own: the
// generator says so instead of writing an empty scenario the linter would refuse.
func TestGenerateRefusesARecordingOfSetupOnly(t *testing.T) {
	ref := startRefServer(t)
	rec, proxy := startRecorder(t, ref.URL, Options{})
	agent := newAgent(t, proxy, "agent1", testPassword)
	agent.close()
	stopRecorder(t, rec)
	out, err := generate.Generate(rec.Dir(), generate.Options{Name: "setup only"})
	if err == nil || !strings.Contains(err.Error(), "nothing to turn into steps") {
		t.Fatalf("Generate = %v\n%s", err, out)
	}
}

// The routing hint is read under the target's routing key, not a fixed RouteTo: a
// recording of a target that routes by another key gives a customer whose routeTo
// the runner sends under that key again.
func TestGenerateReadsTheTargetsRoutingKey(t *testing.T) {
	ref := startRefServer(t)
	rec, proxy := startRecorder(t, ref.URL, Options{})
	agent := newAgent(t, proxy, "agent1", testPassword)
	agent.ok(agent.call("POST", "/api/v2/me/channels/chat", `{"operationName":"Ready"}`))
	agent.await("Ready channel state", channelState("Ready"))
	c := &customerClient{t: t, base: proxy}
	if ans := c.call("POST", "/api/v2/chats", `{"operationName":"RequestChat","nickname":"Carol","userData":{"Target":"agent1"}}`); ans.Status != 200 {
		t.Fatalf("RequestChat: %d %s", ans.Status, ans.Body)
	}
	agent.await("an Invited chat", chatState("Invited"))
	agent.close()
	stopRecorder(t, rec)

	byKey, err := generate.Generate(rec.Dir(), generate.Options{Name: "routed", RouteKey: "Target"})
	if err != nil {
		t.Fatalf("%v\n%s", err, byKey)
	}
	if !strings.Contains(string(byKey), "routeTo: [agent1]") || strings.Contains(string(byKey), "body: {") {
		t.Errorf("with RouteKey Target, the hint should be the customer's routeTo, and RequestChat needs no body (the runner sends the nickname):\n%s", byKey)
	}
	byDefault, err := generate.Generate(rec.Dir(), generate.Options{Name: "routed"})
	if err != nil {
		t.Fatalf("%v\n%s", err, byDefault)
	}
	if strings.Contains(string(byDefault), "routeTo") || !strings.Contains(string(byDefault), "body: {userData: {Target: '{{agent1.username}}'}}") {
		t.Errorf("under the default key, userData.Target is an ordinary part of the body:\n%s", byDefault)
	}
}

// The run's preflight checks every account; an account it only checked did
// nothing in the scenario and is no actor (issue: a whole run's recording asked
// for eight agents).
func TestGenerateMakesNoActorOfAPreflightedAccount(t *testing.T) {
	ref := startRefServer(t)
	rec, proxy := startRecorder(t, ref.URL, Options{})
	tg := target.Default()
	tg.BaseURL = proxy
	tg.Accounts = []target.Account{{Username: "agent1", Password: testPassword}, {Username: "agent2", Password: testPassword}}
	if err := target.Preflight(t.Context(), tg); err != nil {
		t.Fatal(err)
	}
	agent := newAgent(t, proxy, "agent1", testPassword)
	agent.ok(agent.call("POST", "/api/v2/me/channels/chat", `{"operationName":"Ready"}`))
	agent.await("Ready channel state", channelState("Ready"))
	agent.close()
	stopRecorder(t, rec)

	out, err := generate.Generate(rec.Dir(), generate.Options{Name: "preflighted"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "agent1") || strings.Contains(string(out), "agent2") {
		t.Errorf("want agent1 as the only actor (agent2 was only preflighted):\n%s", out)
	}
}

// What a read lists is state of the moment: an empty chat list recorded by a GET is
// not asserted as empty (a fresh run, or another actor, may list something), only as
// a list.
func TestGeneratedReadsDoNotAssertEmptyLists(t *testing.T) {
	ref := startRefServer(t)
	rec, proxy := startRecorder(t, ref.URL, Options{})
	agent := newAgent(t, proxy, "agent1", testPassword)
	if ans := agent.call("GET", "/api/v2/me/chats", ""); ans.Status != 200 || !strings.Contains(ans.Body, "[]") {
		t.Fatalf("GET /me/chats: %d %s, want an empty list", ans.Status, ans.Body)
	}
	agent.close()
	stopRecorder(t, rec)
	out, err := generate.Generate(rec.Dir(), generate.Options{Name: "empty read"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "{$type: array}") || strings.Contains(string(out), ": []") {
		t.Fatalf("the read's empty list should be only typed:\n%s", out)
	}
}
