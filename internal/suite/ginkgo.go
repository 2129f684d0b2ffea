package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// errorPrefix starts every Ginkgo failure message that is a harness or environment
// error rather than a non-conformance of the target.
const errorPrefix = "ERROR (harness/environment): "

// playedElsewhere is the skip of a scenario another child of a sharded run
// claimed; it records no result, so the merged results hold the other's.
const playedElsewhere = "played by another shard"

// resultEntry names the report entry each It attaches its report.Scenario to.
const resultEntry = "gwsconform.result"

// ginkgoSuite is the Ginkgo side of a run: the nodes it registers and how each It
// records its result. Run and Define build it.
type ginkgoSuite struct {
	// Scenarios to turn into specs, already loaded and lint-clean.
	Scenarios []*scenarios.Scenario
	// Setup provides the target, preflighted (target.Preflight), so a dead target
	// is one error, not N failures: Run preflights once, before it decides
	// between this process and shards, and a shard gets the target its parent
	// preflighted; under Define, Setup preflights. It runs once, on Ginkgo process 1, before any
	// spec, with a context that lasts until the suite ends; the returned stop
	// (may be nil) runs after the last process finished.
	Setup func(ctx context.Context) (t *target.Target, stop func(), err error)
	// Shard is set in a child of `gwsconform run -p`: the accounts are partitioned by
	// it instead of by Ginkgo's parallel process, and results carry it.
	Shard Shard
	// Claims, in a child of `gwsconform run -p`, decides which of the Scenarios
	// (the shard queue, the same in every child) this child plays; the others
	// are skipped here. Nil plays them all.
	Claims *Claims
	// Retries is how many times a failing or erroring scenario is played again.
	Retries int
	// progress shows a person how far the run is; nil shows nothing.
	progress *progress
	// Bundle is the report directory each scenario's transcript goes into;
	// empty: none is kept.
	Bundle string
	// Done receives the run's results and the target Setup returned (nil when
	// it failed) on Ginkgo process 1 after every spec ran.
	Done func(*report.Results, *target.Target)
}

// define registers the suite's nodes with Ginkgo: suite setup and teardown, one It
// per scenario, and the node that assembles the results. Call it once, before
// RunSpecs. It returns an error (naming file:line) for a scenario Ginkgo would
// reject, instead of letting Ginkgo exit the process.
func (s *ginkgoSuite) define() error {
	labels := make([]Labels, len(s.Scenarios))
	var errs []error
	for i, sc := range s.Scenarios {
		var err error
		if labels[i], err = ginkgoLabels(sc); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	// Set on every process by the all-process half of SynchronizedBeforeSuite.
	var tgt *target.Target
	var accounts []target.Account
	// Set on process 1 only.
	var stop func()
	var setUp *target.Target

	SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
		// The target (an embedded server, say) must outlive this node, whose
		// context ends with it; it lives until SynchronizedAfterSuite.
		suiteCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		t, stopTarget, err := s.Setup(suiteCtx)
		stop = func() {
			if stopTarget != nil {
				stopTarget()
			}
			cancel()
		}
		if err != nil {
			Fail(errorPrefix + err.Error())
		}
		setUp = t
		// The target, credentials included, goes to the other processes through
		// Ginkgo's local parallel channel only; it is never written anywhere.
		data, err := json.Marshal(t)
		if err != nil {
			Fail(errorPrefix + "encoding the target: " + err.Error())
		}
		return data
	}, func(data []byte) {
		var t target.Target
		if err := json.Unmarshal(data, &t); err != nil {
			Fail(errorPrefix + "decoding the target: " + err.Error())
		}
		suiteConfig, _ := GinkgoConfiguration()
		process, total := suiteConfig.ParallelProcess, suiteConfig.ParallelTotal
		if s.Shard.Total > 0 {
			process, total = s.Shard.Index, s.Shard.Total
		}
		share, err := t.Partition(process, total)
		if err != nil {
			Fail(errorPrefix + err.Error())
		}
		tgt, accounts = &t, share
	})

	SynchronizedAfterSuite(func() {}, func() {
		if stop != nil {
			stop()
		}
	})

	for i, sc := range s.Scenarios {
		s.defineScenario(i, sc, labels[i], func() (*target.Target, []target.Account) { return tgt, accounts })
	}

	ReportAfterSuite("gwsconform results", func(r Report) {
		if s.Done != nil {
			s.Done(buildResults(r), setUp)
		}
	})
	return nil
}

