package suite

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// checkLists checks every list of the target that names scenarios or
// profiles: knownFailures and knownFlaky name scenarios of all, profiles name
// profiles.
func checkLists(t *target.Target, all []*scenarios.Scenario) error {
	return errors.Join(
		checkScenarioNames(t.KnownFailures, cmp.Or(t.KnownFailuresFrom, "knownFailures"), "known failure", all),
		checkScenarioNames(t.KnownFlaky, "knownFlaky", "known flaky scenario", all),
		certify.CheckClaims(t.Profiles, "profiles"))
}

// checkScenarioNames is an error for every entry of list that names no
// scenario of all (the whole catalogue, before any filter: an entry for a
// scenario --focus leaves out is fine). A misspelt entry would otherwise never
// match, and the failure it was meant to excuse would fail the run, or a fixed
// one would never be reported stale.
func checkScenarioNames(list []string, from, what string, all []*scenarios.Scenario) error {
	names := make([]string, len(all))
	known := map[string]bool{}
	for i, sc := range all {
		names[i] = sc.Name
		known[sc.Name] = true
	}
	var errs []error
	for _, entry := range list {
		if !known[entry] {
			errs = append(errs, fmt.Errorf("%s: %s %q names no scenario of the catalogue%s", from, what, entry, scenarios.Suggest(entry, names)))
		}
	}
	return errors.Join(errs...)
}
