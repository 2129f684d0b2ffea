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
	if problems := scenarios.Lint(scs); len(problems) > 0 {
		return nil, problems
	}
	return scs, nil
}
