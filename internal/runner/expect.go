package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// neverCheck is a `never` expectation: no event from seq `from` on may match.
type neverCheck struct {
	exp  scenarios.Expectation
	from int
	step *scenarios.Step
}

// onceCheck is an expectation marked once: besides the event it matched, no
// other event may match it.
type onceCheck struct {
	exp     scenarios.Expectation
	matched int
	step    *scenarios.Step
}

func place(exp scenarios.Expectation) string { return fmt.Sprintf("%s:%d", exp.File, exp.Line) }

// deadlineOf is when exp must have been received: its own within, else the step's,
// else the target's notification timeout, counted from the step's start.
func (rn *run) deadlineOf(exp scenarios.Expectation, stepWithin time.Duration, start time.Time) time.Time {
	within := exp.Within
	if within == 0 {
		within = stepWithin
	}
	if within == 0 {
		within = rn.t.NotificationWait()
	}
	return start.Add(within)
}

// expectOrdered matches exps one after the other, each a forward search from the
// actor's cursor; the cursor moves past each match.
func (rn *run) expectOrdered(ctx context.Context, step *scenarios.Step, a actor, exps []scenarios.Expectation, stepWithin time.Duration, start time.Time) error {
	c := a.core()
	stepCursor := c.cursor
	for i, exp := range exps {
		deadline := rn.deadlineOf(exp, stepWithin, start)
		found, parts, err := rn.search(ctx, step, a, exp, deadline)
		if err != nil {
			if err = rn.unchecked(exp.Level, place(exp), err); err != nil {
				return err
			}
			continue
		}
		if found < 0 {
			if exp.Level.Binding(rn.r.Strict) {
				return rn.missing(ctx, step, a, bindingOnly(exps[i:], rn.r.Strict), deadline, stepCursor)
			}
			// A weak item that did not come is a deviation; the cursor stays,
			// so the items after it are searched from the same place.
			rn.deviate(exp.Level, place(exp), rn.missing(ctx, step, a, exps[i:i+1], deadline, stepCursor))
			continue
		}
		if err := rn.accept(step, a, exp, found, parts); err != nil {
			return err
		}
		c.cursor = found + 1
	}
	return nil
}

// bindingOnly keeps the expectations whose failure fails the target (the first
// is always binding when called): the weak ones are reported on their own.
func bindingOnly(exps []scenarios.Expectation, strict bool) []scenarios.Expectation {
	var out []scenarios.Expectation
	for _, e := range exps {
		if e.Level.Binding(strict) {
			out = append(out, e)
		}
	}
	return out
}

// search waits until an event at or after the cursor matches exp, and returns its
// seq, or -1 when the deadline passed.
func (rn *run) search(ctx context.Context, step *scenarios.Step, a actor, exp scenarios.Expectation, deadline time.Time) (int, []match.Deviation, error) {
	c := a.core()
	found, next := -1, c.cursor
	var evalErr error
	var parts []match.Deviation
	result, decided := rn.waitOn(ctx, step, a, deadline, func(events []event) bool {
		for ; next < len(events); next++ {
			devs, err := rn.matchValue(exp.Match, events[next].value, rn.vars)
			if err == nil {
				found, parts = next, devs
				return true
			}
			if !isMismatch(err) {
				evalErr = err
				return true
			}
		}
		return false
	})
	if evalErr != nil {
		return -1, nil, matchProblem(step, evalErr)
	}
	if decided != nil {
		return -1, nil, decided
	}
	switch result {
	case waitFound:
		return found, parts, nil
	case waitCanceled:
		return -1, nil, rn.canceled(step, ctx)
	case waitClosed:
		_, _, _, err := c.stream.snapshot()
		if err != nil {
			return -1, nil, streamEndProblem(step, a, err)
		}
	}
	return -1, nil, nil
}

