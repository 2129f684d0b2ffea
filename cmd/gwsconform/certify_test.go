package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// notReadyScenario passes against the flaky target: it sends no Ready.
const notReadyScenario = `name: NotReady is acknowledged
refs: [notes/agent-state]
labels: [smoke]
actors:
  fay: {kind: agent}
steps:
  - fay: {op: NotReady}
`

// urlScenario is a core-chat scenario that needs chats.url, so a target
// that withdraws the feature skips it.
const urlScenario = `name: Needs URL
refs: [notes/agent-state]
labels: [smoke]
requires: [chats, chats.url]
actors:
  erin: {kind: agent, ready: false}
steps:
  - erin: {op: Ready}
`

func buildCLI(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs scenarios")
	}
	bin := filepath.Join(t.TempDir(), "gwsconform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestCertificationRuns(t *testing.T) {
	bin := buildCLI(t)

	t.Run("a claimed profile with an undeclared feature fails its claim; without the claim the run passes", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{
			"pass.yaml": passingScenario,
			"url.yaml":  urlScenario,
			"claim.yaml": "product: {vendor: Acme, name: Gateway, version: 1.0, gwsVersion: 8.5.2}\n" +
				"features: ['*', '-chats.url']\nprofiles: [core-chat]\n",
			"noclaim.yaml": "features: ['*', '-chats.url']\n",
		})
		res := runCLI(t, bin, dir, "run", "--scenarios", "pass.yaml", "--scenarios", "url.yaml", "--target-file", "claim.yaml", "--report-dir", "out", "--no-color")
		if res.code != 1 {
			t.Fatalf("exit %d, want 1 (claim fails)\n%s", res.code, res.output)
		}
		r := readResults(t, filepath.Join(dir, "out"))
		if r.Product.Vendor != "Acme" || len(r.Claims) != 1 {
			t.Fatalf("product %+v, claims %+v", r.Product, r.Claims)
		}
		c := r.Claims[0]
		if c.Profile != "core-chat" || !c.Claimed || c.Certified || len(c.Problems) != 1 || c.Problems[0].Scenario != "Needs URL" || c.Problems[0].Outcome != "skip" {
			t.Errorf("claim %+v", c)
		}
		if !strings.Contains(res.output, "NOT CERTIFIED  core-chat") {
			t.Errorf("the summary does not name the failed claim:\n%s", res.output)
		}

		res = runCLI(t, bin, dir, "run", "--scenarios", "pass.yaml", "--scenarios", "url.yaml", "--target-file", "noclaim.yaml", "--no-color")
		if res.code != 0 {
			t.Fatalf("without the claim: exit %d, want 0\n%s", res.code, res.output)
		}
	})

	t.Run("an unknown profile is an error before anything runs", func(t *testing.T) {
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario, "t.yaml": "profiles: [core]\n"})
		res := runCLI(t, bin, dir, "run", "--scenarios", "pass.yaml", "--target-file", "t.yaml")
		if res.code != 2 || !strings.Contains(res.output, `no profile "core"`) {
			t.Fatalf("exit %d\n%s", res.code, res.output)
		}
	})

	t.Run("a scenario that passes on its retry is flaky, and --rerun-failed runs what failed", func(t *testing.T) {
		target := flakyTarget(t)
		dir := writeScenarios(t, map[string]string{"pass.yaml": passingScenario, "notready.yaml": notReadyScenario})
		res := runCLI(t, bin, dir, "run", "--target", target, "--scenarios", ".", "--report-dir", "first", "--no-color")
		if res.code != 1 {
			t.Fatalf("no retries: exit %d, want 1 (the first Ready is refused)\n%s", res.code, res.output)
		}
		if r := readResults(t, filepath.Join(dir, "first")); r.Counts.Pass != 1 || r.Counts.Fail != 1 {
			t.Fatalf("first run: %+v, want one pass and one failure", r.Counts)
		}
		res = runCLI(t, bin, dir, "run", "--target", target, "--scenarios", ".", "--rerun-failed", "first", "--retries", "2", "--report-dir", "second", "--no-color")
		if res.code != 0 {
			t.Fatalf("retried: exit %d, want 0 (refused once more, then a flaky pass)\n%s", res.code, res.output)
		}
		r := readResults(t, filepath.Join(dir, "second"))
		if len(r.Scenarios) != 1 {
			t.Fatalf("--rerun-failed ran %d scenarios, want the 1 that failed", len(r.Scenarios))
		}
		s := r.Scenarios[0]
		if s.Outcome != report.Pass || !s.Flaky || s.Attempts != 2 || r.Counts.Flaky != 1 {
			t.Errorf("scenario %+v, counts %+v: want a flaky pass on attempt 2", s, r.Counts)
		}
		if !strings.Contains(res.output, "FLAKY") || !strings.Contains(res.output, "1 flaky") {
			t.Errorf("the summary does not show the flaky pass:\n%s", res.output)
		}
	})
}

// flakyTarget serves the reference server but refuses the first two Ready
// steps a scenario sends (the harness labels its steps' traffic), so a
// scenario doing Ready fails twice, then passes.
func flakyTarget(t *testing.T) string {
	srv, err := refserver.New(refserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if purpose, _ := gws.PurposeOf(r.UserAgent()); purpose == gws.PurposeStep && r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(`"Ready"`)) && refused.Add(1) <= 2 {
				http.Error(w, `{"statusCode":2,"statusMessage":"try again"}`, http.StatusServiceUnavailable)
				return
			}
		}
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() })
	return ts.URL
}
