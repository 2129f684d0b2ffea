package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/target"
)

func scenarioNamed(t *testing.T, r *Results, name string) *Scenario {
	t.Helper()
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	t.Fatalf("no scenario %q", name)
	return nil
}

func writePage(t *testing.T, r *Results) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), HTMLFile)
	if err := r.WriteHTML(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Whatever a target answers ends up in reasons and timelines; it must be shown,
// never interpreted.
func TestHTMLEscapesWhatTheTargetSaid(t *testing.T) {
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r := certificationSample()
	r.Product.Vendor = evil
	failed, deviating := scenarioNamed(t, r, "alice consults bob"), scenarioNamed(t, r, "alice starts a chat")
	failed.Name += evil
	failed.Reason = evil
	failed.Step = evil
	failed.Detail = "received: " + evil
	deviating.Deviations[0].Reason = evil
	r.Claims[1].Problems[2].Reason = evil
	r.SuiteErrors = []string{evil}
	page := writePage(t, r)
	for _, bad := range []string{"<script", "<img", "onerror=alert(1)>"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q unescaped", bad)
		}
	}
	if n := strings.Count(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"); n < 7 {
		t.Errorf("the escaped text appears %d times, want it in each of the 7 places it was put", n)
	}
	if !strings.Contains(page, "missing notification: bob never joined the &lt;chat&gt; &amp; alice saw nothing") {
		t.Error("a reason is not escaped as text")
	}
}

var (
	attrURL  = regexp.MustCompile(`(?i)\b(?:href|src|srcset|action|data|poster)\s*=\s*"?([^"\s>]*)`)
	external = regexp.MustCompile(`(?i)https?://|<link|<script|<iframe|<object|<embed|<img|@import|url\(`)
)

// The page is attached to tickets and opened offline: nothing in it may load
// anything. The target's URL is the one address it shows, as text.
func TestHTMLIsSelfContained(t *testing.T) {
	for name, r := range map[string]*Results{"sample": sample(), "certification": certificationSample()} {
		t.Run(name, func(t *testing.T) {
			r.Finish()
			page := writePage(t, r)
			if !strings.Contains(page, r.Target.URL) {
				t.Fatalf("the page does not show the target URL %s", r.Target.URL)
			}
			rest := strings.ReplaceAll(page, r.Target.URL, "")
			if m := external.FindString(rest); m != "" {
				t.Errorf("report.html refers to something outside itself: %q", m)
			}
			for _, m := range attrURL.FindAllStringSubmatch(page, -1) {
				if !strings.HasPrefix(m[1], "#") {
					t.Errorf("attribute %q points outside the page", m[0])
				}
			}
			if !strings.Contains(page, "<style>") {
				t.Error("the styles are not inline")
			}
		})
	}
}

// A reviewer reads the verdict, then the claims, then the counts, then the
// scenarios; each problem of a claim links to its scenario's row.
func TestHTMLOrderAndClaims(t *testing.T) {
	r := certificationSample()
	page := writePage(t, r)
	order := []string{"<h1>", "<dt>Product</dt>", "<b>ChatServer 3.2.1</b> by Acme", "GWS 8.5.2", r.Build.Revision, r.CatalogueDigest,
		`id="profiles"`, "not certified", "Other profiles", "customer-api", `id="counts"`, "4 pass", `id="scenarios"`, `class="o fail"`}
	last := -1
	for _, want := range order {
		at := strings.Index(page, want)
		if at < 0 {
			t.Fatalf("report.html lacks %q", want)
		}
		if at < last {
			t.Errorf("%q comes before what should precede it", want)
		}
		last = at
	}
	if strings.Count(page, `class="badge pass">certified<`) != 1 || strings.Count(page, `class="badge fail">not certified<`) != 1 {
		t.Error("want one certified and one not certified claimed profile")
	}
	// The unclaimed profiles are informational: no verdict badge.
	others := page[strings.Index(page, "Other profiles"):strings.Index(page, `id="counts"`)]
	if strings.Contains(others, "certified") {
		t.Errorf("an unclaimed profile is given a verdict: %s", others)
	}
	for _, link := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+link[1]+`"`) {
			t.Errorf("link #%s has no target", link[1])
		}
	}
	if !strings.Contains(page, `<a href="#scenario-alice-consults-bob">alice consults bob</a>`) ||
		strings.Contains(page, `href="#scenario-alice-transfers-to-a-queue"`) {
		t.Error("a problem links to its row only when the scenario ran")
	}
	for _, want := range []string{`<span class="tag flaky">flaky</span>`, "2 attempt(s)", "1 deviation(s)", "1 flaky</span>)",
		"scenario at chat/consult/conference.yaml:100", `<pre class="timeline">`, "(built from a modified tree)"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// A run that certifies nothing says so, and leaves out what it does not have.
func TestHTMLWithoutProductOrClaims(t *testing.T) {
	r := sample()
	r.Finish()
	page := writePage(t, r)
	if strings.Contains(page, "<dt>Product</dt>") || strings.Contains(page, "Other profiles") {
		t.Error("a run without a product or profiles shows them")
	}
	for _, want := range []string{"No profile claimed", "not stamped", "Catalogue digest</dt><dd>not recorded"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	r.Product = target.Product{Vendor: "V", Name: "N", Version: "1"}
	if page := writePage(t, r); !strings.Contains(page, "<b>N 1</b> by V</dd>") {
		t.Error("a product without a GWS version is not shown plainly")
	}
}

func TestAttentionFirstPutsFlakyBeforePasses(t *testing.T) {
	rows := attentionFirst([]Scenario{
		{Name: "pass", Outcome: Pass}, {Name: "flaky", Outcome: Pass, Flaky: true},
		{Name: "skip", Outcome: Skip}, {Name: "fail", Outcome: Fail}, {Name: "error", Outcome: Error},
	})
	var got []string
	for _, s := range rows {
		got = append(got, s.Name)
	}
	if strings.Join(got, " ") != "error fail flaky skip pass" {
		t.Errorf("order %v", got)
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"alice consults bob":       "scenario-alice-consults-bob",
		"Agent: Accept / Decline!": "scenario-agent-accept-decline",
		"  ":                       "scenario",
	} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

// A part of a split run holds only some scenarios of each profile: its page
// must not call a claim certified or not before the parts are merged.
func TestHTMLOfAPartDefersTheClaims(t *testing.T) {
	r := certificationSample()
	r.Part = &Part{Index: 2, Total: 3, PlanDigest: "sha256:abc"}
	r.Finish()
	page := writePage(t, r)
	if !strings.Contains(page, "part 2 of 3 of the plan") || strings.Contains(page, "not certified") {
		t.Errorf("the page of a part judges its claims:\n%s", page)
	}
}
