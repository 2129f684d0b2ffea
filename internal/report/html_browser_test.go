package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/target"
)

// The width the page must read well at; a reviewer's laptop or a CI artifact
// viewer.
const browserWidth = 1400

// browserTimeout bounds each chromium run: a hung browser fails the test
// instead of hanging it until go test's own 10 minute timeout.
const browserTimeout = 60 * time.Second

// longToken is one unbroken line of a timeline, as a compacted JSON body is:
// without wrapping it pushes the page far wider than the viewport.
var longToken = "received:" + strings.Repeat(`{"userData":{"key":"AAAAAAAAAAAAAAAAAAAAAAAA"},"participants":[1,2,3]}`, 12)

// certificationSample is a run a reviewer would open: a claimed profile that
// holds, one that does not (a failure with a long timeline, a flaky pass and a
// scenario that did not run), deviations, and profiles nobody claimed.
func certificationSample() *Results {
	longStep := "chat/consult/conference-with-a-rather-long-scenario-file-name-that-does-not-fit.yaml:123: step 7 (alice CompleteConsultationWithParticipantsAndUserDataAttached)"
	var timeline strings.Builder
	timeline.WriteString("expected (chat/consult/conference.yaml:130): <ParticipantJoined> for bob within 5s\n")
	timeline.WriteString("alice's notifications (seconds since the scenario started):\n")
	for i := range 30 {
		fmt.Fprintf(&timeline, "  #%-3d %8s  /chat/%d: ParticipantLeft {\"nickname\":\"agent%d\"}\n", i+1, fmt.Sprintf("+%d.%03ds", i/10, i*37%1000), i, i)
	}
	timeline.WriteString("  " + longToken + "\n  ---- +5.000s  deadline\n")
	r := &Results{
		SuiteVersion:     SuiteVersion,
		Build:            Build{Module: "github.com/gwsconform/gwsconform", Version: "v0.9.0", Revision: "0123456789abcdef0123456789abcdef01234567", Modified: true, Time: "2026-01-01T10:00:00Z"},
		CatalogueDigest:  "sha256:" + strings.Repeat("9f8e7d6c5b4a3210", 4),
		Target:           TargetInfo{URL: "https://gws.example.test:8443/api/v2", Name: "acme-staging"},
		DeclaredFeatures: []string{"chats", "chats.consult", "chats.conference", "userData"},
		Product:          target.Product{Vendor: "Acme", Name: "ChatServer", Version: "3.2.1", GWSVersion: "8.5.2"},
		StartedAt:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Scenarios: []Scenario{
			{Name: "alice starts a chat", File: "chat/core/start.yaml", Line: 1, Refs: []string{"notes/start-chat"}, Labels: []string{"core"}, Outcome: Pass, DurationMs: 41,
				Deviations: []Deviation{
					{Level: "reference", Place: "chat/core/start.yaml:14", Reason: "response body: /referenceId: missing"},
					{Level: "inferred", Place: "chat/core/start.yaml:20", Reason: "alice's notification #3: /chat/capabilities: no element matches Reject"},
				}},
			{Name: "alice sends a message", File: "chat/core/message.yaml", Line: 1, Refs: []string{"notes/send-message"}, Labels: []string{"core"}, Outcome: Pass, DurationMs: 30},
			{Name: "alice consults bob", File: "chat/consult/conference.yaml", Line: 100, Refs: []string{"notes/consult", "notes/conference"}, Labels: []string{"consult"},
				Outcome: Fail, Step: longStep, Reason: "missing notification: bob never joined the <chat> & alice saw nothing", Detail: timeline.String(), DurationMs: 5020},
			{Name: "alice invites carol", File: "chat/consult/invite.yaml", Line: 1, Refs: []string{"notes/invite"}, Labels: []string{"consult"}, Outcome: Pass, Flaky: true, Attempts: 2, DurationMs: 380,
				Deviations: []Deviation{{Level: "inferred", Place: "chat/consult/invite.yaml:31", Reason: "invite answer: statusCode 7 is not documented for this operation"}}},
			{Name: "customer reads a transcript", File: "customer/transcript.yaml", Line: 1, Refs: []string{"notes/customer-get-chat"}, Outcome: Pass, DurationMs: 22},
		},
		Claims: []Claim{
			{Profile: "core-chat", Description: "start, message and end a chat", Claimed: true, Certified: true,
				Scenarios: []string{"alice sends a message", "alice starts a chat"}, Passed: 2, Deviations: 2},
			{Profile: "consult-conference", Description: "consult and conference another agent", Claimed: true,
				Scenarios: []string{"alice consults bob", "alice invites carol", "alice transfers to a queue"}, Deviations: 1,
				Problems: []ClaimProblem{
					{Scenario: "alice consults bob", Outcome: "fail", Reason: "missing notification: bob never joined the <chat> & alice saw nothing"},
					{Scenario: "alice invites carol", Outcome: "flaky", Reason: "failed, then passed on a retry; list it in knownFlaky to accept that"},
					{Scenario: "alice transfers to a queue", Outcome: "not run", Reason: "the run did not select it (--focus, --skip, --label-filter)"},
				}},
			{Profile: "customer-api", Description: "the customer chat API", Scenarios: []string{"customer reads a transcript"}, Passed: 1},
			{Profile: "errors", Description: "error answers", Scenarios: []string{"bad request"},
				Problems: []ClaimProblem{{Scenario: "bad request", Outcome: "not run", Reason: "the run did not select it"}}},
		},
	}
	r.SetDuration(6200 * time.Millisecond)
	r.Finish()
	return r
}

