// Package runner plays one scenario against a target: it sets up the actors (agents
// with REST + Bayeux, customers with the customer chat API), runs the steps, checks
// every response and notification, and renders failures as aligned timelines that
// point at the scenario's YAML.
package runner

import (
	"time"

	"github.com/gwsconform/gwsconform/scenarios"
)

// Outcome is the verdict of one scenario run.
type Outcome string

// The four outcomes. Only OutcomeFail means "the target does not conform";
// OutcomeError means the harness or the environment broke.
const (
	OutcomePass  Outcome = "pass"
	OutcomeFail  Outcome = "fail"
	OutcomeSkip  Outcome = "skip"
	OutcomeError Outcome = "error"
)

// Result is what Run reports for one scenario.
type Result struct {
	Scenario *scenarios.Scenario
	Outcome  Outcome
	// Reason is one line: why the scenario failed, errored or was skipped.
	Reason string
	// Step is "file:line: step N (actor Op)" of the failing step; empty when the
	// problem is not one step's (setup, end-of-scenario checks name their own place
	// in Reason).
	Step string
	// Detail is the multi-line explanation: expected vs received, timelines.
	Detail string
	// Duration is the wall time of the run; RoundTrip the summed wall time of every
	// HTTP request the run made, and Requests their count.
	Duration  time.Duration
	RoundTrip time.Duration
	Requests  int
}
