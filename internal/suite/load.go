package suite

import (
	"fmt"

	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// ScenarioProblems are the problems of the scenario files that stopped a run
// before anything touched a target; each names file:line.
type ScenarioProblems []error

func (p ScenarioProblems) Error() string {
	return fmt.Sprintf("%d problem(s) in the scenario files; nothing was run", len(p))
}

func (p ScenarioProblems) Unwrap() []error { return p }

// Load loads the scenarios of a run and lints them. With no o.Scenarios it is
// the embedded starter catalogue; paths (files or directories) replace the
// catalogue, or are added to it with o.Add. The error is ScenarioProblems, every
// problem at once: an invalid scenario is a harness error, never a target failure.
func Load(o Options) ([]*scenarios.Scenario, error) {
	var scs []*scenarios.Scenario
	var err error
	if len(o.Scenarios) == 0 {
		scs, err = scenarios.LoadCatalogue()
	} else {
		scs, err = scenarios.LoadDisk(o.Add, o.Scenarios...)
	}
	if err != nil {
		return nil, ScenarioProblems(scenarios.Errors(err))
	}
	if problems := Lint(scs); len(problems) > 0 {
		return nil, ScenarioProblems(problems)
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