// probeScript is appended by the test to a copy of the page, never to the page
// itself: it records what a person sees with the page as written, then with
// every <details> open, into a hidden element that --dump-dom returns.
const probeScript = `<script>
(function () {
  var de = document.documentElement;
  function box(sel) {
    var e = document.querySelector(sel);
    if (!e) return null;
    var r = e.getBoundingClientRect();
    return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right, width: r.width, height: r.height};
  }
  function texts(sel) { return Array.prototype.map.call(document.querySelectorAll(sel), function (e) { return e.innerText; }); }
  var out = {closedText: document.body.innerText};
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  out.text = document.body.innerText;
  out.scrollWidth = de.scrollWidth;
  out.clientWidth = de.clientWidth;
  out.scrollHeight = de.scrollHeight;
  out.widest = 0;
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > out.widest) { out.widest = r.right; out.widestElement = e.tagName + '.' + e.className; }
  });
  out.clipped = [];
  document.querySelectorAll('body *').forEach(function (e) {
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline') {
      out.clipped.push(e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth);
    }
  });
  out.profiles = box('#profiles');
  out.scenarios = box('table.scenarios');
  out.timeline = box('pre.timeline');
  out.failedBadge = box('.claim.bad .badge');
  out.claims = texts('.claim');
  out.rows = texts('table.scenarios tbody');
  var p = document.createElement('pre');
  p.id = 'gwsconform-probe';
  p.hidden = true;
  p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
})();
</script>
`

type box struct{ Top, Bottom, Left, Right, Width, Height float64 }

type probe struct {
	ClosedText, Text         string
	ScrollWidth, ClientWidth int
	ScrollHeight             int
	Widest                   float64
	WidestElement            string
	Clipped                  []string
	Profiles, Scenarios      *box
	Timeline, FailedBadge    *box
	Claims, Rows             []string
}

var probeElement = regexp.MustCompile(`(?s)<pre id="gwsconform-probe"[^>]*>(.*?)</pre>`)

