package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"os"
	"slices"
	"strings"
)

// htmlSource is the page: one self-contained file, no scripts and no external
// styles or images, so it can be attached to a ticket or opened from a CI
// artifact offline. Failures and errors expand (<details>) to show the step
// and the timeline; long lines wrap so the page never scrolls sideways.
//
//go:embed html.tmpl
var htmlSource string

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"label":        outcomeLabel,
	"class":        outcomeClass,
	"join":         func(s []string) string { return strings.Join(s, ", ") },
	"ms":           func(v float64) string { return fmt.Sprintf("%.0f ms", v) },
	"anchor":       anchor,
	"hasDetail":    hasDetail,
	"problemClass": problemClass,
}).Parse(htmlSource))

// htmlView is what the page needs beyond Results, computed once so the
// template stays declarative.
type htmlView struct {
	*Results
	// Claimed come first because they are what a reviewer certifies;
	// Unclaimed are shown compactly, for information only.
	Claimed, Unclaimed []Claim
	// Rows are the scenarios in the order a reader triages them.
	Rows []Scenario
	// Ran names the scenarios that have a row, so a claim's problem links to
	// its row only when there is one (not for "not run").
	Ran   map[string]bool
	Flaky int
}

func newHTMLView(r *Results) htmlView {
	v := htmlView{Results: r, Rows: attentionFirst(r.Scenarios), Ran: make(map[string]bool, len(r.Scenarios))}
	for _, c := range r.Claims {
		if c.Claimed {
			v.Claimed = append(v.Claimed, c)
		} else {
			v.Unclaimed = append(v.Unclaimed, c)
		}
	}
	for _, s := range r.Scenarios {
		v.Ran[s.Name] = true
		if s.Flaky {
			v.Flaky++
		}
	}
	return v
}

func outcomeLabel(s Scenario) string {
	switch {
	case s.StaleKnownFailure:
		return "pass (stale known failure)"
	case s.ExpectedFailure:
		return "fail (known)"
	}
	return string(s.Outcome)
}

// outcomeClass is the row's CSS class: the outcome, or xfail for a known failure.
func outcomeClass(s Scenario) string {
	switch {
	case s.StaleKnownFailure:
		return string(Fail)
	case s.ExpectedFailure:
		return "xfail"
	}
	return string(s.Outcome)
}

// problemClass colours a claim problem's outcome like the scenario rows do.
func problemClass(outcome string) string {
	switch outcome {
	case string(Fail), string(Error):
		return outcome
	case "flaky", "known failure":
		return "xfail"
	}
	return string(Skip)
}

// hasDetail: the scenario gets a collapsible row with its step, reason and
// timeline. A pass's step is only where it was when nothing went wrong.
func hasDetail(s Scenario) bool {
	return s.Detail != "" || (s.Step != "" && s.Outcome != Pass)
}

// anchor is the id of a scenario's rows. HTML ids may not contain spaces, and
// a readable one makes a link such as report.html#scenario-alice-accepts
// something a person can type.
func anchor(name string) string {
	var b strings.Builder
	b.WriteString("scenario-")
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// attentionFirst orders the rows as a reader triages them: errors, then failures
// (stale known failures among them), then skips, known failures and flaky passes
// (each can fail a claim), then passes; the catalogue order is kept within each
// group.
func attentionFirst(list []Scenario) []Scenario {
	rank := func(s Scenario) int {
		switch Outcome(outcomeClass(s)) {
		case Error:
			return 0
		case Fail:
			return 1
		case Pass:
			if s.Flaky {
				return 2
			}
			return 3
		}
		return 2
	}
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b Scenario) int { return rank(a) - rank(b) })
	return out
}

// WriteHTML writes the static report page to path.
func (r *Results) WriteHTML(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := htmlPage.Execute(f, newHTMLView(r)); err != nil {
		f.Close()
		return fmt.Errorf("html report %s: %w", path, err)
	}
	return f.Close()
}
