package recorder

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/gwsconform/gwsconform/internal/replay"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// One replay serves one recording to any number of successive client runs: once a
// client has made every change recorded for an account and starts over, replay starts
// the recording over for it.
func TestReplayServesSuccessiveRuns(t *testing.T) {
	catalogue, err := scenarios.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	var sc *scenarios.Scenario
	for _, s := range catalogue {
		if s.Name == "consult-then-transfer" {
			sc = s
		}
	}
	if sc == nil {
		t.Fatal("consult-then-transfer is not in the catalogue")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*roundTripTimeout)
	defer cancel()
	dir := t.TempDir()
	if res := recordScenario(ctx, dir, sc); res.Outcome != report.Pass {
		t.Fatalf("recording: %s\n%s", res.Outcome, describeResult(res))
	}
	rp, err := replay.New(replay.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rp)
	defer func() {
		rp.Close()
		srv.Close()
	}()
	tgt := target.Default()
	tgt.BaseURL = srv.URL
	for run := 1; run <= 2; run++ {
		if res := runScenario(ctx, tgt, sc); res.Outcome != report.Pass {
			t.Fatalf("client run %d against the one replay: %s\n%s", run, res.Outcome, describeResult(res))
		}
	}
}
