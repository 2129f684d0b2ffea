package runner

import (
	"context"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// A kind the runner has no actor type for is the scenario's error: it used to
// be played as a customer.
func TestUnknownActorKindIsAnError(t *testing.T) {
	sc := &scenarios.Scenario{Name: "hand-built", Actors: []scenarios.Actor{{Name: "sam", Kind: "supervisor"}}}
	r := &Runner{Target: &target.Target{Name: "nowhere", BaseURL: "http://127.0.0.1:1"}}
	res := r.Run(context.Background(), sc)
	if res.Outcome != report.Error || !strings.Contains(res.Reason, `actor sam has kind "supervisor"`) {
		t.Errorf("got %s %q", res.Outcome, res.Reason)
	}
}
