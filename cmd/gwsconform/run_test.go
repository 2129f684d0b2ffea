package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
)

// Scenarios the tests write into a temporary directory, so they depend on the
// scenario format and the reference server but not on the catalogue's contents.
const (
	passingScenario = `name: Ready is acknowledged
refs: [notes/agent-state]
labels: [smoke]
actors:
  alice: {kind: agent, ready: false}
steps:
  - alice:
      op: Ready
      then:
        - messageType: ChannelStateChangeMessageV2
          channels: {$contains: [{channel: chat, userState: {state: Ready}}]}
`
	failingScenario = `name: Ready reported as NotReady must fail
refs: [notes/agent-state]
labels: [smoke]
actors:
  bob: {kind: agent, ready: false}
steps:
  - bob:
      op: Ready
      then:
        - messageType: ChannelStateChangeMessageV2
          channels: {$contains: [{channel: chat, userState: {state: NotReady}}]}
`
	consultOnlyScenario = `name: Needs consult
refs: [notes/agent-state]
labels: [smoke]
requires: [chats.consult]
actors:
  carl: {kind: agent, ready: false}
steps:
  - carl: {op: Ready}
`
	serialScenario = `name: Serial Ready
refs: [notes/agent-state]
labels: [smoke]
serial: true
actors:
  dora: {kind: agent, ready: false}
steps:
  - dora: {op: Ready}
`
)

type cliResult struct {
	code   int
	output string
}

// runCLI runs the built binary with args in dir, with no GWSCONFORM_* variables
// from the caller's environment.
func runCLI(t *testing.T, bin, dir string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GWSCONFORM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return cliResult{0, out.String()}
	case errors.As(err, &exitErr):
		return cliResult{exitErr.ExitCode(), out.String()}
	}
	t.Fatalf("gwsconform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return cliResult{}
}

