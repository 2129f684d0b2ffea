package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// The embedded catalogue must load and lint clean: it is what users run.
func TestCatalogueLoadsAndLintsClean(t *testing.T) {
	scs, err := LoadCatalogue()
	if err != nil {
		t.Fatalf("catalogue does not load:\n%v", err)
	}
	if errs := Lint(scs); len(errs) > 0 {
		for _, e := range errs {
			t.Error(e)
		}
	}
	seeds := map[string]bool{}
	for _, sc := range scs {
		if !strings.HasPrefix(sc.File, "internal/scenarios/catalogue/") {
			t.Errorf("%s: file name should start with internal/scenarios/catalogue/", sc.File)
		}
		for _, r := range sc.Refs {
			if source, _, ok := strings.Cut(r, "/"); ok && strings.HasPrefix(source, "seed-") {
				seeds[source] = true
			}
		}
		for i, st := range sc.Steps {
			if st.Index != i+1 || st.Line == 0 || st.File == "" {
				t.Errorf("%s: step %d has Index %d, %s:%d", sc.Name, i+1, st.Index, st.File, st.Line)
			}
		}
	}
	for _, seed := range []string{"seed-000", "seed-001", "seed-002", "seed-003", "seed-004"} {
		if !seeds[seed] {
			t.Errorf("no scenario refers to %s", seed)
		}
	}
}

// The catalogue leaves to the runner what it fills in anyway (gws.Op.Injected):
// a hand-written copy of the default, such as RequestChat's nickname: "{{carol.nickname}}",
// hides whether the default is ever used, and was once written only because the
// linter demanded it.
func TestCatalogueLeavesInjectedDefaultsToTheRunner(t *testing.T) {
	scs, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	reported := map[string]bool{}
	for _, sc := range scs {
		actors := map[string]Actor{}
		for _, a := range sc.Actors {
			actors[a.Name] = a
		}
		for _, st := range sc.Steps {
			op, _ := st.Action.(*OpStep)
			if op == nil {
				continue
			}
			body, _ := op.Body.(map[string]any)
			if body == nil {
				continue
			}
			a := actors[st.Actor]
			for _, in := range []gws.Injection{
				{Nickname: a.Nickname},
				{Nickname: "{{" + a.Name + ".nickname}}", SecureKey: "{{" + a.Name + ".secureKey}}"},
			} {
				defaults := map[string]any{}
				op.Op.Inject(defaults, in)
				for field, v := range defaults {
					where := fmt.Sprintf("%s:%d", st.File, st.Line)
					if body[field] == v && !reported[where+field] {
						reported[where+field] = true
						t.Errorf("%s: %s writes %s: %v, which the runner sends anyway", where, op.Name, field, v)
					}
				}
			}
		}
	}
}
