package certify

import (
	"slices"

	"github.com/gwsconform/gwsconform/internal/report"
)

// Entry is one scenario of the catalogue as the claims see it.
type Entry struct {
	Name     string
	Requires []string
}

// Judge sets r.Claims: one per profile that has scenarios in the catalogue,
// with whether the target claims it and whether the claim holds. It reads
// only r.Scenarios, the catalogue and the lists, so Rejudge can repeat it from
// a results.json alone.
func Judge(r *report.Results, catalogue []Entry, claimed, knownFlaky []string) {
	r.Claims = nil
	for _, p := range Profiles() {
		c := report.Claim{Profile: p.Name, Description: p.Description, Claimed: slices.Contains(claimed, p.Name), Scenarios: []string{}}
		for _, e := range catalogue {
			if p.Covers(e.Requires) {
				c.Scenarios = append(c.Scenarios, e.Name)
			}
		}
		if len(c.Scenarios) == 0 && !c.Claimed {
			continue
		}
		slices.Sort(c.Scenarios)
		r.Claims = append(r.Claims, c)
	}
	Rejudge(r, knownFlaky)
}

// Rejudge recomputes each claim's verdict from the outcomes in r.Scenarios and
// the claim's own list of scenarios: what a reviewer's `gwsconform verify`
// does with a bundle.
func Rejudge(r *report.Results, knownFlaky []string) {
	byName := make(map[string]report.Scenario, len(r.Scenarios))
	for _, s := range r.Scenarios {
		byName[s.Name] = s
	}
	for i := range r.Claims {
		c := &r.Claims[i]
		c.Passed, c.Deviations, c.Problems = 0, 0, nil
		if len(c.Scenarios) == 0 {
			c.Problems = append(c.Problems, report.ClaimProblem{Outcome: "not run", Reason: "the catalogue has no scenario of this profile"})
		}
		for _, name := range c.Scenarios {
			s, ok := byName[name]
			if !ok {
				c.Problems = append(c.Problems, report.ClaimProblem{Scenario: name, Outcome: "not run", Reason: "the run did not select it (--focus, --skip, --label-filter)"})
				continue
			}
			c.Deviations += len(s.Deviations)
			if problem, bad := claimProblem(s, knownFlaky); bad {
				c.Problems = append(c.Problems, problem)
				continue
			}
			c.Passed++
		}
		c.Certified = c.Claimed && len(c.Problems) == 0
	}
}

// claimProblem says why s keeps its profile from being certified, if it does.
func claimProblem(s report.Scenario, knownFlaky []string) (report.ClaimProblem, bool) {
	p := report.ClaimProblem{Scenario: s.Name, Outcome: string(s.Outcome), Reason: s.Reason}
	switch {
	case s.ExpectedFailure:
		p.Outcome = "known failure"
	case s.Outcome != report.Pass:
	case s.Flaky && !slices.Contains(knownFlaky, s.Name):
		p.Outcome = "flaky"
		p.Reason = "failed, then passed on a retry; list it in knownFlaky to accept that"
	default:
		return p, false
	}
	if p.Reason == "" {
		p.Reason = string(s.Outcome)
	}
	return p, true
}
