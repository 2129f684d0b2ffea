package scenarios

import (
	"strings"
	"testing"
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
		if !strings.HasPrefix(sc.File, "scenarios/catalogue/") {
			t.Errorf("%s: file name should start with scenarios/catalogue/", sc.File)
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
