package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// answerMargin is how much longer than a request step's `within` the harness
// waits for the answer. The request's own timeout must not cut a slow answer
// off at the limit: it would end as a harness error, while a late answer is a
// conformance finding the step reports as a failure, with the time it took.
const answerMargin = 5 * time.Second

// answerLimit resolves a request step's `within` (nil: no limit, 0 returned).
// Its variables are only known now: a bad or undefined one is the scenario's
// fault, an error outcome.
func (rn *run) answerLimit(step *scenarios.Step, d *scenarios.Deadline) (time.Duration, error) {
	if d == nil {
		return 0, nil
	}
	limit, err := d.Resolve(func(term string) (any, error) { return match.Expand(term, rn.vars) })
	if err != nil {
		var undefined *match.UndefinedError
		if errors.As(err, &undefined) {
			return 0, scenarioError(step, "within %q: %s", d.Text, describeUndefined(undefined.Name))
		}
		return 0, scenarioError(step, "cannot evaluate %v", err)
	}
	return limit, nil
}

// sendTimed sends a request step's request. With a limit, the request may run
// for the limit plus answerMargin (at least the target's request timeout), and
// an answer that took longer than the limit, or none at all by then, fails the
// step.
func (rn *run) sendTimed(ctx context.Context, step *scenarios.Step, a actor, req request, d *scenarios.Deadline, limit time.Duration) (*response, error) {
	if limit > 0 {
		req.timeout = limit + answerMargin
	}
	start := time.Now()
	resp, err := rn.send(ctx, a, req)
	if err != nil {
		if limit > 0 && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, targetError(step, "no answer after %s, limit %s%s", roundElapsed(time.Since(start)), limit, deadlineSource(d))
		}
		return nil, placed(step, "", err)
	}
	if limit > 0 && resp.elapsed > limit {
		return nil, targetError(step, "answered after %s, limit %s%s", roundElapsed(resp.elapsed), limit, deadlineSource(d)).
			withDetail(describeResponse(resp))
	}
	return resp, nil
}

// deadlineSource shows the expression a computed limit came from.
func deadlineSource(d *scenarios.Deadline) string {
	if d == nil || len(d.Vars) == 0 {
		return ""
	}
	return fmt.Sprintf(" (from %q)", d.Text)
}

func roundElapsed(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
