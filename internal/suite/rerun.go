package suite

import (
	"fmt"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// prepare is what a run and each of its children do before any target: check
// the filters into Ginkgo's configuration, load and lint the scenarios, select.
func prepare(o Options) (types.SuiteConfig, types.ReporterConfig, []*scenarios.Scenario, []*scenarios.Scenario, error) {
	suiteConfig, reporterConfig, err := o.Filters.GinkgoConfig()
	if err != nil {
		return suiteConfig, reporterConfig, nil, nil, err
	}
	all, err := Load(o)
	if err != nil {
		return suiteConfig, reporterConfig, nil, nil, err
	}
	selected, err := selectScenarios(o, all)
	return suiteConfig, reporterConfig, all, selected, err
}

// selectScenarios is the one selection of a run, the same in a shard child
// as in its parent: the filters, then --rerun-failed.
func selectScenarios(o Options, all []*scenarios.Scenario) ([]*scenarios.Scenario, error) {
	selected, err := o.Filters.Select(all)
	if err != nil || o.RerunFailed == "" {
		return selected, err
	}
	failed, err := failedIn(o.RerunFailed)
	if err != nil {
		return nil, err
	}
	var out []*scenarios.Scenario
	for _, sc := range selected {
		if failed[sc.Name] {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--rerun-failed %s: none of the scenarios that failed there is selected now", o.RerunFailed)
	}
	return out, nil
}

// failedIn names the scenarios of a bundle's results.json that failed (not as
// a listed known failure) or ended in error. A bundle where nothing failed is
// an error: rerunning nothing proves nothing.
func failedIn(dir string) (map[string]bool, error) {
	r, err := report.ReadJSON(filepath.Join(dir, report.JSONFile))
	if err != nil {
		return nil, fmt.Errorf("--rerun-failed %s: %w", dir, err)
	}
	failed := map[string]bool{}
	for _, s := range r.Scenarios {
		if (s.Outcome == report.Fail && !s.ExpectedFailure) || s.Outcome == report.Error {
			failed[s.Name] = true
		}
	}
	if len(failed) == 0 {
		return nil, fmt.Errorf("--rerun-failed %s: no scenario failed or ended in error there (verdict %s)", dir, r.Verdict)
	}
	return failed, nil
}
