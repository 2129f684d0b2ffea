package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/match"
)

// seedsDir holds the normalised seed samples (see its NORMALISATION.md).
const seedsDir = "../../schemas/testdata/seeds"

// The suite must accept what the documentation prints: every expectation that
// cites a statement with samples (statements.yaml `samples:`) on its own item or
// step accepts each of those samples at its binding level, with every variable
// standing for whatever the sample holds. A documented expectation that rejects
// the page it cites is a defect of the scenario, never of a vendor.
func TestExpectationsAcceptTheSeedSamplesTheyCite(t *testing.T) {
	st, err := evidence.LoadStatements()
	if err != nil {
		t.Fatal(err)
	}
	scs, err := LoadCatalogue()
	if err != nil {
		t.Fatalf("loading the catalogue: %v", err)
	}
	samples := map[string]any{}
	for _, s := range st.Statements {
		for _, file := range s.Samples {
			samples[file] = readSample(t, file)
		}
	}
	checked := map[string]int{} // sample file -> expectations checked against it
	for _, sc := range scs {
		for i := range sc.Steps {
			for _, c := range citedChecks(&sc.Steps[i]) {
				for _, ref := range c.refs {
					s, ok := st.Lookup(ref)
					if !ok {
						continue // the linter reports it
					}
					for _, file := range s.Samples {
						sample := samples[file]
						if !c.describes(sample) {
							continue
						}
						checked[file]++
						if _, err := c.matcher.MatchLenient(sample, match.Wildcards{}); err != nil {
							t.Errorf("%s: %s (cites %s) rejects the seed sample %s, which the statement prints: %v",
								c.place, c.what, ref, file, err)
						}
					}
				}
			}
		}
	}
	for _, s := range st.Statements {
		for _, file := range s.Samples {
			if checked[file] == 0 {
				t.Errorf("seed sample %s (statement %s) is checked against no expectation: cite %s on the step or item that shows it", file, s.ID, s.ID)
			}
		}
	}
}

// Every normalised sample is named by a statement, so none escapes the check above.
func TestEverySeedSampleBelongsToAStatement(t *testing.T) {
	st, err := evidence.LoadStatements()
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	for _, s := range st.Statements {
		named = append(named, s.Samples...)
	}
	files, err := filepath.Glob(filepath.Join(seedsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if !slices.Contains(named, base) && !isRequestSample(base) {
			t.Errorf("%s is no statement's sample (add it to the samples: of the statement it shows, in %s)", base, evidence.StatementsFile)
		}
	}
}

// isRequestSample: request bodies are checked against the request schemas (schemas
// package); the statements' samples are what a target sends.
func isRequestSample(file string) bool { return strings.HasSuffix(file, "-request.json") }

func readSample(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(seedsDir, file))
	if err != nil {
		t.Fatalf("statement sample: %v", err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v
}

// citedCheck is one expectation with the refs it cites itself (item, else step).
type citedCheck struct {
	place, what string
	refs        []string
	matcher     match.Matcher
	response    bool // a response body, not a notification
	success     bool // for a response: the step expects success
}

// citedChecks lists the step's expectations that cite statements on their own
// item or step; a scenario-wide citation names what the scenario proves as a
// whole, not what each of its checks looks like.
func citedChecks(step *Step) []citedCheck {
	var out []citedCheck
	var items []Expectation
	if _, isNever := step.Action.(*NeverStep); !isNever {
		items = step.Expectations()
	}
	for _, e := range items {
		refs := e.Refs
		if len(refs) == 0 {
			refs = step.Refs
		}
		if len(refs) == 0 || e.Match == nil {
			continue
		}
		out = append(out, citedCheck{place: fmt.Sprintf("%s:%d", e.File, e.Line), what: "expectation", refs: refs, matcher: e.Match})
	}
	var expect *ResponseExpect
	switch act := step.Action.(type) {
	case *OpStep:
		expect = act.Expect
	case *HTTPStep:
		expect = act.Expect
	case *AwaitStep, *NeverStep, *BarrierStep:
	}
	if expect != nil && expect.Body != nil && len(step.Refs) > 0 {
		out = append(out, citedCheck{place: fmt.Sprintf("%s:%d", expect.File, expect.Line), what: "response body", refs: step.Refs,
			matcher: expect.Body, response: true, success: expect.ExpectsSuccess()})
	}
	return out
}

// describes reports whether the sample is the kind of payload the check is
// about: a notification with the same messageType and notificationType as the
// check's literals, or an answer of the same outcome.
func (c citedCheck) describes(sample any) bool {
	obj, _ := sample.(map[string]any)
	_, isNotification := obj["messageType"]
	if c.response {
		if isNotification {
			return false
		}
		code, hasCode := obj["statusCode"].(float64)
		succeeded := (hasCode && code == 0) || obj["status"] == "ok"
		return succeeded == c.success
	}
	if !isNotification {
		return false
	}
	for _, key := range []string{"messageType", "notificationType"} {
		if lit, ok := literalOf(c.matcher, key); ok && lit != obj[key] {
			return false
		}
	}
	return true
}

// literalOf returns the string a matcher gives key, if it gives one.
func literalOf(m match.Matcher, key string) (string, bool) {
	for _, f := range m.Shape().Fields() {
		if lits := f.Value.Strings(); f.Key == key && len(lits) == 1 {
			return lits[0].Text, true
		}
	}
	return "", false
}