// accept records a match: the timeline mark, the weak parts that missed, saves,
// and a once check.
func (rn *run) accept(step *scenarios.Step, a actor, exp scenarios.Expectation, seq int, parts []match.Deviation) error {
	c := a.core()
	events, _, _, _ := c.stream.snapshot()
	c.matched[seq] = place(exp)
	what := fmt.Sprintf("%s's %s #%d", a.name(), a.traits().event, seq+1)
	rn.recordParts(step, exp.Level, place(exp), what, parts)
	if exp.Once {
		c.onces = append(c.onces, onceCheck{exp: exp, matched: seq, step: step})
	}
	return rn.deviate(exp.Level, place(exp), rn.saveFrom(step, events[seq].value, exp.Save, what))
}

// expectSet matches exps in any order, each to a different event at or after the
// cursor; the cursor then moves past the last event used.
func (rn *run) expectSet(ctx context.Context, step *scenarios.Step, a actor, exps []scenarios.Expectation, stepWithin time.Duration, start time.Time) error {
	c := a.core()
	stepCursor := c.cursor
	deadlines := make([]time.Time, len(exps))
	last := start
	for i, exp := range exps {
		deadlines[i] = rn.deadlineOf(exp, stepWithin, start)
		if deadlines[i].After(last) {
			last = deadlines[i]
		}
	}
	assigned := make([]int, len(exps)) // event seq per expectation, -1 = none yet
	for i := range assigned {
		assigned[i] = -1
	}
	parts := make([][]match.Deviation, len(exps))
	used := map[int]bool{}
	remaining, next := len(exps), c.cursor
	var evalErr error
	result, decided := rn.waitOn(ctx, step, a, last, func(events []event) bool {
		// An item may use a variable another item of the set saves: it cannot be
		// decided until that one has matched, so a pass that matched something
		// after an item waited on a variable searches again from the cursor.
		for {
			matched, waited := false, false
			for ; next < len(events); next++ {
				for i, exp := range exps {
					if assigned[i] >= 0 || used[next] || events[next].at.After(deadlines[i]) {
						continue
					}
					devs, err := rn.matchValue(exp.Match, events[next].value, rn.vars)
					if err == nil {
						assigned[i], used[next], parts[i] = next, true, devs
						remaining--
						matched = true
						_ = rn.saveFrom(step, events[next].value, exp.Save, "") // accept reports a missing value
						break
					}
					var undefined *match.UndefinedError
					if errors.As(err, &undefined) && savedBySet(exps, assigned, undefined.Name) {
						waited = true
						continue
					}
					if !isMismatch(err) {
						evalErr = err
						return true
					}
				}
			}
			if !matched || !waited || remaining == 0 {
				break
			}
			next = c.cursor
		}
		return remaining == 0
	})
	if evalErr != nil {
		return matchProblem(step, evalErr)
	}
	if decided != nil {
		return decided
	}
	switch result {
	case waitCanceled:
		return rn.canceled(step, ctx)
	case waitClosed:
		if _, _, _, err := c.stream.snapshot(); err != nil {
			return streamEndProblem(step, a, err)
		}
	}
	if remaining > 0 {
		rn.reassign(step, a, exps, deadlines, assigned, parts)
	}
	maxSeq := c.cursor - 1
	for i, seq := range assigned {
		if seq < 0 {
			continue
		}
		if err := rn.accept(step, a, exps[i], seq, parts[i]); err != nil {
			return err
		}
		maxSeq = max(maxSeq, seq)
	}
	var binding []scenarios.Expectation
	for i, seq := range assigned {
		switch {
		case seq >= 0:
		case exps[i].Level.Binding(rn.r.Strict):
			binding = append(binding, exps[i])
		default:
			rn.deviate(exps[i].Level, place(exps[i]), rn.missing(ctx, step, a, exps[i:i+1], last, stepCursor))
		}
	}
	if len(binding) > 0 {
		return rn.missing(ctx, step, a, binding, last, stepCursor)
	}
	c.cursor = maxSeq + 1
	return nil
}

