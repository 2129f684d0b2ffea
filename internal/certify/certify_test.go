package certify

import (
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// A scenario no profile covers could never count towards a certification.
func TestEveryCatalogueScenarioBelongsToAProfile(t *testing.T) {
	scs, err := scenarios.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		n := 0
		for _, p := range Profiles() {
			if p.Covers(sc.Requires) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s:%d %s (requires %v) belongs to no profile", sc.File, sc.Line, sc.Name, sc.Requires)
		}
	}
}

func TestEveryProfileBuildsOnProfilesThatExist(t *testing.T) {
	for _, p := range Profiles() {
		for _, base := range p.BuildsOn {
			if _, ok := Lookup(base); !ok {
				t.Errorf("profile %s builds on %q, which does not exist", p.Name, base)
			}
		}
	}
}

func TestCoversNeedsAnOwnFeatureAndNothingOutOfReach(t *testing.T) {
	consult, _ := Lookup("consult-conference")
	for _, tc := range []struct {
		requires []string
		want     bool
	}{
		{[]string{"chats", "chats.consult"}, true},
		{[]string{"chats", "chats.url", "chats.consult"}, true}, // core-chat is a base
		{[]string{"chats"}, false},                              // no own feature
		{[]string{"chats.consult", "chats.userdata"}, false},    // userdata is out of reach
	} {
		if got := consult.Covers(tc.requires); got != tc.want {
			t.Errorf("Covers(%v) = %v, want %v", tc.requires, got, tc.want)
		}
	}
}

func TestAClaimHoldsOnlyWhenEveryScenarioOfItPassed(t *testing.T) {
	catalogue := []Entry{
		{"accept", []string{"chats", "customer"}},
		{"consult", []string{"chats", "chats.consult"}},
		{"transfer", []string{"chats", "chats.transfer"}},
		{"flaky-invite", []string{"chats", "chats.invite"}},
		{"queue", []string{"chats", "queues"}},
	}
	results := func() *report.Results {
		return &report.Results{Scenarios: []report.Scenario{
			{Name: "accept", Outcome: report.Pass},
			{Name: "consult", Outcome: report.Pass, Deviations: []report.Deviation{{Reason: "x"}}},
			{Name: "transfer", Outcome: report.Skip, Reason: "the target does not declare chats.transfer"},
			{Name: "flaky-invite", Outcome: report.Pass, Flaky: true},
		}}
	}
	r := results()
	Judge(r, catalogue, []string{"core-chat", "consult-conference"}, nil)
	claims := map[string]report.Claim{}
	for _, c := range r.Claims {
		claims[c.Profile] = c
	}
	if c := claims["core-chat"]; !c.Claimed || !c.Certified || c.Passed != 1 {
		t.Errorf("core-chat: %+v", c)
	}
	c := claims["consult-conference"]
	if !c.Claimed || c.Certified || c.Passed != 1 || c.Deviations != 1 {
		t.Fatalf("consult-conference: %+v", c)
	}
	var outcomes []string
	for _, p := range c.Problems {
		outcomes = append(outcomes, p.Scenario+"="+p.Outcome)
	}
	if got := strings.Join(outcomes, " "); got != "flaky-invite=flaky queue=not run transfer=skip" {
		t.Errorf("problems %s", got)
	}
	r.Finish()
	if r.Verdict != report.VerdictFail {
		t.Errorf("a claim that does not hold left the verdict %s", r.Verdict)
	}

	// The same results without the claim pass; a listed flaky scenario is
	// accepted.
	r = results()
	Judge(r, catalogue, []string{"core-chat"}, []string{"flaky-invite"})
	r.Finish()
	if r.Verdict != report.VerdictPass {
		t.Errorf("without the claim the verdict is %s", r.Verdict)
	}
}

func TestCheckClaimsNamesTheUnknownProfile(t *testing.T) {
	err := CheckClaims([]string{"core-chat", "consult"}, "target.yaml:4")
	if err == nil || !strings.Contains(err.Error(), `target.yaml:4: no profile "consult"`) {
		t.Fatalf("err = %v", err)
	}
}

// A scenario written for one kind of customer is no part of the other kind's
// claims, and the kind belongs to no profile's features.
func TestTheCustomerKindDecidesWhichScenariosAClaimHolds(t *testing.T) {
	gwsOnly := []string{"chats", "customer", "customer.gws-api"}
	gmsOnly := []string{"customer", "customer.gms", "notifications"}
	if !Applies(gwsOnly, "gws") || Applies(gwsOnly, "gms") || !Applies(gmsOnly, "gms") || Applies(gmsOnly, "gws") {
		t.Error("Applies does not follow the customer kind")
	}
	core, _ := Lookup("core-chat")
	if !core.Covers(gwsOnly) || !core.Covers(gmsOnly) {
		t.Error("core-chat does not cover the customer scenarios of either kind")
	}
}
