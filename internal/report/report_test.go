package report

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *Results {
	r := &Results{
		Target:           TargetInfo{URL: "http://127.0.0.1:1234", Name: "embedded"},
		DeclaredFeatures: []string{"chats", "chats.consult"},
		StartedAt:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Scenarios: []Scenario{
			{Name: "b passes", File: "chat/b.yaml", Line: 1, Outcome: Pass, DurationMs: 12, Requests: 3},
			{Name: "a fails", File: "chat/a.yaml", Line: 1, Outcome: Fail, Step: "chat/a.yaml:9: step 2 (alice Consult)",
				Reason: "missing notification", Detail: "expected <ParticipantJoined>\nreceived <nothing>"},
			{Name: "c skipped", File: "chat/c.yaml", Line: 1, Outcome: Skip, Reason: "feature chats.transfer not declared"},
		},
	}
	r.SetDuration(1500 * time.Millisecond)
	return r
}

func TestFinishVerdicts(t *testing.T) {
	cases := []struct {
		name     string
		change   func(r *Results)
		verdict  string
		exitCode int
	}{
		{"a failure fails the run", func(r *Results) {}, VerdictFail, 1},
		{"a known failure is expected", func(r *Results) { r.ApplyKnownFailures([]string{"a fails"}) }, VerdictPass, 0},
		{"a listed pass is stale", func(r *Results) { r.ApplyKnownFailures([]string{"a fails", "b passes"}) }, VerdictFail, 1},
		{"an error beats a failure", func(r *Results) { r.Scenarios[2].Outcome = Error }, VerdictError, 2},
		{"a suite error is an error", func(r *Results) {
			r.ApplyKnownFailures([]string{"a fails"})
			r.SuiteErrors = []string{"target unreachable"}
		}, VerdictError, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sample()
			c.change(r)
			r.Finish()
			if r.Verdict != c.verdict || r.ExitCode != c.exitCode {
				t.Fatalf("verdict %s exit %d, want %s %d", r.Verdict, r.ExitCode, c.verdict, c.exitCode)
			}
		})
	}
}

func TestFinishCountsAndSorts(t *testing.T) {
	r := sample()
	r.ApplyKnownFailures([]string{"a fails", "c skipped"})
	r.Finish()
	want := Counts{Pass: 1, Fail: 1, Skip: 1, ExpectedFailures: 1}
	if r.Counts != want {
		t.Fatalf("counts %+v, want %+v", r.Counts, want)
	}
	if r.Scenarios[0].File != "chat/a.yaml" || r.Scenarios[2].File != "chat/c.yaml" {
		t.Fatalf("not sorted by file: %v, %v, %v", r.Scenarios[0].File, r.Scenarios[1].File, r.Scenarios[2].File)
	}
	if r.Scenarios[2].ExpectedFailure || r.Scenarios[2].StaleKnownFailure {
		t.Fatal("a skipped known failure must be neither expected nor stale")
	}
}

func TestWriteDirRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	r.Finish()
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if back.Counts != r.Counts || len(back.Scenarios) != 3 || back.Scenarios[0].Detail != r.Scenarios[0].Detail {
		t.Fatalf("round trip changed the results: %+v", back)
	}
	if back.DurationMs != 1500 || back.Duration != "1.5s" {
		t.Fatalf("duration %q / %d", back.Duration, back.DurationMs)
	}

	var doc junitSuites
	data, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || doc.Errors != 0 {
		t.Fatalf("junit totals %+v", doc)
	}
	failed := doc.Suites[0].Cases[0]
	if failed.Name != "a fails" || failed.Failure == nil || failed.Failure.Message != "missing notification" ||
		!strings.Contains(failed.Failure.Body, "received <nothing>") || failed.Classname != "chat/a.yaml" {
		t.Fatalf("failed case %+v", failed)
	}

	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"chat/a.yaml:1", "received &lt;nothing&gt;", `class="o fail"`, "1 pass", "<details>"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// The failure comes before the pass and the skip, whatever the catalogue order.
	page := string(html)
	failAt, passAt, skipAt := strings.Index(page, `class="o fail"`), strings.Index(page, `class="o pass"`), strings.Index(page, `class="o skip"`)
	if failAt < 0 || passAt < 0 || skipAt < 0 || !(failAt < skipAt && skipAt < passAt) {
		t.Errorf("report.html rows not ordered fail, skip, pass: offsets %d, %d, %d", failAt, skipAt, passAt)
	}
}

// Deviations never change an outcome, and every report shows them.
func TestDeviationsAreReportedEverywhereAndFailNothing(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	r.Scenarios[0].Deviations = []Deviation{
		{Level: "reference", Place: "chat/b.yaml:7", Step: "chat/b.yaml:6: step 2 (alice Accept)", Reason: "response body: /referenceId: missing"},
		{Level: "inferred", Place: "chat/b.yaml:9", Reason: "alice's notification #3: /chat/capabilities: no element matches Reject"},
	}
	r.Finish()
	if r.Counts.Deviations != 2 || r.Counts.DeviatingScenarios != 1 || r.Counts.Pass != 1 {
		t.Fatalf("counts %+v", r.Counts)
	}
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var passed Scenario
	for _, s := range back.Scenarios {
		if s.Name == "b passes" {
			passed = s
		}
	}
	if passed.Outcome != Pass || len(passed.Deviations) != 2 || passed.Deviations[0].Level != "reference" {
		t.Fatalf("results.json: %+v", passed)
	}

	var doc junitSuites
	data, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Failures != 1 {
		t.Errorf("deviations counted as JUnit failures: %+v", doc)
	}
	for _, c := range doc.Suites[0].Cases {
		if c.Name != "b passes" {
			continue
		}
		if c.Failure != nil || len(c.Properties) != 1 || c.Properties[0].Value != "2" ||
			!strings.Contains(c.SystemOut, "DEVIATION (reference) chat/b.yaml:7: response body: /referenceId: missing") {
			t.Errorf("junit case of the deviating pass: %+v", c)
		}
	}

	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 deviation(s)", "2 in 1 scenario(s)", "chat/b.yaml:9", "no element matches Reject"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestJUnitSuiteErrorAndKnownFailures(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	r.ApplyKnownFailures([]string{"a fails", "b passes"})
	r.SuiteErrors = []string{"preflight: dial tcp: connection refused"}
	r.Finish()
	path := filepath.Join(dir, "j.xml")
	if err := r.WriteJUnit(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	// suite error + stale known failure (b) + expected failure as skipped (a) + real skip (c)
	if doc.Tests != 4 || doc.Errors != 1 || doc.Failures != 1 || doc.Skipped != 2 {
		t.Fatalf("junit totals %+v", doc)
	}
}
