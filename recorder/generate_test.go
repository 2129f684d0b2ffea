package recorder

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gwsconform/gwsconform/scenarios"
)

func TestGeneratedScenarioLoadsAndLints(t *testing.T) {
	rec, _ := recordChatSession(t, Options{})
	out, err := Generate(rec.Dir(), GenerateOptions{Name: "recorded chat"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("generated:\n%s", out)
	scs, err := scenarios.Load(fstest.MapFS{"s.yaml": {Data: out}}, "s.yaml")
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
	out, err := Generate(rec.Dir(), GenerateOptions{Name: "setup only"})
	if err == nil || !strings.Contains(err.Error(), "nothing to turn into steps") {
		t.Fatalf("Generate = %v\n%s", err, out)
	}
}