// TestReportInBrowser renders report.html in headless Chromium at 1400 px and
// checks what a reviewer sees: the profile verdicts first, the failing
// scenario named, a failure expanded without anything wider than the window.
func TestReportInBrowser(t *testing.T) {
	t.Parallel()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (%v): this test renders report.html in a real browser and CI must run it; "+
			"install Debian's package with `apt-get install -y chromium` (.ci/run does so when it is missing)", err)
	}
	dir := t.TempDir()
	r := certificationSample()
	if err := r.WriteHTML(filepath.Join(dir, HTMLFile)); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.LastIndex(page, []byte("</body>"))
	if end < 0 {
		t.Fatal("report.html has no </body>")
	}
	probed := filepath.Join(dir, "probed.html")
	if err := os.WriteFile(probed, slices.Concat(page[:end], []byte(probeScript), page[end:]), 0o644); err != nil {
		t.Fatal(err)
	}

	dom := runChromium(t, browser, fmt.Sprintf("--window-size=%d,1000", browserWidth), "--dump-dom", fileURL(t, probed))
	m := probeElement.FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe did not run; rendered DOM:\n%.2000s", dom)
	}
	var p probe
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p); err != nil {
		t.Fatalf("probe: %v\n%s", err, m[1])
	}

	// Nothing wider than the window, with every failure and deviation open.
	if p.ScrollWidth > browserWidth || p.ScrollWidth > p.ClientWidth {
		t.Errorf("the page scrolls sideways: scrollWidth %d, window %d px (viewport %d)", p.ScrollWidth, browserWidth, p.ClientWidth)
	}
	if p.Widest > float64(p.ClientWidth)+0.5 {
		t.Errorf("%s reaches %.0f px, past the %d px viewport", p.WidestElement, p.Widest, p.ClientWidth)
	}
	if len(p.Clipped) > 0 {
		t.Errorf("elements whose content is wider than they are (hidden or scrolled, not wrapped): %v", p.Clipped)
	}
	if p.Timeline == nil || p.Timeline.Height < 200 || p.Timeline.Right > float64(p.ClientWidth) || p.Timeline.Width < browserWidth/2 {
		t.Errorf("the failure's timeline is not shown full width when expanded: %+v", p.Timeline)
	}
	if !strings.Contains(strings.Join(strings.Fields(p.Text), ""), longToken) {
		t.Error("the timeline's long line is not shown whole")
	}

	// The profile verdicts come first, and the one that fails says why.
	if p.Profiles == nil || p.Scenarios == nil || p.Profiles.Bottom > p.Scenarios.Top {
		t.Errorf("the profile verdicts are not above the scenarios: profiles %+v, scenarios %+v", p.Profiles, p.Scenarios)
	}
	notCertified, scenariosHeading := strings.Index(p.Text, "not certified"), strings.Index(p.Text, "Scenarios")
	if notCertified < 0 || scenariosHeading < 0 || notCertified > scenariosHeading {
		t.Errorf("'not certified' at %d, the scenarios at %d in the page's text", notCertified, scenariosHeading)
	}
	if len(p.Claims) != 2 {
		t.Fatalf("claimed profiles shown: %q", p.Claims)
	}
	if c := p.Claims[0]; !strings.HasPrefix(c, "certified core-chat") || !strings.Contains(c, "passed 2 of 2") {
		t.Errorf("the certified profile reads %q", c)
	}
	failed := p.Claims[1]
	for _, want := range []string{"not certified consult-conference", "passed 0 of 3", "1 deviation(s)",
		"alice consults bob\tfail\tmissing notification: bob never joined the <chat> & alice saw nothing",
		"alice invites carol\tflaky", "alice transfers to a queue\tnot run"} {
		if !strings.Contains(failed, want) {
			t.Errorf("the failed claim lacks %q; it reads:\n%s", want, failed)
		}
	}
	for _, want := range []string{"ChatServer 3.2.1 by Acme, implementing GWS 8.5.2", "acme-staging", r.Build.Revision,
		r.CatalogueDigest, "customer-api\tpassed 1 of 1", "errors\tpassed 0 of 1"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("the page does not show %q", want)
		}
	}

	// Failures first; each row says what a reader needs without opening it.
	if len(p.Rows) != len(r.Scenarios) || !strings.Contains(p.Rows[0], "alice consults bob") || !strings.Contains(p.Rows[1], "alice invites carol") {
		t.Fatalf("rows not failure, then flaky first: %q", p.Rows)
	}
	for i, want := range [][]string{
		{"fail", "missing notification", "chat/consult/conference.yaml:100", "conference-with-a-rather-long", "notes/consult, notes/conference"},
		{"flaky", "2 attempt(s)", "1 deviation(s)", "statusCode 7 is not documented"},
	} {
		for _, w := range want {
			if !strings.Contains(p.Rows[i], w) {
				t.Errorf("row %d lacks %q:\n%s", i, w, p.Rows[i])
			}
		}
	}
	if !strings.Contains(p.Text, "response body: /referenceId: missing") {
		t.Error("the deviations of a pass are not listed")
	}
	// As written, the timeline is folded away but the reason is not.
	if strings.Contains(p.ClosedText, "deadline") || !strings.Contains(p.ClosedText, "bob never joined") {
		t.Error("with nothing expanded, the timeline should be hidden and the failure's reason shown")
	}

	// A screenshot of the whole page, expanded, for a person to look at.
	out, kept := screenshotDir(t)
	shot := filepath.Join(out, "report-1400.png")
	height := min(max(p.ScrollHeight, 800), 12000)
	runChromium(t, browser, fmt.Sprintf("--window-size=%d,%d", browserWidth, height), "--screenshot="+shot, fileURL(t, probed))
	if err := os.WriteFile(filepath.Join(out, HTMLFile), page, 0o644); err != nil {
		t.Fatal(err)
	}
	if kept {
		t.Logf("screenshot: %s (the page: %s)", shot, filepath.Join(out, HTMLFile))
	} else {
		t.Logf("screenshot: %s (removed after the test: keep it with go test -artifacts -outputdir DIR, or GWSCONFORM_SCREENSHOT_DIR=DIR)", shot)
	}
	img := decodePNG(t, shot)
	if w := img.Bounds().Dx(); w != browserWidth {
		t.Errorf("screenshot is %d px wide, want %d", w, browserWidth)
	}
	if n := colours(img, 64); n < 16 {
		t.Errorf("screenshot has %d colours: a blank page?", n)
	}
	// The not-certified badge is where the layout put it, in its red: the
	// screenshot shows the profile verdicts, not just that something rendered.
	if b := p.FailedBadge; b == nil || redShare(img, *b) < 0.3 {
		t.Errorf("the screenshot does not show the red not-certified badge at %+v", p.FailedBadge)
	}
}

