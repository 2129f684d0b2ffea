package suite

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/runner"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// play runs one scenario against t with the given accounts and returns its
// result as the reports record it. A failure or an error is played again up to
// retries times; a scenario that then passes is flaky, never simply passed. A
// scenario that requires a feature t does not declare is skipped without
// touching the target. Known failures are applied here, the one place of a run
// that does, so the It can tell an expected failure from a real one.
//
// With a bundle directory, the transcript of the last attempt is written
// into it (report.TranscriptFile) and named in the result.
func play(ctx context.Context, t *target.Target, accounts []target.Account, sc *scenarios.Scenario, log io.Writer, retries int, bundle string, onStep func(*scenarios.Step)) report.Scenario {
	var res report.Scenario
	var transcript *report.Transcript
	var first string // why the first attempt did not pass
	for attempt := 1; ; attempt++ {
		res, transcript = playOnce(ctx, t, accounts, sc, log, bundle != "", onStep)
		if retries > 0 {
			res.Attempts = attempt
		}
		if res.Outcome != report.Fail && res.Outcome != report.Error {
			break
		}
		if first == "" {
			first = fmt.Sprintf("%s at %s: %s", res.Outcome, res.Place(), res.Reason)
		}
		if attempt > retries || ctx.Err() != nil {
			break
		}
		fmt.Fprintf(log, "gwsconform: %s: attempt %d: %s; playing it again (--retries %d)\n", sc.Name, attempt, first, retries)
	}
	if res.Outcome == report.Pass && res.Attempts > 1 {
		res.Flaky = true
		res.Reason = fmt.Sprintf("flaky: passed on attempt %d of %d; attempt 1 was a %s", res.Attempts, retries+1, first)
	}
	if t.IsKnownFailure(sc.Name) {
		res.MarkKnownFailure()
	}
	if transcript != nil {
		file, err := report.WriteTranscript(bundle, transcript)
		if err != nil {
			// The verdict stands; the bundle lacks its evidence, which verify names.
			fmt.Fprintf(log, "gwsconform: %s: writing its transcript: %v\n", sc.Name, err)
		}
		res.Transcript = file
	}
	return res
}

// playOnce is one attempt of play.
func playOnce(ctx context.Context, t *target.Target, accounts []target.Account, sc *scenarios.Scenario, log io.Writer, transcript bool, onStep func(*scenarios.Step)) (report.Scenario, *report.Transcript) {
	res := report.Scenario{
		Name: sc.Name, File: sc.File, Line: sc.Line,
		Labels: nonNil(sc.Labels), Refs: nonNil(sc.Refs), Requires: sc.Requires,
	}
	r := &runner.Runner{Target: t, Accounts: accounts, Log: log, Strict: t.Strict, Transcript: transcript, OnStep: onStep}
	out := r.Run(ctx, sc)
	res.Outcome = out.Outcome
	res.Reason, res.Step, res.Detail = out.Reason, out.Step, out.Detail
	for _, d := range out.Deviations {
		res.Deviations = append(res.Deviations, report.Deviation{
			Level: d.Level.String(), Step: d.Step, Place: d.Place, Reason: d.Reason, Detail: d.Detail,
		})
	}
	res.DurationMs = milliseconds(out.Duration)
	res.RoundTripMs = milliseconds(out.RoundTrip)
	res.Requests = out.Requests
	if res.Outcome == "" {
		res.Outcome = report.Error
		res.Reason = "the runner returned no outcome (harness bug)"
	}
	return res, out.Transcript
}

func milliseconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// failureMessage is what Ginkgo prints for a failed or errored scenario: the step
// (which names the YAML file:line), the one-line reason, then the timeline.
func failureMessage(res report.Scenario) string {
	var b strings.Builder
	if res.Outcome == report.Error {
		b.WriteString(errorPrefix)
	}
	if res.Step != "" {
		b.WriteString(res.Step)
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "%s: ", res.Location())
	}
	b.WriteString(res.Reason)
	if res.Detail != "" {
		b.WriteString("\n")
		b.WriteString(res.Detail)
	}
	return b.String()
}
