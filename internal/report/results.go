// Package report holds the results of one conformance run and writes them as
// results.json, JUnit XML and a static HTML page. It knows nothing about Ginkgo or
// the runner: the suite fills a Results and hands it over, so a sharded run can read
// its children's results.json back, merge them and write the same reports.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/gwsconform/gwsconform/internal/target"
)

// SuiteVersion is the version of the results format and of the scenario catalogue
// semantics the reports describe.
const SuiteVersion = "1"

// Outcome is the verdict of one scenario: the one vocabulary of the runner,
// the suite and the reports (see docs/running.md).
type Outcome string

// The four outcomes. Only Fail means "the target does not conform"; Error means
// the harness, the environment or the scenario broke.
const (
	Pass  Outcome = "pass"
	Fail  Outcome = "fail"
	Skip  Outcome = "skip"
	Error Outcome = "error"
)

// The verdict of a whole run and its process exit code.
const (
	VerdictPass  = "pass"  // exit 0
	VerdictFail  = "fail"  // exit 1
	VerdictError = "error" // exit 2
)

// Results is results.json: everything a reader needs to judge a run, no credentials.
type Results struct {
	SuiteVersion string `json:"suiteVersion"`
	// Build is the gwsconform build that ran (module version, VCS revision).
	Build Build `json:"build,omitzero"`
	// CatalogueDigest is the SHA-256 of the scenario files that were loaded
	// (see certify.CatalogueDigest): the same digest, the same scenarios.
	CatalogueDigest  string     `json:"catalogueDigest,omitempty"`
	Target           TargetInfo `json:"target"`
	DeclaredFeatures []string   `json:"declaredFeatures"`
	// Product is what the run certifies, from the target file; zero when none.
	Product target.Product `json:"product,omitzero"`
	// Claims are the verdicts on the profiles, claimed or not, that have
	// scenarios in the catalogue (internal/certify). A claimed profile that is
	// not certified fails the run.
	Claims []Claim `json:"claims,omitempty"`
	// Options are the run's resolved options, with no secret in them.
	Options *RunOptions `json:"options,omitempty"`
	// Part is set when the run played one part of a plan split across
	// machines; its claims are judged only once the parts are merged.
	// MergedFrom lists the parts a merged bundle was made of.
	Part       *Part  `json:"part,omitempty"`
	MergedFrom []Part `json:"mergedFrom,omitempty"`
	// Strict: deviations were judged as failures (docs/evidence.md).
	Strict     bool      `json:"strict,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	Duration   string    `json:"duration"`
	DurationMs int64     `json:"durationMs"`
	Counts     Counts    `json:"counts"`
	Verdict    string    `json:"verdict"`
	ExitCode   int       `json:"exitCode"`
	// SuiteErrors are errors outside any scenario (unreachable target, bad
	// credentials, a crashed shard). Any of them makes the verdict "error".
	SuiteErrors []string   `json:"suiteErrors,omitempty"`
	Scenarios   []Scenario `json:"scenarios"`
}

// TargetInfo names the target; never its credentials.
type TargetInfo struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

// Counts tallies scenario outcomes. Fail includes the expected failures (those
// listed in the target's knownFailures); ExpectedFailures and StaleKnownFailures
// say how many of them were listed and how many listed ones passed.
type Counts struct {
	Pass               int `json:"pass"`
	Fail               int `json:"fail"`
	Skip               int `json:"skip"`
	Error              int `json:"error"`
	ExpectedFailures   int `json:"expectedFailures"`
	StaleKnownFailures int `json:"staleKnownFailures"`
	// Flaky counts the passes that needed a retry (they count as Pass too).
	Flaky int `json:"flaky,omitempty"`
	// Deviations counts the deviations of all scenarios; DeviatingScenarios the
	// scenarios with at least one.
	Deviations         int `json:"deviations"`
	DeviatingScenarios int `json:"deviatingScenarios"`
}

// Scenario is the result of one scenario.
type Scenario struct {
	Name   string   `json:"name"`
	File   string   `json:"file"`
	Line   int      `json:"line"`
	Labels []string `json:"labels"`
	Refs   []string `json:"refs"`
	// Requires are the features the scenario requires.
	Requires []string `json:"requires,omitempty"`
	Outcome  Outcome  `json:"outcome"`
	Reason   string   `json:"reason,omitempty"`
	Step     string   `json:"step,omitempty"`
	// Detail is the rendered timeline of a failure: expected versus received.
	Detail      string  `json:"detail,omitempty"`
	DurationMs  float64 `json:"durationMs"`
	RoundTripMs float64 `json:"roundTripMs"`
	Requests    int     `json:"requests"`
	// ExpectedFailure: the scenario failed and the target lists it as a known failure.
	ExpectedFailure bool `json:"expectedFailure,omitempty"`
	// StaleKnownFailure: the target lists it as a known failure but it passed.
	StaleKnownFailure bool `json:"staleKnownFailure,omitempty"`
	// Transcript is the bundle's file of what was sent and received
	// (TranscriptFile), when the run wrote a bundle.
	Transcript string `json:"transcript,omitempty"`
	// Attempts is how many times it was played when the run retries
	// failures (--retries); Flaky: it failed, then passed on a retry. A flaky
	// scenario counts as passed, and fails a claim unless listed as known flaky.
	Attempts int  `json:"attempts,omitempty"`
	Flaky    bool `json:"flaky,omitempty"`
	// Shard is "k/N" when a sharded run played it in child k; empty otherwise.
	Shard string `json:"shard,omitempty"`
	// Deviations are the checks of inferred or reference evidence the target did
	// not meet; they never change the outcome (docs/evidence.md).
	Deviations []Deviation `json:"deviations,omitempty"`
}

// Deviation is one check of inferred or reference evidence that did not hold.
type Deviation struct {
	Level  string `json:"level"` // inferred or reference
	Step   string `json:"step,omitempty"`
	Place  string `json:"place"` // file:line of the expectation
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Location is the scenario's YAML position, "file:line".
func (s Scenario) Location() string {
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Place is where a person should look first: the failing step ("file:line:
// step 4 (alice Accept)") when the outcome names one, else Location.
func (s Scenario) Place() string {
	if s.Step != "" {
		return s.Step
	}
	return s.Location()
}

// Counts the scenario as a failure of the run: an unexpected failure or a stale
// known failure.
func (s Scenario) failsRun() bool {
	return (s.Outcome == Fail && !s.ExpectedFailure) || s.StaleKnownFailure
}

// MarkKnownFailure marks a scenario the target lists as a known failure: a
// failure becomes expected, a pass a stale known failure. Other outcomes are
// left alone: a skip or an error says nothing about whether the listed failure
// still exists. It is the one place the list changes an outcome's meaning.
func (s *Scenario) MarkKnownFailure() {
	s.ExpectedFailure = s.Outcome == Fail
	s.StaleKnownFailure = s.Outcome == Pass
}

// ApplyKnownFailures marks each scenario listed in known (MarkKnownFailure).
func (r *Results) ApplyKnownFailures(known []string) {
	listed := make(map[string]bool, len(known))
	for _, name := range known {
		listed[name] = true
	}
	for i := range r.Scenarios {
		if listed[r.Scenarios[i].Name] {
			r.Scenarios[i].MarkKnownFailure()
		}
	}
}

// Finish sorts the scenarios by file and line, recomputes the counts and sets the
// verdict and exit code. Call it after the last change to Scenarios or SuiteErrors.
func (r *Results) Finish() {
	if r.SuiteVersion == "" {
		r.SuiteVersion = SuiteVersion
	}
	sort.SliceStable(r.Scenarios, func(i, j int) bool {
		a, b := r.Scenarios[i], r.Scenarios[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Name < b.Name
	})
	r.Counts = Counts{}
	failed := false
	for _, s := range r.Scenarios {
		switch s.Outcome {
		case Pass:
			r.Counts.Pass++
		case Fail:
			r.Counts.Fail++
		case Skip:
			r.Counts.Skip++
		default:
			r.Counts.Error++
		}
		if s.ExpectedFailure {
			r.Counts.ExpectedFailures++
		}
		if s.StaleKnownFailure {
			r.Counts.StaleKnownFailures++
		}
		if s.Flaky {
			r.Counts.Flaky++
		}
		if len(s.Deviations) > 0 {
			r.Counts.Deviations += len(s.Deviations)
			r.Counts.DeviatingScenarios++
		}
		failed = failed || s.failsRun()
	}
	for _, c := range r.Claims {
		failed = failed || (c.Claimed && !c.Certified && r.Part == nil)
	}
	switch {
	case r.Counts.Error > 0 || len(r.SuiteErrors) > 0:
		r.Verdict, r.ExitCode = VerdictError, 2
	case failed:
		r.Verdict, r.ExitCode = VerdictFail, 1
	default:
		r.Verdict, r.ExitCode = VerdictPass, 0
	}
}

// SetDuration records the wall time of the run.
func (r *Results) SetDuration(d time.Duration) {
	r.Duration = d.Round(time.Millisecond).String()
	r.DurationMs = d.Milliseconds()
}

// Merge appends the scenarios and suite errors of other to r (the target and start
// time of r are kept). Call Finish afterwards.
func (r *Results) Merge(other *Results) {
	r.Scenarios = append(r.Scenarios, other.Scenarios...)
	r.SuiteErrors = append(r.SuiteErrors, other.SuiteErrors...)
}

// WriteJSON writes results.json to path.
func (r *Results) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results %s: %w", path, err)
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadJSON reads a results.json written by WriteJSON.
func ReadJSON(path string) (*Results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}