// reassign completes a set whose first-come assignment left items without an
// event although a complete one exists: an event that fits two items went to the
// first, and the other fits nothing else. It moves events between items along
// augmenting paths (Kuhn's algorithm, as $contains does for array elements),
// probing without saving, then matches each moved item for real so its saves
// and weak parts are those of its new event. It runs once the wait is over, so
// a set only this can complete costs its deadline but never a false failure.
func (rn *run) reassign(step *scenarios.Step, a actor, exps []scenarios.Expectation, deadlines []time.Time, assigned []int, parts [][]match.Deviation) {
	c := a.core()
	events, _, _, _ := c.stream.snapshot()
	probe := readOnly{rn.vars}
	fits := make([][]int, len(exps))
	for i, exp := range exps {
		for seq := c.cursor; seq < len(events); seq++ {
			if events[seq].at.After(deadlines[i]) {
				continue
			}
			if _, err := rn.matchValue(exp.Match, events[seq].value, probe); err == nil {
				fits[i] = append(fits[i], seq)
			}
		}
	}
	owner := map[int]int{}
	for i, seq := range assigned {
		if seq >= 0 {
			owner[seq] = i
		}
	}
	before := append([]int(nil), assigned...)
	var augment func(i int, seen map[int]bool) bool
	augment = func(i int, seen map[int]bool) bool {
		for _, seq := range fits[i] {
			if seen[seq] {
				continue
			}
			seen[seq] = true
			if j, taken := owner[seq]; !taken || augment(j, seen) {
				owner[seq], assigned[i] = i, seq
				return true
			}
		}
		return false
	}
	for i := range exps {
		if assigned[i] < 0 {
			augment(i, map[int]bool{})
		}
	}
	for i, seq := range assigned {
		if seq >= 0 && seq != before[i] {
			parts[i], _ = rn.matchValue(exps[i].Match, events[seq].value, rn.vars)
			_ = rn.saveFrom(step, events[seq].value, exps[i].Save, "") // accept reports a missing value
		}
	}
}

// savedBySet says whether an item of the set not yet matched saves name.
func savedBySet(exps []scenarios.Expectation, assigned []int, name string) bool {
	for i, e := range exps {
		if assigned[i] < 0 && e.Saves(name) {
			return true
		}
	}
	return false
}

// addNevers registers a never step's expectations.
func (rn *run) addNevers(step *scenarios.Step, a actor) {
	c := a.core()
	for _, exp := range step.Action.(*scenarios.NeverStep).Items {
		from := c.origin
		if exp.FromHere {
			from = c.stream.len()
		}
		c.nevers = append(c.nevers, neverCheck{exp: exp, from: from, step: step})
	}
}

// checkForbidden checks the actor's never and once expectations against
// everything received so far (call it after a barrier).
func (rn *run) checkForbidden(step *scenarios.Step, a actor) error {
	c := a.core()
	events, _, _, _ := c.stream.snapshot()
	check := readOnly{rn.vars}
	var err error
	if c.nevers, err = settle(rn, c.nevers, func(n neverCheck) (scenarios.Expectation, error) {
		return n.exp, rn.neverViolated(step, a, n, events, check)
	}); err != nil {
		return err
	}
	c.onces, err = settle(rn, c.onces, func(o onceCheck) (scenarios.Expectation, error) {
		return o.exp, rn.onceViolated(step, a, o, events, check)
	})
	return err
}

// settle evaluates standing checks (never, once): a violated weak one is
// reported once as a deviation and dropped; a violated binding one ends the run
// and stays. It returns the checks that still stand.
func settle[T any](rn *run, checks []T, violated func(T) (scenarios.Expectation, error)) ([]T, error) {
	var kept []T
	for i, c := range checks {
		exp, err := violated(c)
		if outcomeOf(err) == report.Fail && !exp.Level.Binding(rn.r.Strict) {
			rn.deviate(exp.Level, place(exp), err)
			continue
		}
		if err != nil {
			return append(kept, checks[i:]...), err
		}
		kept = append(kept, c)
	}
	return kept, nil
}

