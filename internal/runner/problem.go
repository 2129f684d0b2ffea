package runner

import (
	"errors"
	"fmt"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// problem ends a run early with an outcome other than pass.
type problem struct {
	outcome report.Outcome
	reason  string // one line
	step    string // Step.Where() of the step it concerns, or ""
	detail  string // multi-line explanation
	// unnotified: a state change was answered but its notification never came
	// (settleState then tries a change away and back).
	unnotified bool
	// unsaved: a variable the step needs was never saved (an earlier check of
	// weak evidence deviated); a weak step is then not checked, not an error.
	unsaved bool
}

func (p *problem) Error() string { return p.reason }

// failure: the target does not conform.
func failure(step *scenarios.Step, format string, args ...any) *problem {
	return &problem{outcome: report.Fail, reason: fmt.Sprintf(format, args...), step: where(step)}
}

// harnessError: the harness, the environment or the scenario is at fault.
func harnessError(step *scenarios.Step, format string, args ...any) *problem {
	return &problem{outcome: report.Error, reason: fmt.Sprintf(format, args...), step: where(step)}
}

func (p *problem) withDetail(detail string) *problem {
	p.detail = detail
	return p
}

func where(step *scenarios.Step) string {
	if step == nil {
		return ""
	}
	return step.Where()
}

// invalidPayload is the outcome of a schema check of what the target sent
// (what describes it: "the answer", "setting up alice: GET /api/v2/me
// answer"): the target's failure when the payload breaks the schema, a harness
// error when the check itself could not run (an unknown schema name, a schema
// that does not compile: bugs of ours, never the target's).
func invalidPayload(step *scenarios.Step, err error, what string) *problem {
	var invalid *schemas.ValidationError
	if errors.As(err, &invalid) {
		return failure(step, "%s %v", what, err)
	}
	return harnessError(step, "%s could not be checked (a bug of the harness, not the target's): %v", what, err)
}

// matchProblem classifies an error from Matcher.Match that is not a plain
// mismatch: an undefined variable or a broken matcher is the scenario's fault.
func matchProblem(step *scenarios.Step, err error) *problem {
	var undefined *match.UndefinedError
	if errors.As(err, &undefined) {
		p := harnessError(step, "%s", describeUndefined(undefined.Name))
		p.unsaved = true
		return p
	}
	return harnessError(step, "cannot evaluate the expectation: %v", err)
}

// isMismatch reports whether a Match error only says "this value does not match".
func isMismatch(err error) bool {
	var m *match.Mismatch
	return errors.As(err, &m)
}

// envError marks a failure of the environment (network, local resources) as
// opposed to a target answer that breaks the contract.
type envError struct{ err error }

func (e *envError) Error() string { return e.err.Error() }
func (e *envError) Unwrap() error { return e.err }

// streamEndProblem turns an early end of an actor's stream into an outcome.
func streamEndProblem(step *scenarios.Step, a *actor, err error) *problem {
	var env *envError
	if errors.As(err, &env) {
		return harnessError(step, "%s's %s stopped: %v", a.name(), a.streamName(), err)
	}
	return failure(step, "%s's %s stopped: %v", a.name(), a.streamName(), err)
}
