package suite

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/target"
)

// Both entry points reach the target through resolveTarget; each must be told
// in its own words, so `go test ./specs` never names a flag it does not have.
func TestResolveTargetNamesTheEntryPointsOwnSpelling(t *testing.T) {
	for _, tc := range []struct {
		names Names
		want  []string
	}{
		{Names{}, []string{"--fault/--tolerate", "--target/--target-file/GWSCONFORM_TARGET"}},
		{envNames(), []string{"GWSCONFORM_FAULTS/GWSCONFORM_TOLERATE", "drop GWSCONFORM_TARGET"}},
	} {
		o := Options{
			Overrides:     target.Overrides{BaseURL: "http://127.0.0.1:1"},
			Faults:        []string{"leave-reports-completed"},
			StartEmbedded: embedded.StartWith,
			Names:         tc.names,
		}
		_, stop, _, err := resolveTarget(context.Background(), o, nil)
		stop()
		if err == nil {
			t.Fatalf("%+v: a fault for another server was accepted", tc.names)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q does not name %q", err, w)
			}
		}
	}
}

// The embedded server declares every feature but what a variation withdraws;
// the run's own settings (features, strict, timeouts) lie over it, whichever
// entry point asked.
func TestResolveTargetLaysTheRunsSettingsOverTheEmbeddedServer(t *testing.T) {
	o := Options{
		Overrides: target.Overrides{
			Features: []string{"chats"}, Strict: true, NotificationTimeout: 2 * time.Second,
		},
		Tolerate:      []string{"customer-without-secure-key"},
		StartEmbedded: embedded.StartWith,
	}
	tg, stop, isEmbedded, err := resolveTarget(context.Background(), o, nil)
	defer stop()
	if err != nil {
		t.Fatal(err)
	}
	if !isEmbedded || !tg.Strict || tg.NotificationTimeout != 2*time.Second {
		t.Errorf("embedded %v, strict %v, timeout %s", isEmbedded, tg.Strict, tg.NotificationTimeout)
	}
	if want := []string{"chats", "-customer.secure-key"}; !slices.Equal(tg.Features, want) {
		t.Errorf("features %v, want %v", tg.Features, want)
	}
}

func TestResolveTargetWithoutAnyTargetIsAnError(t *testing.T) {
	_, stop, _, err := resolveTarget(context.Background(), Options{Names: envNames()}, nil)
	stop()
	if err == nil || !strings.Contains(err.Error(), "GWSCONFORM_TARGET") {
		t.Fatalf("err = %v, want one naming GWSCONFORM_TARGET", err)
	}
}

func TestRunRefusesProcessesItCannotStart(t *testing.T) {
	o := Options{Processes: 2, StartEmbedded: embedded.StartWith}
	results, err := Run(context.Background(), o)
	if err == nil || results != nil || !strings.Contains(err.Error(), "-p 2") {
		t.Fatalf("results %v, err %v: want an error naming -p 2", results, err)
	}
}

func TestRunStopsAtInvalidScenariosBeforeAnyTarget(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/broken.yaml", "name: broken\nsteps: [\n")
	started := false
	o := Options{
		Scenarios: []string{dir},
		StartEmbedded: func(context.Context, []string, []string) (*target.Target, func(), error) {
			started = true
			return nil, nil, nil
		},
	}
	_, err := Run(context.Background(), o)
	problems, ok := err.(ScenarioProblems)
	if !ok || len(problems) == 0 || !strings.Contains(problems[0].Error(), "broken.yaml:") {
		t.Fatalf("err %v: want ScenarioProblems naming broken.yaml:LINE", err)
	}
	if started {
		t.Error("the target was started for scenarios that do not load")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A misspelt entry of a list that names scenarios or profiles would never
// match; each is an error naming its list and suggesting the name meant.
func TestListsOfTheTargetNameWhatExists(t *testing.T) {
	all, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tg := &target.Target{KnownFailures: []string{"consult-then-transfr"}, KnownFlaky: []string{"consult-then-conferenc"}, Profiles: []string{"core"}}
	err = checkLists(tg, all)
	for _, want := range []string{`knownFailures: known failure "consult-then-transfr"`, `knownFlaky: known flaky scenario "consult-then-conferenc"`, `did you mean`, `profiles: no profile "core"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	if err := checkLists(&target.Target{KnownFailures: []string{all[0].Name}, KnownFlaky: []string{all[1].Name}, Profiles: []string{"core-chat"}}, all); err != nil {
		t.Errorf("lists naming what exists: %v", err)
	}
}
