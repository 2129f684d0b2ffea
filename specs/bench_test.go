package specs

import (
	"context"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
)

// BenchmarkSuiteOverhead plays the whole starter catalogue against the embedded
// reference server, one scenario after the other, and reports the suite's wall time
// divided by the sum of its HTTP round trips ("wall/rtt"). Close to 1 means the
// harness waits on the target, not on itself (no fixed sleeps). Run it with
//
//	go test -run '^$' -bench SuiteOverhead ./specs
func BenchmarkSuiteOverhead(b *testing.B) {
	scs, problems := LoadScenarios(nil, false)
	if len(problems) > 0 {
		b.Fatalf("the catalogue does not load: %v", problems)
	}
	ctx := context.Background()
	tgt, stop, err := target.StartEmbedded(ctx, refserver.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer stop()

	var wall, roundTrips time.Duration
	requests := 0
	for b.Loop() {
		start := time.Now()
		for _, sc := range scs {
			res := Play(ctx, tgt, tgt.Accounts, sc, nil)
			if res.Outcome != report.Pass {
				b.Fatalf("%s: %s against the reference server: %s %s", res.Location(), res.Outcome, res.Step, res.Reason)
			}
			roundTrips += time.Duration(res.RoundTripMs * float64(time.Millisecond))
			requests += res.Requests
		}
		wall += time.Since(start)
	}
	if roundTrips > 0 {
		b.ReportMetric(float64(wall)/float64(roundTrips), "wall/rtt")
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}
