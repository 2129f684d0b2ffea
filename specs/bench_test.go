package specs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/runner"
	"github.com/gwsconform/gwsconform/internal/suite"
)

// BenchmarkSuiteOverhead plays the whole catalogue against the embedded reference
// server, one scenario after the other, and reports the suite's wall time divided by
// the sum of its HTTP round trips ("wall/rtt", see docs/running.md for what counts
// as a round trip). Close to 1 means the harness waits on the target, not on itself
// (no fixed sleeps). Run it with
//
//	go test -run '^$' -bench SuiteOverhead ./specs
//
// GWSCONFORM_SCENARIOS (comma-separated files or directories) replaces the catalogue.
// With GWSCONFORM_BENCH_PHASES=1 it also prints where the wall time went, per phase.
func BenchmarkSuiteOverhead(b *testing.B) {
	o, err := suite.OptionsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	scs, err := suite.Load(o)
	if err != nil {
		var problems suite.ScenarioProblems
		errors.As(err, &problems)
		b.Fatalf("the scenarios do not load: %v\n%v", err, errors.Join(problems...))
	}
	ctx := context.Background()
	tgt, stop, err := embedded.Start(ctx, refserver.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer stop()

	var wall, roundTrips, busy time.Duration
	requests := 0
	totals := map[string]*runner.Phase{}
	var order []string
	for b.Loop() {
		start := time.Now()
		for _, sc := range scs {
			// The runner itself (what Play wraps), for its per-phase figures.
			res := (&runner.Runner{Target: tgt, Accounts: tgt.Accounts}).Run(ctx, sc)
			if res.Outcome != report.Pass {
				b.Fatalf("%s:%d: %s against the reference server: %s %s", sc.File, sc.Line, res.Outcome, res.Step, res.Reason)
			}
			roundTrips += res.RoundTrip
			busy += res.Busy
			requests += res.Requests
			for _, ph := range res.Phases {
				sum, ok := totals[ph.Name]
				if !ok {
					sum = &runner.Phase{Name: ph.Name}
					totals[ph.Name] = sum
					order = append(order, ph.Name)
				}
				sum.Wall += ph.Wall
				sum.RoundTrip += ph.RoundTrip
				sum.Requests += ph.Requests
			}
		}
		wall += time.Since(start)
	}
	if roundTrips > 0 {
		b.ReportMetric(float64(wall)/float64(roundTrips), "wall/rtt")
	}
	if busy > 0 {
		b.ReportMetric(float64(wall)/float64(busy), "wall/busy")
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	if os.Getenv("GWSCONFORM_BENCH_PHASES") != "" {
		fmt.Fprintf(os.Stderr, "%d scenarios x %d: wall %s, rtt %s, busy %s, %d requests\n", len(scs), b.N,
			wall.Round(time.Millisecond), roundTrips.Round(time.Millisecond), busy.Round(time.Millisecond), requests)
		for _, name := range order {
			ph := totals[name]
			fmt.Fprintf(os.Stderr, "  %-8s wall %9s  rtt %9s  %5d requests  wall-rtt %9s\n", name,
				ph.Wall.Round(time.Millisecond), ph.RoundTrip.Round(time.Millisecond), ph.Requests, (ph.Wall - ph.RoundTrip).Round(time.Millisecond))
		}
	}
}