// neverViolated checks one never expectation against events.
func (rn *run) neverViolated(step *scenarios.Step, a actor, n neverCheck, events []event, check match.Vars) error {
	for _, e := range events[min(n.from, len(events)):] {
		err := n.exp.Match.Match(e.value, check)
		if err == nil {
			return rn.forbidden(step, a, n.step, fmt.Sprintf("%s received #%d, which matches never (%s) %s",
				a.name(), e.seq+1, place(n.exp), n.exp.Match.String()), events, map[int]string{e.seq: "FORBIDDEN by never " + place(n.exp)})
		}
		if !isMismatch(err) {
			return matchProblem(n.step, err)
		}
	}
	return nil
}

// onceViolated checks one once expectation against events.
func (rn *run) onceViolated(step *scenarios.Step, a actor, o onceCheck, events []event, check match.Vars) error {
	c := a.core()
	marks := map[int]string{}
	for _, e := range events[min(c.origin, len(events)):] {
		if e.seq == o.matched {
			continue
		}
		err := o.exp.Match.Match(e.value, check)
		if err == nil {
			marks[e.seq] = "SECOND MATCH of once " + place(o.exp)
		} else if !isMismatch(err) {
			return matchProblem(o.step, err)
		}
	}
	if len(marks) > 0 {
		marks[o.matched] = "matched once " + place(o.exp)
		return rn.forbidden(step, a, o.step, fmt.Sprintf("%s received %d more notification(s) matching once (%s) %s",
			a.name(), len(marks)-1, place(o.exp), o.exp.Match.String()), events, marks)
	}
	return nil
}

// forbidden builds the failure for a never/once violation, reported at the step
// that declared it.
func (rn *run) forbidden(at *scenarios.Step, a actor, declared *scenarios.Step, reason string, events []event, marks map[int]string) error {
	tl := rn.buildTimeline(a, events, marks)
	p := targetError(declared, "%s", reason).withDetail(renderTimeline(tl))
	if at != nil && declared != nil && at != declared {
		p.detail = "checked at " + at.Where() + "\n" + p.detail
	}
	return p
}

// checkStreams reports schema violations and early ends of any actor's stream
// since the last check; step is the step that just ran (nil at the end).
func (rn *run) checkStreams(step *scenarios.Step) error {
	for _, a := range rn.order {
		events, _, _, _ := a.core().stream.snapshot()
		if err := rn.checkStream(step, a, events); err != nil {
			return err
		}
	}
	return nil
}

// checkStream checks what actor a received since its last check: every payload
// against its schema, its kind's delivery rules (checkDelivery: an agent's
// duplicate checks), and an early end of the stream. A
// problem found here decides the scenario's verdict whatever comes next, so the
// waits call it too (waitOn) and end at once instead of at their deadline.
func (rn *run) checkStream(step *scenarios.Step, a actor, events []event) error {
	c := a.core()
	rn.checkMu.Lock()
	defer rn.checkMu.Unlock()
	for ; c.checked < len(events); c.checked++ {
		e := events[c.checked]
		if e.invalid != nil {
			c.checked++
			return invalidPayload(step, e.invalid, fmt.Sprintf("%s received an invalid %s #%d (%s):", a.name(), a.traits().event, e.seq+1, e.channel)).
				withDetail("received: " + abbreviate(compactJSON(e.value), 2000))
		}
	}
	if err := a.checkDelivery(rn, step, events); err != nil {
		return err
	}
	if _, _, closed, err := c.stream.snapshot(); closed && err != nil && !c.reportedEnd {
		c.reportedEnd = true
		return streamEndProblem(step, a, err)
	}
	return nil
}
