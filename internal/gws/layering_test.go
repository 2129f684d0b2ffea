package gws

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gwsconform/gwsconform/"

// The model of the API sits below its consumers, and the reference server
// stays out of it: it is the independent second reading of the documentation,
// and a mistake in a model both shared would pass on both sides.
func TestLayering(t *testing.T) {
	for _, rule := range []struct {
		pkg       string
		forbidden []string
	}{
		{"internal/refserver", []string{"internal/gws"}},
		{"internal/gws", []string{"internal/runner", "scenarios", "recorder", "internal/refserver"}},
	} {
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
