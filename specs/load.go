package specs

import (
	"github.com/gwsconform/gwsconform/scenarios"
)

// LoadScenarios loads the scenarios of a run and lints them. With no paths it is the
// embedded starter catalogue; paths (files or directories) replace the catalogue, or
// are added to it when add is true. Every problem is returned, each naming
// file:line; scenarios are returned only when there is none, because an invalid
// scenario is a harness error, never a target failure.
func LoadScenarios(paths []string, add bool) ([]*scenarios.Scenario, []error) {
	var scs []*scenarios.Scenario
	var err error
	if len(paths) == 0 {
		scs, err = scenarios.LoadCatalogue()
	} else {
		scs, err = scenarios.LoadDisk(add, paths...)
	}
	if err != nil {
		return nil, scenarios.Errors(err)
	}
	if problems := Lint(scs); len(problems) > 0 {
		return nil, problems
	}
	return scs, nil
}

// Lint is scenarios.Lint plus what only the suite knows: every label must be one
// Ginkgo accepts (ginkgoLabels holds that rule), or the run would stop only when
// the suite is defined. `gwsconform lint` and every run use it.
func Lint(scs []*scenarios.Scenario) []error {
	problems := scenarios.Lint(scs)
	for _, sc := range scs {
		if _, err := ginkgoLabels(sc); err != nil {
			problems = append(problems, err)
		}
	}
	return problems
}
