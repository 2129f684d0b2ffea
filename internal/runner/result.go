// Package runner plays one scenario against a target: it sets up the actors (agents
// with REST + Bayeux, customers with the customer chat API), runs the steps, checks
// every response and notification, and renders failures as aligned timelines that
// point at the scenario's YAML.
package runner

import (
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Result is what Run reports for one scenario.
type Result struct {
	Scenario *scenarios.Scenario
	Outcome  report.Outcome
	// Reason is one line: why the scenario failed, errored or was skipped.
	Reason string
	// Step is "file:line: step N (actor Op)" of the failing step; empty when the
	// problem is not one step's (setup, end-of-scenario checks name their own place
	// in Reason).
	Step string
	// Detail is the multi-line explanation: expected vs received, timelines.
	Detail string
	// Deviations are the checks of inferred or reference evidence that did not
	// hold; they do not change the outcome (a strict run fails on them instead).
	Deviations []Deviation
	// Duration is the wall time of the run. RoundTrip is the summed wall time of the
	// run's round trips, and Requests their count: every HTTP request to the target
	// (REST, customer transcript reads, Bayeux handshake, subscribe, unsubscribe,
	// disconnect and connects asking for an immediate answer), from sending it to
	// having read the answer; a Bayeux connect the target may hold until it has news
	// is not a round trip (its time is the target waiting, not working). Busy is the
	// part of Duration with at least one of those requests in flight (RoundTrip
	// counts overlapping requests each in full, so it can exceed Busy).
	Duration  time.Duration
	RoundTrip time.Duration
	Requests  int
	Busy      time.Duration
	// Phases divides Duration into the run's phases (setup, steps by kind, the
	// end-of-scenario checks, cleanup), for finding where the harness spends time.
	Phases []Phase
	// Transcript is what was sent and received, when Runner.Transcript asked
	// for it (nil otherwise).
	Transcript *report.Transcript
}