// defineScenario registers the It of one scenario. current returns the target and
// account share, known only once the suite setup ran.
func (s *ginkgoSuite) defineScenario(i int, sc *scenarios.Scenario, labels Labels, current func() (*target.Target, []target.Account)) {
	args := []any{labels, types.CodeLocation{FileName: sc.File, LineNumber: sc.Line}}
	if sc.Serial {
		args = append(args, Serial)
	}
	if slices.Contains(sc.Labels, slowLabel) {
		// Ginkgo shuffles the order; a scenario that waits on the target starts
		// first, so its wait overlaps the others' work instead of ending the run.
		args = append(args, SpecPriority(1))
	}
	args = append(args, func(ctx SpecContext) {
		if s.Claims != nil {
			mine, err := s.Claims.Take(i)
			if err != nil {
				Fail(errorPrefix + err.Error())
			}
			if !mine {
				Skip(playedElsewhere)
			}
		}
		t, accounts := current()
		began := time.Now()
		s.progress.started(sc.Name)
		res := play(ctx, t, accounts, sc, GinkgoWriter, s.Retries, s.Bundle, func(step *scenarios.Step) {
			s.progress.step(sc.Name, fmt.Sprintf("step %d of %d, %s", step.Index, len(sc.Steps), step.Label()))
		})
		s.progress.finished(sc.Name, res.Outcome, time.Since(began))
		if s.Claims != nil {
			if err := s.Claims.Done(i, res.Outcome, time.Since(began)); err != nil {
				fmt.Fprintf(GinkgoWriter, "gwsconform: telling the parent %q finished: %v\n", sc.Name, err)
			}
		}
		res.Shard = s.Shard.String()
		AddReportEntry(resultEntry, res, ReportEntryVisibilityNever)
		switch {
		case res.StaleKnownFailure:
			Fail(fmt.Sprintf("%s: stale known failure: %q passes but the target lists it in knownFailures; remove it from the list", res.Location(), sc.Name))
		case res.ExpectedFailure:
			Skip(fmt.Sprintf("known failure (listed in the target's knownFailures): %s %s", res.Step, res.Reason))
		case res.Outcome == report.Fail || res.Outcome == report.Error:
			Fail(failureMessage(res))
		case res.Outcome == report.Skip:
			Skip(res.Reason)
		}
	})
	It(sc.Name, args...)
}

// failureRecorder is the GinkgoTestingT of a run outside `go test`.
type failureRecorder struct{ failed bool }

func (t *failureRecorder) Fail() { t.failed = true }

// run defines the suite and runs it in this process with Ginkgo's RunSpecs, then
// returns the results (not yet finished: see finish). Ginkgo allows one
// RunSpecs per process, so run too can be called once per process. Ginkgo's own
// output goes to os.Stdout.
func (s *ginkgoSuite) run(suiteConfig types.SuiteConfig, reporterConfig types.ReporterConfig) (*report.Results, error) {
	var results *report.Results
	s.Done = func(r *report.Results, _ *target.Target) { results = r }
	if err := s.define(); err != nil {
		return nil, err
	}
	RunSpecs(&failureRecorder{}, "gwsconform", suiteConfig, reporterConfig)
	if results == nil {
		return nil, errors.New("the suite ended without results (ReportAfterSuite did not run)")
	}
	return results, nil
}

// ginkgoLabels are the scenario's labels plus "feature:NAME" for each required
// feature, so `--label-filter 'consult && !feature:chats.transfer'` works.
func ginkgoLabels(sc *scenarios.Scenario) (Labels, error) {
	var out Labels
	add := func(label string) error {
		clean, err := types.ValidateAndCleanupLabel(label, types.CodeLocation{FileName: sc.File, LineNumber: sc.Line})
		if err != nil {
			return fmt.Errorf("%s:%d: label %q cannot be a Ginkgo label (it must be non-empty, hold none of & | ! , ( ) / and not start or end with ':')", sc.File, sc.Line, label)
		}
		out = append(out, clean)
		return nil
	}
	for _, l := range sc.Labels {
		if err := add(l); err != nil {
			return nil, err
		}
	}
	for _, f := range sc.Requires {
		if err := add("feature:" + f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Shard is child Index of Total in a sharded run (1-based); zero when not sharded.
type Shard struct{ Index, Total int }

func (s Shard) String() string {
	if s.Total == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Total)
}

// ParseShard reads "k/N".
func ParseShard(v string) (Shard, error) {
	var s Shard
	if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d/%d", &s.Index, &s.Total); err != nil || s.Total < 1 || s.Index < 1 || s.Index > s.Total {
		return Shard{}, fmt.Errorf("shard %q: want k/N with 1 <= k <= N", v)
	}
	return s, nil
}
