package modcheck

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gwsconform/gwsconform/"

// The model of the API sits below its consumers, and the reference server
// stays out of it: it is the independent second reading of the documentation,
// and a mistake in a model both shared would pass on both sides. Only
// internal/embedded (the default target) and the entry points (cmd, specs)
// meet both: the harness (runner, suite, scenarios, target, the recording
// packages, matchers, reports) never depends on the reference server, nor the
// server on the harness.
//
// The recording packages are split as go-vcr splits its cassette from its
// recorder: internal/fixture is the format and depends on none of the others;
// the proxy (recorder), the mock target (replay) and generation (generate) each
// build on the format alone, so none of them drags in another.
func TestLayering(t *testing.T) {
	harness := []string{"internal/gws", "internal/runner", "internal/suite", "internal/scenarios", "internal/target", "internal/fixture", "internal/recorder", "internal/replay", "internal/generate", "internal/match", "internal/report", "internal/evidence", "internal/certify", "internal/testhttp"}
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"internal/refserver", harness},
		{"internal/gws", []string{"internal/runner", "internal/scenarios", "internal/fixture", "internal/recorder", "internal/refserver"}},
		{"internal/fixture", []string{"internal/recorder", "internal/replay", "internal/generate", "internal/scenarios", "internal/runner"}},
		{"internal/recorder", []string{"internal/replay", "internal/generate", "internal/scenarios", "internal/runner"}},
		{"internal/replay", []string{"internal/recorder", "internal/generate", "internal/scenarios", "internal/runner"}},
		{"internal/generate", []string{"internal/recorder", "internal/replay", "internal/runner"}},
	}
	for _, pkg := range harness {
		rules = append(rules, struct {
			pkg       string
			forbidden []string
		}{pkg, []string{"internal/refserver", "internal/embedded"}})
	}
	for _, rule := range rules {
		deps := goListDeps(t, rule.pkg)
		for _, f := range rule.forbidden {
			if slices.Contains(deps, module+f) {
				t.Errorf("%s depends on %s", rule.pkg, f)
			}
		}
	}
}

// goListDeps lists what pkg's non-test code depends on.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the layering check needs the go command: %v", err)
	}
	cmd := exec.Command("go", "list", "-deps", module+pkg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