func writeScenarios(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readResults(t *testing.T, dir string) *report.Results {
	t.Helper()
	r, err := report.ReadJSON(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func outcomes(r *report.Results) map[string]report.Outcome {
	out := map[string]report.Outcome{}
	for _, s := range r.Scenarios {
		out[s.Name] = s.Outcome
	}
	return out
}

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestRunCommand builds gwsconform once and checks `gwsconform run` end to end
// against the embedded reference server: exit codes, reports, known failures,
// sharding.
func TestRunCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs scenarios")
	}
	bin := filepath.Join(t.TempDir(), "gwsconform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("the failure report reads as its golden file", func(t *testing.T) { checkFailureReport(t, bin) })

	t.Run("all pass: exit 0, results.json and junit.xml", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario})
		res := runCLI(t, bin, dir, "run", "--scenarios", ".", "--report-dir", "out", "--no-color")
		if res.code != 0 {
			t.Fatalf("exit %d, want 0\n%s", res.code, res.output)
		}
		if !strings.Contains(res.output, "embedded reference server http://127.0.0.1:") {
			t.Errorf("output does not say which target it runs against:\n%s", res.output)
		}
		r := readResults(t, filepath.Join(dir, "out"))
		if r.Counts.Pass != 1 || r.Verdict != report.VerdictPass || r.Target.URL == "" || len(r.Scenarios) != 1 {
			t.Fatalf("results.json: %+v", r)
		}
		s := r.Scenarios[0]
		if s.File != "pass.yaml" || s.Line != 1 || s.Requests == 0 || s.RoundTripMs <= 0 {
			t.Errorf("scenario result %+v", s)
		}
		data, err := os.ReadFile(filepath.Join(dir, "out", report.JUnitFile))
		if err != nil {
			t.Fatal(err)
		}
		var junit struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		}
		if err := xml.Unmarshal(data, &junit); err != nil || junit.Tests != 1 || junit.Failures != 0 {
			t.Errorf("junit.xml: %+v, %v", junit, err)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, "out", report.JSONFile))
		if bytes.Contains(raw, []byte(`"password"`)) || bytes.Contains(raw, []byte("Authorization")) {
			t.Error("results.json contains credentials")
		}
	})

	t.Run("a failing scenario: exit 1 with the failing step's YAML location", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario, "fail.yaml": failingScenario})
		res := runCLI(t, bin, dir, "run", "--scenarios", ".", "--notification-timeout", "1s", "--junit-report", "j.xml", "--no-color")
		if res.code != 1 {
			t.Fatalf("exit %d, want 1\n%s", res.code, res.output)
		}
		if !strings.Contains(res.output, "fail.yaml:") || !strings.Contains(res.output, "FAIL   fail.yaml:7: step 1 (bob Ready)  Ready reported as NotReady must fail") {
			t.Errorf("the failure does not point at the YAML:\n%s", res.output)
		}
		if _, err := os.Stat(filepath.Join(dir, "j.xml")); err != nil {
			t.Errorf("--junit-report: %v", err)
		}
	})

	t.Run("a named fault of the embedded server: exit 1 in the scenario meant to catch it", func(t *testing.T) {
		dir := t.TempDir()
		res := runCLI(t, bin, dir, "run", "--fault", "consult-joined-visible-to-customer", "--focus", "consult-hides-the-consultant",
			"--notification-timeout", "1s", "--report-dir", "out", "--no-color")
		if res.code != 1 || !strings.Contains(res.output, "with fault(s) consult-joined-visible-to-customer") {
			t.Fatalf("exit %d, want 1\n%s", res.code, res.output)
		}
		r := readResults(t, filepath.Join(dir, "out"))
		if len(r.Scenarios) == 0 || r.Counts.Fail == 0 {
			t.Fatalf("no failing scenario: %+v", r.Counts)
		}
		for _, s := range r.Scenarios {
			if s.Outcome == report.Fail && !strings.HasPrefix(s.Step, "internal/scenarios/catalogue/chat/consult.yaml:") {
				t.Errorf("failure outside consult.yaml: %s %s", s.Name, s.Step)
			}
		}
	})

	t.Run("a known failure passes the run, a stale one fails it", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario, "fail.yaml": failingScenario})
		known := runCLI(t, bin, dir, "run", "--scenarios", ".", "--notification-timeout", "1s", "--report-dir", "known",
			"--known-failures", "Ready reported as NotReady must fail")
		if known.code != 0 {
			t.Fatalf("known failure: exit %d, want 0\n%s", known.code, known.output)
		}
		r := readResults(t, filepath.Join(dir, "known"))
		if r.Counts.ExpectedFailures != 1 || r.Counts.Fail != 1 || r.Verdict != report.VerdictPass {
			t.Errorf("known failure counts %+v verdict %s", r.Counts, r.Verdict)
		}

		stale := runCLI(t, bin, dir, "run", "--scenarios", "pass.yaml", "--report-dir", "stale",
			"--known-failures", "Ready is acknowledged")
		if stale.code != 1 || !strings.Contains(stale.output, "STALE") {
			t.Fatalf("stale known failure: exit %d, want 1\n%s", stale.code, stale.output)
		}
		if r := readResults(t, filepath.Join(dir, "stale")); r.Counts.StaleKnownFailures != 1 {
			t.Errorf("stale counts %+v", r.Counts)
		}
	})

	t.Run("undeclared feature: skipped, exit 0", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario, "consult.yaml": consultOnlyScenario})
		res := runCLI(t, bin, dir, "run", "--scenarios", ".", "--features", "chats,notifications,customer", "--report-dir", "out")
		if res.code != 0 {
			t.Fatalf("exit %d, want 0\n%s", res.code, res.output)
		}
		got := outcomes(readResults(t, filepath.Join(dir, "out")))
		if got["Needs consult"] != report.Skip || got["Ready is acknowledged"] != report.Pass {
			t.Errorf("outcomes %v", got)
		}
	})

	t.Run("unreachable target: one error, exit 2", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario, "fail.yaml": failingScenario})
		res := runCLI(t, bin, dir, "run", "--scenarios", ".", "--target", "http://"+closedPort(t), "--report-dir", "out")
		if res.code != 2 {
			t.Fatalf("exit %d, want 2\n%s", res.code, res.output)
		}
		if strings.Count(res.output, "unreachable") != 1 || strings.Contains(res.output, "FAIL ") {
			t.Errorf("want exactly one unreachable error and no failures:\n%s", res.output)
		}
		r := readResults(t, filepath.Join(dir, "out"))
		if len(r.SuiteErrors) != 1 || len(r.Scenarios) != 0 || r.ExitCode != 2 {
			t.Errorf("results.json %+v", r)
		}
	})

	t.Run("invalid scenario file: exit 2 with file:line, nothing run", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"bad.yaml": "name: Broken\nrefs: [x]\nactors:\n  alice: robot\nsteps: []\n"})
		res := runCLI(t, bin, dir, "run", "--scenarios", ".")
		if res.code != 2 {
			t.Fatalf("exit %d, want 2\n%s", res.code, res.output)
		}
		if !strings.Contains(res.output, "bad.yaml:") || strings.Contains(res.output, "Running Suite") {
			t.Errorf("want a file:line problem and no run:\n%s", res.output)
		}
	})

	t.Run("bad flags: exit 2 naming the flag", func(t *testing.T) {
		for _, args := range [][]string{
			{"run", "--no-such-flag"},
			{"run", "--label-filter", "(("},
			{"run", "-p", "-1"},
			{"run", "--target", "http://127.0.0.1:1", "--fault", "capability-missing"},
			{"run", "--fault", "no-such-fault"},
		} {
			res := runCLI(t, bin, t.TempDir(), args...)
			flagName := strings.TrimLeft(args[1], "-")
			if args[1] == "--target" {
				flagName = "fault"
			}
			if res.code != 2 || !strings.Contains(res.output, flagName) {
				t.Errorf("%v: exit %d, want 2 and a message naming %q:\n%s", args, res.code, flagName, res.output)
			}
		}
	})

	t.Run("-p 2 gives the same outcomes as one process", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{
			"pass.yaml": passingScenario, "fail.yaml": failingScenario,
			"consult.yaml": consultOnlyScenario, "serial.yaml": serialScenario,
		})
		common := []string{"run", "--scenarios", ".", "--notification-timeout", "1s", "--features", "chats,notifications,customer"}
		one := runCLI(t, bin, dir, append(common, "--report-dir", "one")...)
		two := runCLI(t, bin, dir, append(common, "-p", "2", "--report-dir", "two")...)
		if one.code != 1 || two.code != 1 {
			t.Fatalf("exit codes %d and %d, want 1 and 1\n--- one process:\n%s\n--- -p 2:\n%s", one.code, two.code, one.output, two.output)
		}
		a, b := outcomes(readResults(t, filepath.Join(dir, "one"))), outcomes(readResults(t, filepath.Join(dir, "two")))
		if len(a) != 4 || !maps.Equal(a, b) {
			t.Errorf("outcomes differ:\none process: %v\n-p 2:        %v", a, b)
		}
		for _, block := range []string{"===== shard 1/2 ", "===== shard 2/2 ", "1 serial scenario(s)"} {
			if !strings.Contains(two.output, block) {
				t.Errorf("-p 2 output lacks %q:\n%s", block, two.output)
			}
		}
		shards := map[string]bool{}
		for _, s := range readResults(t, filepath.Join(dir, "two")).Scenarios {
			shards[s.Shard] = true
		}
		if !shards["1/2"] || !shards["2/2"] || !shards[""] {
			t.Errorf("scenarios did not run in both shards and the parent: %v", shards)
		}
	})
}
