package suite

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/report"
)

// buildResults turns Ginkgo's report into the run's results: each It's own recorded
// result, an error for an It that ended without one (interrupted, timed out), and a
// suite error for each failed suite-level node (target setup, preflight).
func buildResults(r types.Report) *report.Results {
	res := &report.Results{
		DeclaredFeatures: []string{},
		StartedAt:        r.StartTime,
		Scenarios:        []report.Scenario{},
	}
	res.SetDuration(r.RunTime)
	for _, spec := range r.SpecReports {
		failed := spec.State.Is(types.SpecStateFailureStates)
		if spec.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) {
			if failed {
				res.SuiteErrors = append(res.SuiteErrors, suiteFailure(spec))
			}
			continue
		}
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if sc, ok := recordedResult(spec); ok {
			res.Scenarios = append(res.Scenarios, sc)
		} else if failed {
			res.Scenarios = append(res.Scenarios, unrecordedFailure(spec))
		}
	}
	res.SuiteErrors = append(res.SuiteErrors, r.SpecialSuiteFailureReasons...)
	res.Finish()
	return res
}

// recordedResult decodes the It's report entry. The entry value is the
// report.Scenario itself in this process and its JSON form when it came from
// another Ginkgo process; a JSON round trip reads both.
func recordedResult(spec types.SpecReport) (report.Scenario, bool) {
	for _, entry := range spec.ReportEntries {
		if entry.Name != resultEntry {
			continue
		}
		data, err := json.Marshal(entry.Value.GetRawValue())
		if err != nil {
			break
		}
		var sc report.Scenario
		if err := json.Unmarshal(data, &sc); err != nil || sc.Name == "" {
			break
		}
		return sc, true
	}
	return report.Scenario{}, false
}

// unrecordedFailure is an It that failed before recording a result: the suite
// timed out, the run was interrupted, or the harness panicked. None of these is the
// target's fault.
func unrecordedFailure(spec types.SpecReport) report.Scenario {
	return report.Scenario{
		Name:       spec.LeafNodeText,
		File:       spec.LeafNodeLocation.FileName,
		Line:       spec.LeafNodeLocation.LineNumber,
		Labels:     nonNil(spec.LeafNodeLabels),
		Refs:       []string{},
		Outcome:    report.Error,
		Reason:     fmt.Sprintf("%s: %s", spec.State, firstLine(spec.Failure.Message)),
		Detail:     spec.Failure.Message,
		DurationMs: milliseconds(spec.RunTime),
	}
}

func suiteFailure(spec types.SpecReport) string {
	msg := strings.TrimPrefix(spec.Failure.Message, errorPrefix)
	return fmt.Sprintf("%s: %s", spec.LeafNodeType, msg)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
