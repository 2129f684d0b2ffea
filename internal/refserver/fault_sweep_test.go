package refserver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/runner"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// The fault sweep proves the catalogue and the reference server keep each other
// honest: the clean server passes every scenario, each named fault makes the
// scenario meant to catch it fail (a conformance failure, not a harness error), and
// each tolerated variation still passes the whole catalogue.

// sweepTimeout bounds one scenario run, so a hung scenario fails the test instead
// of the whole go test binary.
const sweepTimeout = 60 * time.Second

func loadCatalogue(t *testing.T) map[string]*scenarios.Scenario {
	t.Helper()
	scs, err := scenarios.LoadCatalogue()
	if err != nil {
		t.Fatalf("loading the embedded catalogue: %v", err)
	}
	byName := make(map[string]*scenarios.Scenario, len(scs))
	for _, sc := range scs {
		byName[sc.Name] = sc
	}
	return byName
}

// playOn starts an embedded server with cfg and plays scs one after the other,
// with customers of customerAPI ("" = gws); a scenario that requires GMS
// customers gets them whatever customerAPI says (the server serves both).
func playOn(cfg refserver.Config, scs []*scenarios.Scenario, customerAPI string) ([]runner.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout*time.Duration(len(scs)))
	defer cancel()
	tg, stop, err := embedded.Start(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded server with %+v: %w", cfg, err)
	}
	defer stop()
	gms := *tg
	gms.CustomerAPI = target.CustomerGMS
	if customerAPI == target.CustomerGMS {
		tg = &gms
	}
	results := make([]runner.Result, 0, len(scs))
	for _, sc := range scs {
		r := &runner.Runner{Target: tg}
		if slices.Contains(sc.Requires, string(gws.FeatureGMS)) {
			r.Target = &gms
		}
		sctx, cancelOne := context.WithTimeout(ctx, sweepTimeout)
		results = append(results, r.Run(sctx, sc))
		cancelOne()
	}
	return results, nil
}

// gmsSkip: a scenario that requires the GWS customer API skips when the
// customers use GMS.
func gmsSkip(res runner.Result) bool {
	return res.Outcome == report.Skip && strings.Contains(res.Reason, string(gws.FeatureGWSCustomer))
}

func describe(res runner.Result) string {
	return fmt.Sprintf("%s:%d %q: %s: %s %s\n%s", res.Scenario.File, res.Scenario.Line,
		res.Scenario.Name, res.Outcome, res.Step, res.Reason, res.Detail)
}

// sortedScenarios is the catalogue in a stable order.
func sortedScenarios(byName map[string]*scenarios.Scenario) []*scenarios.Scenario {
	scs := make([]*scenarios.Scenario, 0, len(byName))
	for _, sc := range byName {
		scs = append(scs, sc)
	}
	for i := 1; i < len(scs); i++ {
		for j := i; j > 0 && scs[j].Name < scs[j-1].Name; j-- {
			scs[j], scs[j-1] = scs[j-1], scs[j]
		}
	}
	return scs
}

func TestFaultRegistry(t *testing.T) {
	byName := loadCatalogue(t)
	faults := refserver.Faults()
	if len(faults) < 30 {
		t.Errorf("%d faults, want at least 30", len(faults))
	}
	seen := map[string]bool{}
	for _, f := range append(refserver.Faults(), refserver.Tolerations()...) {
		if seen[f.Name] {
			t.Errorf("%s is registered twice", f.Name)
		}
		seen[f.Name] = true
		if strings.TrimSpace(f.Description) == "" || strings.Contains(f.Description, "\n") {
			t.Errorf("%s: want a one-line description, got %q", f.Name, f.Description)
		}
	}
	for _, f := range faults {
		switch {
		case f.AwaitingScenario() && byName[f.Scenario] != nil:
			t.Errorf("fault %s is marked as awaiting scenario %q, which is in the catalogue now: take it out of awaitingScenario so the sweep checks it", f.Name, f.Scenario)
		case f.AwaitingScenario():
			// Its scenario is still to be written (awaitingScenario); the sweep lists it as skipped.
		case byName[f.Scenario] == nil:
			t.Errorf("fault %s names scenario %q, which is not in the catalogue", f.Name, f.Scenario)
		}
	}
	for _, f := range refserver.Tolerations() {
		if f.Scenario != "" {
			t.Errorf("toleration %s names scenario %q; tolerations are checked against the whole catalogue", f.Name, f.Scenario)
		}
	}
}

// checkCaught: a fault caught by a documented check fails its scenario; one its
// scenario can notice only with weaker evidence (Fault.CaughtAt) passes it with a
// deviation of that level, which must be there. A deviation alone never counts
// as catching a documented fault.
func checkCaught(t *testing.T, f refserver.Fault, res runner.Result) {
	t.Helper()
	if f.CaughtAt() != "documented" {
		if res.Outcome != report.Pass {
			t.Errorf("fault %s is caught at %s level: want its scenario to pass with a deviation, got %s\n%s", f.Name, f.CaughtAt(), res.Outcome, describe(res))
		}
		for _, d := range res.Deviations {
			if d.Level.String() == f.CaughtAt() {
				return
			}
		}
		t.Errorf("fault %s (%s): want a %s-level deviation from scenario %q, got %v\n%s", f.Name, f.Description, f.CaughtAt(), res.Scenario.Name, res.Deviations, describe(res))
		return
	}
	if res.Outcome == report.Fail {
		return
	}
	hint := ""
	if len(res.Deviations) > 0 {
		hint = fmt.Sprintf("\nonly checks of weaker evidence noticed it (%d deviation(s), first: %s %s): a fault must be caught by a documented check, be marked in caughtBelowDocumented, or be a tolerated variation",
			len(res.Deviations), res.Deviations[0].Place, res.Deviations[0].Reason)
	}
	t.Errorf("fault %s (%s): want scenario %q to fail, got %s%s\n%s", f.Name, f.Description, res.Scenario.Name, res.Outcome, hint, describe(res))
}

