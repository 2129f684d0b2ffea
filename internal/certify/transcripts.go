package certify

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/gwsconform/gwsconform/internal/report"
)

// checkTranscripts checks the evidence behind each verdict: every scenario
// that was played (not skipped) names its transcript, the file is the
// transcript of that scenario, and a scenario that passed or failed on the
// target's answers shows requests to the target. It does not replay the
// expectations against the transcript (see docs/running.md).
func checkTranscripts(dir string, r *report.Results, rep *Report) {
	n := 0
	for i, s := range r.Scenarios {
		field := "scenarios[" + s.Name + "].transcript"
		if s.Outcome == report.Skip {
			continue
		}
		if s.Transcript == "" {
			if s.Outcome != report.Error {
				rep.problem(report.JSONFile, field, "missing: a %s needs the transcript it rests on", s.Outcome)
			}
			continue
		}
		if s.Transcript != report.TranscriptFile(s.Name) {
			rep.problem(report.JSONFile, field, "%q, want %q", s.Transcript, report.TranscriptFile(s.Name))
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.Transcript)))
		if err != nil {
			rep.unreadable(s.Transcript, err)
			continue
		}
		var t report.Transcript
		if err := json.Unmarshal(data, &t); err != nil {
			rep.problem(s.Transcript, "", "not a transcript: %v", err)
			continue
		}
		if t.Scenario != s.Name {
			rep.problem(s.Transcript, "scenario", "%q, but results.json's scenarios[%d] is %q", t.Scenario, i, s.Name)
			continue
		}
		steps := 0
		for _, x := range t.Exchanges {
			if x.Purpose == "step" {
				steps++
			}
		}
		if steps == 0 && (s.Outcome == report.Pass || s.Outcome == report.Fail) {
			rep.problem(s.Transcript, "exchanges", "no request of a step, yet the scenario's outcome is %s", s.Outcome)
			continue
		}
		n++
	}
	if n > 0 {
		rep.checked("transcripts: %d scenario(s) played, each with its own transcript", n)
	}
}
