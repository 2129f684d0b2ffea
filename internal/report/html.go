package report

import (
	"fmt"
	"html/template"
	"os"
	"slices"
	"strings"
)

// htmlPage is one self-contained file: no scripts, no external styles, so it can be
// attached to a ticket or opened from a CI artifact as is. Failures and errors
// expand (<details>) to show the step and the timeline.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"label":          outcomeLabel,
	"class":          outcomeClass,
	"join":           func(s []string) string { return strings.Join(s, ", ") },
	"attentionFirst": attentionFirst,
	"ms":             func(v float64) string { return fmt.Sprintf("%.0f ms", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gwsconform report: {{.Target.Name}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f4f4f4; }
.summary td { border: none; padding: .1em 1em .1em 0; }
.verdict { font-weight: bold; padding: .2em .6em; border-radius: 3px; color: #fff; }
.o { font-weight: bold; white-space: nowrap; }
.pass { color: #1a7f37; } .verdict.pass { background: #1a7f37; color: #fff; }
.fail { color: #cf222e; } .verdict.fail { background: #cf222e; color: #fff; }
.error { color: #8250df; } .verdict.error { background: #8250df; color: #fff; }
.skip { color: #777; }
.xfail { color: #9a6700; }
.loc { font-family: ui-monospace, monospace; font-size: .9em; color: #555; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; font-size: .85em; }
summary { cursor: pointer; }
.dev { color: #9a6700; }
ul.devs { margin: .3em 0; padding-left: 1.2em; font-size: .9em; }
</style>
</head>
<body>
<h1>gwsconform: <span class="verdict {{.Verdict}}">{{.Verdict}}</span></h1>
<table class="summary">
<tr><td>Target</td><td>{{.Target.Name}} <span class="loc">{{.Target.URL}}</span></td></tr>
<tr><td>Declared features</td><td>{{if .DeclaredFeatures}}{{join .DeclaredFeatures}}{{else}}(none){{end}}</td></tr>
<tr><td>Started</td><td>{{.StartedAt.Format "2006-01-02 15:04:05 MST"}}, took {{.Duration}}</td></tr>
<tr><td>Outcomes</td><td><span class="pass">{{.Counts.Pass}} pass</span>,
 <span class="fail">{{.Counts.Fail}} fail</span>{{if .Counts.ExpectedFailures}} ({{.Counts.ExpectedFailures}} known){{end}},
 <span class="skip">{{.Counts.Skip}} skip</span>,
 <span class="error">{{.Counts.Error}} error</span>{{if .Counts.StaleKnownFailures}},
 <span class="fail">{{.Counts.StaleKnownFailures}} stale known failure(s)</span>{{end}}</td></tr>
<tr><td>Deviations</td><td>{{if .Counts.Deviations}}<span class="dev">{{.Counts.Deviations}} in {{.Counts.DeviatingScenarios}} scenario(s)</span>{{else}}none{{end}}{{if .Strict}} (strict run: deviations fail){{else}}: checks of inferred or reference evidence the target does not meet; they do not fail it{{end}}</td></tr>
<tr><td>Suite version</td><td>{{.SuiteVersion}}</td></tr>
</table>
{{if .SuiteErrors}}<h2 class="error">Errors outside the scenarios</h2>
{{range .SuiteErrors}}<pre>{{.}}</pre>{{end}}{{end}}
<h2>Scenarios</h2>
<table>
<tr><th>Outcome</th><th>Scenario</th><th>Location</th><th>Labels</th><th>Time</th></tr>
{{range attentionFirst .Scenarios}}<tr>
<td class="o {{class .}}">{{label .}}</td>
<td>{{if or .Detail .Step (and .Reason (ne .Outcome "pass"))}}<details><summary>{{.Name}}{{if .Reason}}: {{.Reason}}{{end}}</summary>
{{if .Step}}<p><b>Step:</b> {{.Step}}</p>{{end}}{{if .Detail}}<pre>{{.Detail}}</pre>{{end}}</details>{{else}}{{.Name}}{{end}}
{{if .Deviations}}<details><summary class="dev">{{len .Deviations}} deviation(s)</summary><ul class="devs">{{range .Deviations}}
<li><b>{{.Level}}</b> <span class="loc">{{.Place}}</span>: {{.Reason}}{{if .Detail}}<pre>{{.Detail}}</pre>{{end}}</li>{{end}}</ul></details>{{end}}
{{if .Refs}}<div class="loc">{{join .Refs}}</div>{{end}}</td>
<td class="loc">{{.Location}}</td>
<td>{{join .Labels}}</td>
<td>{{ms .DurationMs}}</td>
</tr>
{{end}}</table>
</body>
</html>
`))

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

// attentionFirst orders the rows as a reader triages them: errors, then failures
// (stale known failures among them), skips and known failures, then passes; the
// catalogue order is kept within each group.
func attentionFirst(list []Scenario) []Scenario {
	rank := func(s Scenario) int {
		switch Outcome(outcomeClass(s)) {
		case Error:
			return 0
		case Fail:
			return 1
		case Pass:
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
	if err := htmlPage.Execute(f, r); err != nil {
		f.Close()
		return fmt.Errorf("html report %s: %w", path, err)
	}
	return f.Close()
}