// sweepJob is one embedded server with a configuration and the scenarios it plays.
type sweepJob struct {
	name      string
	cfg       refserver.Config
	scenarios []*scenarios.Scenario
	customer  string // the customer API of the scenarios that do not require one
	check     func(t *testing.T, res runner.Result)
	results   []runner.Result
	err       error
	took      time.Duration
}

// sweepConcurrency is how many embedded servers play at once. Most of a run is
// waiting (for notifications, or for a deadline when a fault hides one), so it is
// well above the core count.
const sweepConcurrency = 8

// chunkSize splits a whole-catalogue run over several servers, so the slow ones
// (delayed notifications) do not set the pace of the sweep.
const chunkSize = 12

func TestFaultSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault sweep plays the catalogue many times")
	}
	byName := loadCatalogue(t)
	all := sortedScenarios(byName)

	var jobs []*sweepJob
	// Each whole-catalogue check runs with both kinds of customer: the scenarios
	// only the GWS customer API can express skip under GMS (gmsSkip).
	wholeCatalogue := func(name string, cfg refserver.Config, check func(*testing.T, runner.Result)) {
		for _, api := range []string{target.CustomerGWS, target.CustomerGMS} {
			judge := check
			if api == target.CustomerGMS {
				judge = func(t *testing.T, res runner.Result) {
					if !gmsSkip(res) {
						check(t, res)
					}
				}
			}
			for start := 0; start < len(all); start += chunkSize {
				part := all[start:min(start+chunkSize, len(all))]
				jobs = append(jobs, &sweepJob{name: fmt.Sprintf("%s/%s customers/part %d", name, api, start/chunkSize+1), cfg: cfg, scenarios: part, customer: api, check: judge})
			}
		}
	}
	// The reference server makes the choices the reference-level checks state, so
	// it passes them all: no deviation either.
	wholeCatalogue("clean server passes the catalogue", refserver.Config{}, func(t *testing.T, res runner.Result) {
		if res.Outcome != report.Pass {
			t.Errorf("%s", describe(res))
		}
		for _, d := range res.Deviations {
			t.Errorf("%s: the reference server deviates from its own reference-level check: %s %s", res.Scenario.Name, d.Place, d.Reason)
		}
	})
	var awaiting []refserver.Fault
	for _, f := range refserver.Faults() {
		sc := byName[f.Scenario]
		if sc == nil {
			if f.AwaitingScenario() {
				awaiting = append(awaiting, f)
			}
			continue // TestFaultRegistry reports the others
		}
		jobs = append(jobs, &sweepJob{name: "fault " + f.Name, cfg: refserver.Config{Faults: []string{f.Name}},
			scenarios: []*scenarios.Scenario{sc}, check: func(t *testing.T, res runner.Result) {
				checkCaught(t, f, res)
			}})
	}
	// A legal variation passes the whole catalogue; where it departs from the
	// reference server's choices the run lists deviations, which is their purpose.
	for _, tol := range refserver.Tolerations() {
		wholeCatalogue("tolerate "+tol.Name, refserver.Config{Tolerate: []string{tol.Name}}, func(t *testing.T, res runner.Result) {
			// A variation that takes a feature away (no secureKey, asynchronous
			// unknown targets) skips the scenarios that require it.
			if res.Outcome == report.Skip && strings.Contains(res.Reason, "does not declare feature") {
				return
			}
			if res.Outcome != report.Pass {
				t.Errorf("tolerating %s (%s):\n%s", tol.Name, tol.Description, describe(res))
			}
			for _, d := range res.Deviations {
				t.Logf("deviation (%s) %s %s: %s", d.Level, d.Place, res.Scenario.Name, d.Reason)
			}
		})
	}

	// Play every job, sweepConcurrency at a time, then report each as a subtest.
	sem := make(chan struct{}, sweepConcurrency)
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			job.results, job.err = playOn(job.cfg, job.scenarios, job.customer)
			job.took = time.Since(start)
		}()
	}
	wg.Wait()
	for _, f := range awaiting {
		t.Run("fault "+f.Name, func(t *testing.T) {
			t.Skipf("scenario %q, meant to catch it, is not in the catalogue yet (awaitingScenario)", f.Scenario)
		})
	}
	for _, job := range jobs {
		t.Run(job.name, func(t *testing.T) {
			if job.err != nil {
				t.Fatal(job.err)
			}
			t.Logf("%d scenario(s) in %s", len(job.results), job.took.Round(time.Millisecond))
			for _, res := range job.results {
				job.check(t, res)
			}
		})
	}
}
