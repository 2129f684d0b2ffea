package suite

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/report"
)

// entryFromAnotherProcess builds a report entry as it arrives from another Ginkgo
// process: JSON encoded and decoded, so the raw value is a map, not a report.Scenario.
func entryFromAnotherProcess(t *testing.T, sc report.Scenario) types.ReportEntry {
	t.Helper()
	data, err := json.Marshal(types.ReportEntry{Name: resultEntry, Value: types.WrapEntryValue(sc)})
	if err != nil {
		t.Fatal(err)
	}
	var entry types.ReportEntry
	if err := json.Unmarshal(data, &entry); err != nil {
		t.Fatal(err)
	}
	return entry
}

func TestBuildResults(t *testing.T) {
	passed := report.Scenario{Name: "passes", File: "a.yaml", Line: 1, Outcome: report.Pass}
	failed := report.Scenario{Name: "fails", File: "b.yaml", Line: 3, Outcome: report.Fail, Reason: "missing notification"}
	r := types.Report{
		StartTime: time.Now(),
		RunTime:   2 * time.Second,
		SpecReports: types.SpecReports{
			{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed,
				ReportEntries: types.ReportEntries{{Name: resultEntry, Value: types.WrapEntryValue(passed)}}},
			{LeafNodeType: types.NodeTypeIt, State: types.SpecStateFailed,
				ReportEntries: types.ReportEntries{entryFromAnotherProcess(t, failed)}},
			{LeafNodeType: types.NodeTypeIt, State: types.SpecStateTimedout, LeafNodeText: "times out",
				LeafNodeLocation: types.CodeLocation{FileName: "c.yaml", LineNumber: 5},
				Failure:          types.Failure{Message: "A suite timeout occurred"}},
			{LeafNodeType: types.NodeTypeIt, State: types.SpecStateSkipped, LeafNodeText: "filtered out"},
			{LeafNodeType: types.NodeTypeSynchronizedAfterSuite, State: types.SpecStatePassed},
		},
	}
	res := buildResults(r)
	got := map[string]report.Outcome{}
	for _, s := range res.Scenarios {
		got[s.Name] = s.Outcome
	}
	want := map[string]report.Outcome{"passes": report.Pass, "fails": report.Fail, "times out": report.Error}
	if len(got) != len(want) {
		t.Fatalf("scenarios %v, want %v", got, want)
	}
	for name, outcome := range want {
		if got[name] != outcome {
			t.Errorf("%s: %s, want %s", name, got[name], outcome)
		}
	}
	if res.Verdict != report.VerdictError || res.DurationMs != 2000 || res.DeclaredFeatures == nil {
		t.Errorf("verdict %s, duration %d ms, features %v", res.Verdict, res.DurationMs, res.DeclaredFeatures)
	}
}

func TestBuildResultsTurnsSuiteSetupFailureIntoOneError(t *testing.T) {
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed,
			Failure: types.Failure{Message: errorPrefix + "target http://x is unreachable"}},
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStateSkipped, LeafNodeText: "never ran"},
	}}
	res := buildResults(r)
	if len(res.SuiteErrors) != 1 || res.SuiteErrors[0] != "SynchronizedBeforeSuite: target http://x is unreachable" ||
		len(res.Scenarios) != 0 || res.ExitCode != 2 {
		t.Fatalf("results %+v", res)
	}
}
