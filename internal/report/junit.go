package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

// The JUnit XML shape that CI servers (Jenkins, GitLab, GitHub actions) read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Line       int             `xml:"line,attr,omitempty"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitProblem   `xml:"failure,omitempty"`
	Error      *junitProblem   `xml:"error,omitempty"`
	Skipped    *junitSkipped   `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the results as JUnit XML (see JUnit) to path.
func (r *Results) WriteJUnit(path string) error {
	data, err := r.JUnit()
	if err != nil {
		return fmt.Errorf("junit %s: %w", path, err)
	}
	return os.WriteFile(path, data, 0o644)
}

// JUnit renders the results as JUnit XML: one testcase per scenario, classname
// is the YAML file. An expected failure is written as skipped (the run does not fail
// on it), a stale known failure as a failure, so CI shows the same verdict as the
// exit code. It depends on the results alone, so `gwsconform verify` renders it
// again from a bundle's results.json and compares the bytes with its junit.xml.
func (r *Results) JUnit() ([]byte, error) {
	suite := junitSuite{
		Name:      "gwsconform",
		Timestamp: r.StartedAt.UTC().Format("2006-01-02T15:04:05"),
		Time:      float64(r.DurationMs) / 1000,
		Properties: []junitProperty{
			{"suiteVersion", r.SuiteVersion},
			{"target.url", r.Target.URL},
			{"target.name", r.Target.Name},
			{"declaredFeatures", strings.Join(r.DeclaredFeatures, ",")},
			{"verdict", r.Verdict},
			{"strict", fmt.Sprint(r.Strict)},
			{"deviations", fmt.Sprint(r.Counts.Deviations)},
		},
	}
	for _, msg := range r.SuiteErrors {
		suite.Cases = append(suite.Cases, junitCase{
			Name: "suite setup", Classname: "gwsconform",
			Error: &junitProblem{Message: firstLine(msg), Type: "error", Body: msg},
		})
		suite.Errors++
	}
	for _, s := range r.Scenarios {
		c := junitCase{
			Name: s.Name, Classname: s.File, File: s.File, Line: s.Line,
			Time: s.DurationMs / 1000,
		}
		body := strings.TrimSpace(strings.Join([]string{s.Location(), s.Step, s.Reason, s.Detail}, "\n"))
		switch {
		case s.StaleKnownFailure:
			c.Failure = &junitProblem{Message: "stale known failure: the scenario passes but the target lists it in knownFailures", Type: "stale-known-failure"}
			suite.Failures++
		case s.ExpectedFailure:
			c.Skipped = &junitSkipped{Message: "known failure: " + firstLine(s.Reason)}
			c.SystemOut = body
			suite.Skipped++
		case s.Outcome == Fail:
			c.Failure = &junitProblem{Message: firstLine(s.Reason), Type: "fail", Body: body}
			suite.Failures++
		case s.Outcome == Error:
			c.Error = &junitProblem{Message: firstLine(s.Reason), Type: "error", Body: body}
			suite.Errors++
		case s.Outcome == Skip:
			c.Skipped = &junitSkipped{Message: s.Reason}
			suite.Skipped++
		}
		if len(s.Deviations) > 0 {
			// A deviation is not a failure: CI sees it as a property and in the
			// output, next to whatever the outcome is.
			c.Properties = []junitProperty{{"deviations", fmt.Sprint(len(s.Deviations))}}
			c.SystemOut = strings.TrimSpace(c.SystemOut + "\n" + deviationText(s.Deviations))
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{
		Name: "gwsconform", Tests: suite.Tests, Failures: suite.Failures,
		Errors: suite.Errors, Skipped: suite.Skipped, Time: suite.Time,
		Suites: []junitSuite{suite},
	}
	data, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}

// deviationText renders deviations one per line, as the console does.
func deviationText(devs []Deviation) string {
	var b strings.Builder
	for _, d := range devs {
		fmt.Fprintf(&b, "DEVIATION (%s) %s: %s\n", d.Level, d.Place, d.Reason)
	}
	return strings.TrimSpace(b.String())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
