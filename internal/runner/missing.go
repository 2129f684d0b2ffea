package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// missing reports expectations that were not met by their deadline. It first runs
// a barrier, so whatever the target sent by now is in the stream, then classifies
// each event: matched, unexpected (in the step's window, fits nothing), out of
// order (fits a missing expectation but came before the cursor), or late (fits
// one, after the deadline).
func (rn *run) missing(ctx context.Context, step *scenarios.Step, a actor, exps []scenarios.Expectation, deadline time.Time, stepCursor int) error {
	c := a.core()
	_, _, closed, _ := c.stream.snapshot()
	if !closed {
		if err := a.barrier(ctx, rn, step); err != nil {
			rn.logf("barrier after a missed expectation: %v", err)
		}
	}
	events, _, closed, _ := c.stream.snapshot()
	check := readOnly{rn.vars}

	marks := map[int]string{}
	var entries []missingEntry
	late, outOfOrder := 0, 0
	for i, exp := range exps {
		entry := missingEntry{place: place(exp), matcher: exp.Match.String(), vars: rn.describeVars(exp.VarRefs())}
		fits := -1 // an event in time that fits exp but was not taken
		for _, e := range events[min(c.origin, len(events)):] {
			if c.matched[e.seq] != "" || marks[e.seq] != "" {
				continue
			}
			if exp.Match.Match(e.value, check) != nil {
				continue
			}
			switch {
			case e.seq < c.cursor:
				marks[e.seq] = "out of order: fits " + place(exp) + " but came before the previous match"
				entry.note = fmt.Sprintf("received out of order as #%d", e.seq+1)
				outOfOrder++
			case e.at.After(deadline):
				marks[e.seq] = fmt.Sprintf("late: fits %s, %s after the deadline", place(exp), e.at.Sub(deadline).Round(time.Millisecond))
				entry.note = fmt.Sprintf("arrived late as #%d", e.seq+1)
				late++
			default:
				if fits < 0 {
					fits = e.seq
				}
				continue
			}
			break
		}
		if entry.note == "" && fits >= 0 && i > 0 {
			// Only an ordered list leaves a fitting event untaken: its items
			// are searched one after the other, and the search stopped earlier.
			entry.note = fmt.Sprintf("#%d fits it, but the list is ordered and %s, listed before it, is missing", fits+1, place(exps[0]))
			marks[fits] = "fits " + place(exp) + ", not taken: an item listed before it is missing"
		}
		if entry.note == "" {
			entry.closest = closestCandidate(exp.Match, events, a, deadline, check)
		}
		entries = append(entries, entry)
	}
	for _, e := range events {
		if e.seq < max(stepCursor, c.origin) || c.matched[e.seq] != "" || marks[e.seq] != "" {
			continue
		}
		if e.at.After(deadline) {
			marks[e.seq] = "after the deadline"
		} else {
			marks[e.seq] = "unexpected"
		}
	}

	tl := rn.buildTimeline(a, events, marks)
	tl.deadline = deadline.Sub(rn.start)
	tl.missing = entries

	what := a.traits().event
	first := exps[0]
	var reason string
	switch {
	case closed && late == 0 && outOfOrder == 0:
		reason = fmt.Sprintf("%s's %s ended before the expected %s (%s) %s arrived", a.name(), a.traits().stream, what, place(first), first.Match.String())
	case late > 0 && late+outOfOrder == len(exps):
		reason = fmt.Sprintf("%s: expected %s (%s) %s arrived after its deadline", a.name(), what, place(first), first.Match.String())
	case outOfOrder > 0 && late+outOfOrder == len(exps):
		reason = fmt.Sprintf("%s: expected %s (%s) %s arrived out of order", a.name(), what, place(first), first.Match.String())
	default:
		reason = fmt.Sprintf("%s: expected %s (%s) %s not received by its deadline (+%s)", a.name(), what, place(first), first.Match.String(),
			formatOffset(deadline.Sub(rn.start)))
	}
	if len(exps) > 1 {
		reason += fmt.Sprintf(" (and %d more missing)", len(exps)-1)
	}
	return targetError(step, "%s", reason).withDetail(renderTimeline(tl))
}

// closestCandidate finds the event that came nearest to matching m: the one
// whose mismatch lies deepest in the document (match.Mismatch.Closeness), among
// the actor's events of the scenario that no other expectation took. At equal
// closeness one from the cursor on that arrived in time wins, then the
// earliest. One before the cursor says so: it came before the previous match,
// so even a full match would not have counted.
func closestCandidate(m match.Matcher, events []event, a actor, deadline time.Time, vars match.Vars) string {
	c := a.core()
	best, bestScore, bestRank := "", -1, -1
	for _, e := range events[min(c.origin, len(events)):] {
		if c.matched[e.seq] != "" {
			continue
		}
		err := m.Match(e.value, vars)
		var mm *match.Mismatch
		if err == nil || !errors.As(err, &mm) {
			continue
		}
		rank := 0
		if e.seq >= c.cursor {
			rank++
			if !e.at.After(deadline) {
				rank++
			}
		}
		if score := mm.Closeness(); score > bestScore || (score == bestScore && rank > bestRank) {
			when := ""
			if e.seq < c.cursor {
				when = " (before the previous match)"
			}
			best, bestScore, bestRank = fmt.Sprintf("#%d%s: %s", e.seq+1, when, err), score, rank
		}
	}
	return best
}

// describeVars shows the values the variables of a failing expectation had, so
// a person need not work out what "{{chat}}" stood for: `chat = "02B1..."`;
// a name not set yet says so. Secure keys stay hidden, as in the transcript.
func (rn *run) describeVars(names []string) string {
	parts := make([]string, 0, len(names))
	for _, name := range names {
		value, ok := rn.vars.Lookup(name)
		switch {
		case !ok:
			parts = append(parts, name+" is not set")
		case strings.HasSuffix(strings.ToLower(name), "securekey"):
			parts = append(parts, name+" = ***")
		default:
			shown, err := json.Marshal(value)
			if err != nil {
				shown = []byte(fmt.Sprint(value))
			}
			parts = append(parts, name+" = "+clip(string(shown), summaryWidth))
		}
	}
	return strings.Join(parts, ", ")
}
