package runner

import (
	"errors"
	"fmt"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// Steps, checks and requests return plain errors. Where one is found, one of
// three constructors says whose fault it is (targetError, scenarioError,
// envError); outcomeOf alone turns that into an outcome. Wrapping an error
// (fmt.Errorf with %w) keeps whose fault it is.

// blame is whose fault a problem is.
type blame int

const (
	// blameScenario is the zero value, so that a problem built without a
	// constructor can never count against the target.
	blameScenario blame = iota // the scenario or the harness
	blameEnv                   // the environment: the network, local resources, the run being stopped
	blameTarget                // the target does not conform
)

// problem is an error with whose fault it is and what a report says of it.
type problem struct {
	blame  blame
	reason string // one line
	step   string // Step.Where() of the step it concerns, or ""
	detail string // multi-line explanation
	// unnotified: a state change was answered but its notification never came
	// (settleState then tries a change away and back).
	unnotified bool
	// unsaved: a variable the step needs was never saved (an earlier check of
	// weak evidence deviated); a weak step is then not checked, not an error.
	unsaved bool
	cause   error // what the reason was made of, for errors.Is and errors.As
}

func (p *problem) Error() string { return p.reason }
func (p *problem) Unwrap() error { return p.cause }

// targetError: the target's answer or behaviour breaks what a check demands (a
// schema violation, a wrong status, a notification that is missing, late,
// forbidden or repeated).
func targetError(step *scenarios.Step, format string, args ...any) *problem {
	return newProblem(blameTarget, step, format, args...)
}

// scenarioError: the scenario or the harness is at fault (an undefined variable,
// an unknown schema name, a broken matcher, an impossible step).
func scenarioError(step *scenarios.Step, format string, args ...any) *problem {
	return newProblem(blameScenario, step, format, args...)
}

// envError: neither the target nor the scenario can be judged, because the
// environment failed: the target unreachable, or not set up for the harness
// (its accounts refused, no session; docs/running.md counts setup among the
// errors), a limit of the harness ran out, too few accounts, the run stopped.
func envError(step *scenarios.Step, format string, args ...any) *problem {
	return newProblem(blameEnv, step, format, args...)
}

// newProblem formats with fmt.Errorf, so that a %w keeps the error it wraps
// reachable (errors.Is(err, context.DeadlineExceeded) on a request's error).
func newProblem(b blame, step *scenarios.Step, format string, args ...any) *problem {
	cause := fmt.Errorf(format, args...)
	return &problem{blame: b, reason: cause.Error(), step: where(step), cause: cause}
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

// outcomeOf is the one place an error becomes an outcome. Only an error that is
// or wraps a target error fails the target; any other (a scenario or an
// environment error, and an error no constructor made: a bug of ours, a
// library's error nobody classified) is an error outcome, never the target's
// failure.
func outcomeOf(err error) report.Outcome {
	switch {
	case err == nil:
		return report.Pass
	case problemOf(err).blame == blameTarget:
		return report.Fail
	}
	return report.Error
}

// problemOf is err as a problem: the outermost problem it is or wraps, with the
// whole message (what wrapped it included) as the reason, or a scenario error
// with err's message when it holds none. err must not be nil.
func problemOf(err error) *problem {
	var p *problem
	if !errors.As(err, &p) {
		return &problem{blame: blameScenario, reason: err.Error(), cause: err}
	}
	if p == err {
		return p
	}
	wrapped := *p
	wrapped.reason, wrapped.cause = err.Error(), err
	return &wrapped
}

// placed is an error found below the steps (a request, a transcript read) as a
// problem of step (nil: of none), with prefix before its message. Whose fault
// it was and its detail stay: an error no constructor made stays the
// harness's.
func placed(step *scenarios.Step, prefix string, err error) *problem {
	p := *problemOf(err)
	p.reason, p.cause = prefix+err.Error(), err
	if step != nil {
		p.step = where(step)
	}
	return &p
}

// invalidPayload is the outcome of a schema check of what the target sent
// (what describes it: "the answer", "setting up alice: GET /api/v2/me
// answer"): the target's failure when the payload breaks the schema, a harness
// error when the check itself could not run (an unknown schema name, a schema
// that does not compile: bugs of ours, never the target's).
func invalidPayload(step *scenarios.Step, err error, what string) *problem {
	var invalid *schemas.ValidationError
	if errors.As(err, &invalid) {
		return targetError(step, "%s %v", what, err)
	}
	return scenarioError(step, "%s could not be checked (a bug of the harness, not the target's): %v", what, err)
}

// matchProblem classifies an error from Matcher.Match that is not a plain
// mismatch: an undefined variable or a broken matcher is the scenario's fault.
func matchProblem(step *scenarios.Step, err error) *problem {
	var undefined *match.UndefinedError
	if errors.As(err, &undefined) {
		p := scenarioError(step, "%s", describeUndefined(undefined.Name))
		p.unsaved = true
		return p
	}
	return scenarioError(step, "cannot evaluate the expectation: %v", err)
}

// isMismatch reports whether a Match error only says "this value does not match".
func isMismatch(err error) bool {
	var m *match.Mismatch
	return errors.As(err, &m)
}

// streamEndProblem turns an early end of an actor's stream into a problem of
// step. Whose fault it is was decided where the stream was ended (the pump, the
// poller, the flood bound): the target's for what the endpoint did, the
// environment's when it could not be reached.
func streamEndProblem(step *scenarios.Step, a actor, err error) *problem {
	return &problem{blame: problemOf(err).blame, reason: fmt.Sprintf("%s's %s stopped: %v", a.name(), a.traits().stream, err),
		step: where(step), cause: err}
}

// isUnnotified reports whether err says a state change was answered without
// its notification.
func isUnnotified(err error) bool { return err != nil && problemOf(err).unnotified }

// isUnsaved reports whether err says a variable the check needs was never saved.
func isUnsaved(err error) bool { return err != nil && problemOf(err).unsaved }
