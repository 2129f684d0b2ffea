package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from this run's output")

// checkFailureReport compares what a person reads when a scenario fails (the
// failure block and the summary) with testdata/failure-report.txt, as
// testscript golden-tests a tool's own output. Volatile parts (offsets,
// durations, chat ids) are normalised; the rest must match exactly, so a change
// to the report's wording or layout shows in review. `go test -update` rewrites
// the file.
func checkFailureReport(t *testing.T, bin string) {
	scenario, err := os.ReadFile(filepath.Join("testdata", "failure-report.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeScenarios(t, map[string]string{"failure-report.yaml": string(scenario)})
	res := runCLI(t, bin, dir, "run", "--scenarios", "failure-report.yaml", "--notification-timeout", "1s", "--no-color")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.output)
	}
	got := failureReport(res.output)
	golden := filepath.Join("testdata", "failure-report.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("the failure report differs from %s (go test -update rewrites it after a deliberate change):\n--- got\n%s\n--- want\n%s\n--- whole output\n%s", golden, got, want, res.output)
	}
}

var volatile = []struct {
	pattern *regexp.Regexp
	replace string
}{
	{regexp.MustCompile(`\+\d+\.\d{3}s`), "+S.SSSs"},
	{regexp.MustCompile(`\b[0-9A-F]{16}\b`), "CHATID"},
	{regexp.MustCompile(` in \d+(\.\d+)?(ms|s|µs): `), " in DURATION: "},
}

// failureReport keeps, from a run's console output, the failure as the
// runner explains it (from Ginkgo's second "[FAILED]" line, after the request
// log, to its "In [It]" line) and gwsconform's summary, normalised.
func failureReport(output string) string {
	var kept []string
	lines := strings.Split(output, "\n")
	inFailure, inSummary := false, false
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "  [FAILED] ") && !strings.HasPrefix(line, "  [FAILED] in [It]"):
			inFailure = true
		case inFailure && strings.HasPrefix(line, "  In [It] at: "):
			inFailure = false
		case strings.HasPrefix(line, "gwsconform: FAIL"):
			inSummary = true
		}
		if inFailure || inSummary {
			kept = append(kept, line)
		}
	}
	got := strings.Join(kept, "\n") + "\n"
	for _, v := range volatile {
		got = v.pattern.ReplaceAllString(got, v.replace)
	}
	return got
}
