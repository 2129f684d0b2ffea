package suite

import (
	"errors"
	"fmt"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// CheckKnownFailures is an error for every knownFailures entry that names no
// scenario of all (the whole catalogue, before any filter: an entry for a
// scenario --focus leaves out is fine). A misspelt entry would otherwise never
// match, and the failure it was meant to excuse would fail the run, or a fixed
// one would never be reported stale.
func CheckKnownFailures(t *target.Target, all []*scenarios.Scenario) error {
	names := make([]string, len(all))
	known := map[string]bool{}
	for i, sc := range all {
		names[i] = sc.Name
		known[sc.Name] = true
	}
	from := t.KnownFailuresFrom
	if from == "" {
		from = "knownFailures"
	}
	var errs []error
	for _, entry := range t.KnownFailures {
		if !known[entry] {
			errs = append(errs, fmt.Errorf("%s: known failure %q names no scenario of the catalogue%s", from, entry, scenarios.Suggest(entry, names)))
		}
	}
	return errors.Join(errs...)
}

// checkLists checks every list of the target that names scenarios or
// profiles: knownFailures and knownFlaky name scenarios of all, profiles name
// profiles.
func checkLists(t *target.Target, all []*scenarios.Scenario) error {
	flaky := *t
	flaky.KnownFailures, flaky.KnownFailuresFrom = t.KnownFlaky, "knownFlaky"
	return errors.Join(CheckKnownFailures(t, all), CheckKnownFailures(&flaky, all), certify.CheckClaims(t.Profiles, "profiles"))
}
