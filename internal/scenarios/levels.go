package scenarios

import (
	"fmt"

	"github.com/gwsconform/gwsconform/internal/evidence"
)

// levelProblem is why an evidence level could not be determined.
type levelProblem struct {
	file    string
	line    int
	message string
}

// resolveLevels gives every step and expectation item the evidence level of its
// nearest citation: the item's refs, else the step's (or its fragment's), else
// the scenario's. Those that cannot be determined stay evidence.Unknown, with a
// problem for the linter.
func resolveLevels(sc *Scenario) {
	st, err := evidence.LoadStatements()
	if err != nil {
		sc.levelProblems = append(sc.levelProblems, levelProblem{sc.File, sc.Line, err.Error()})
		return
	}
	scLevel, scErr := st.Of(sc.Refs)
	if scErr != nil {
		sc.levelProblems = append(sc.levelProblems, levelProblem{sc.File, sc.Line, "refs: " + scErr.Error()})
	}
	for i := range sc.Steps {
		step := &sc.Steps[i]
		step.Level = scLevel
		if len(step.Refs) > 0 {
			level, err := st.Of(step.Refs)
			if err != nil {
				sc.levelProblems = append(sc.levelProblems, levelProblem{step.File, step.Line, fmt.Sprintf("step %d refs: %v", step.Index, err)})
			}
			step.Level = level
		}
		items := step.Expectations()
		for j := range items {
			exp := &items[j]
			exp.Level = step.Level
			if len(exp.Refs) == 0 {
				continue
			}
			level, err := st.Of(exp.Refs)
			if err != nil {
				sc.levelProblems = append(sc.levelProblems, levelProblem{exp.File, exp.Line, "refs: " + err.Error()})
			}
			exp.Level = level
		}
	}
}
