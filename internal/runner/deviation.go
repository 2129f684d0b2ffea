package runner

import (
	"fmt"
	"slices"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Deviation is a check of inferred or reference evidence that did not hold: the
// target differs from our reading of the documentation, or from the reference
// server's choice where the documentation is silent. It never fails a scenario
// unless the run is strict.
type Deviation struct {
	Level  evidence.Level
	Step   string // Step.Where() of the step it concerns, or "" at the end of a scenario
	Place  string // file:line of the expectation
	Reason string // one line
	Detail string // multi-line explanation, may be empty
}

// deviate settles a check that did not hold: binding evidence makes its error
// err (returned as is); weaker evidence records a target error as a deviation
// and lets the run go on (nil). Any other error is returned as is: only the
// target's failure can be a deviation.
func (rn *run) deviate(level evidence.Level, at string, err error) error {
	err, _ = rn.deviateIndex(level, at, err)
	return err
}

// deviateIndex is deviate that also says where in the run's deviations err was
// recorded (-1: it was not).
func (rn *run) deviateIndex(level evidence.Level, at string, err error) (error, int) {
	if outcomeOf(err) != report.Fail || level.Binding(rn.r.Strict) {
		return err, -1
	}
	p := problemOf(err)
	i := rn.addDeviation(Deviation{Level: level, Step: p.step, Place: at, Reason: p.reason, Detail: p.detail})
	rn.logf("deviation (%s) %s: %s", level, at, p.reason)
	return nil, i
}

// addDeviation records d and returns its index. Agents are set up in parallel,
// so deviations may be found by several goroutines at once.
func (rn *run) addDeviation(d Deviation) int {
	rn.devMu.Lock()
	defer rn.devMu.Unlock()
	rn.deviations = append(rn.deviations, d)
	return len(rn.deviations) - 1
}

// amendDeviation replaces the reason of the deviation at index i.
func (rn *run) amendDeviation(i int, reason string) {
	rn.devMu.Lock()
	defer rn.devMu.Unlock()
	rn.deviations[i].Reason = reason
}

// deviationsFound returns a copy of the deviations recorded so far.
func (rn *run) deviationsFound() []Deviation {
	rn.devMu.Lock()
	defer rn.devMu.Unlock()
	return slices.Clone(rn.deviations)
}

// unchecked settles a check that could not be evaluated because a variable it
// needs was never saved: below documented evidence that only happens after an
// earlier weak check deviated (the linter keeps binding checks off such
// variables), so it is recorded as not checked and the run goes on.
func (rn *run) unchecked(level evidence.Level, at string, err error) error {
	if !isUnsaved(err) || level.Binding(rn.r.Strict) {
		return err
	}
	p := problemOf(err)
	rn.addDeviation(Deviation{Level: level, Step: p.step, Place: at, Reason: "not checked: " + p.reason})
	rn.logf("not checked (%s) %s: %s", level, at, p.reason)
	return nil
}

// matchValue matches v against m as the run's evidence rules say: in a strict run
// every part must hold; otherwise the parts under $inferred and $reference may
// miss, and come back as deviations of a successful match.
func (rn *run) matchValue(m match.Matcher, v any, vars match.Vars) ([]match.Deviation, error) {
	if rn.r.Strict {
		return nil, m.Match(v, vars)
	}
	return m.MatchLenient(v, vars)
}

// recordParts records the weak parts of a successful match that did not hold.
func (rn *run) recordParts(step *scenarios.Step, level evidence.Level, at, what string, devs []match.Deviation) {
	for _, d := range devs {
		rn.addDeviation(Deviation{
			Level:  evidence.Weaker(level, d.Level),
			Step:   where(step),
			Place:  at,
			Reason: fmt.Sprintf("%s: %v", what, d),
		})
		rn.logf("deviation (%s) %s: %s: %v", evidence.Weaker(level, d.Level), at, what, d)
	}
}