// runChromium runs one headless chromium with a profile of its own, so
// parallel runs share nothing, and returns its standard output.
func runChromium(t *testing.T, browser string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	args = append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, browser, args...)
	killTree(cmd)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium %s did not finish within %s; its stderr ends:\n%s", strings.Join(args, " "), browserTimeout, tail(stderr.String(), 2000))
	}
	if err != nil {
		t.Fatalf("chromium %s: %v; its stderr ends:\n%s", strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

// screenshotDir is where the screenshot goes and whether it outlives the
// test. GWSCONFORM_SCREENSHOT_DIR wins because t.ArtifactDir is a temporary
// directory unless go test runs with -artifacts.
func screenshotDir(t *testing.T) (string, bool) {
	if dir := os.Getenv("GWSCONFORM_SCREENSHOT_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir, true
	}
	f := flag.Lookup("test.artifacts")
	return t.ArtifactDir(), f != nil && f.Value.String() == "true"
}

func fileURL(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func decodePNG(t *testing.T, path string) image.Image {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return img
}

// colours counts the distinct colours of img, stopping at limit.
func colours(img image.Image, limit int) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// redShare is the share of the pixels inside bx that are the fail red
// (#cf222e, give or take antialiasing).
func redShare(img image.Image, bx box) float64 {
	near := func(a uint32, want int) bool { d := int(a>>8) - want; return d > -24 && d < 24 }
	red, all := 0, 0
	for y := int(bx.Top) + 2; y < int(bx.Bottom)-2; y++ {
		for x := int(bx.Left) + 2; x < int(bx.Right)-2; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			all++
			if near(r, 0xcf) && near(g, 0x22) && near(b, 0x2e) {
				red++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(red) / float64(all)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
