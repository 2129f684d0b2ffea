package recorder

import (
	"context"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/generate"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/runner"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Record a session through the proxy, generate a scenario from it, and play that
// scenario with the runner against a fresh reference server: it must pass.
func TestRoundTripRecordGenerateRun(t *testing.T) {
	rec, _ := recordChatSession(t, Options{})
	out, err := generate.Generate(rec.Dir(), generate.Options{Name: "recorded round trip"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	scs, err := scenarios.Parse("recorded.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tgt, stop, err := embedded.Start(ctx, refserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res := (&runner.Runner{Target: tgt, Strict: true}).Run(ctx, scs[0])
	if res.Outcome != report.Pass {
		t.Fatalf("generated scenario %s: %s\n%s\n%s\nscenario:\n%s", res.Outcome, res.Reason, res.Step, res.Detail, out)
	}
	t.Logf("round trip passed: %d requests, %v", res.Requests, res.Duration)
}
