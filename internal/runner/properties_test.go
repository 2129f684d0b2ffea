package runner

import (
	"maps"
	"slices"
	"testing"

	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// The linter accepts exactly the actor variables the runner serves: it once
// refused {{actor.secureKey}}, which the runner served all along.
func TestActorPropertiesAreTheLintersList(t *testing.T) {
	served := slices.Sorted(maps.Keys(actorProperties))
	linted := slices.Sorted(slices.Values(scenarios.ActorProperties()))
	if !slices.Equal(served, linted) {
		t.Errorf("the runner serves {{actor.%v}}, the linter accepts {{actor.%v}}", served, linted)
	}
}
