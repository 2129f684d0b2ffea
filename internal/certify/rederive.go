package certify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/gwsconform/gwsconform/internal/report"
)

// checkResults checks results.json: against the manifest, against itself (the
// verdicts must follow from the scenario outcomes; rederive) and against
// junit.xml. A valid digest only proves the file is the one the manifest
// lists; this proves the manifest's author did not edit a verdict and then
// digest the edit.
func checkResults(dir string, m *Manifest, rep *Report) {
	data, err := os.ReadFile(filepath.Join(dir, report.JSONFile))
	if err != nil {
		rep.unreadable(report.JSONFile, err)
		return
	}
	var file report.Results
	if err := decodeStrict(data, &file); err != nil {
		rep.problem(report.JSONFile, "", "not valid results: %v", err)
		return
	}
	if canon, err := canonicalJSON(&file); err == nil && !bytes.Equal(canon, data) {
		// Duplicate keys or keys in other case parse, but a reviewer's
		// other tool may read them otherwise than this one.
		rep.problem(report.JSONFile, "", "not byte for byte what gwsconform writes for its content: edited after the run")
	}
	if file.SuiteVersion != report.SuiteVersion {
		rep.problem(report.JSONFile, "suiteVersion", "%q, and this gwsconform re-derives the verdicts of suite version %q: verify with the version that ran", file.SuiteVersion, report.SuiteVersion)
	}
	if m != nil {
		if m.SuiteVersion != file.SuiteVersion {
			rep.problem(ManifestFile, "suiteVersion", "%q, %s says %q", m.SuiteVersion, report.JSONFile, file.SuiteVersion)
		}
		if m.Verdict != file.Verdict {
			rep.problem(ManifestFile, "verdict", "%q, %s says %q", m.Verdict, report.JSONFile, file.Verdict)
		}
	}
	checked, problems := rederive(data)
	rep.Checked = append(rep.Checked, checked)
	rep.Problems = append(rep.Problems, problems...)
	checkJUnit(dir, &file, rep)
	checkTranscripts(dir, &file, rep)
	if _, err := os.Stat(filepath.Join(dir, report.HTMLFile)); err != nil {
		rep.unreadable(report.HTMLFile, err)
	} else {
		rep.checked("%s: covered by its digest only (it is not rendered again)", report.HTMLFile)
	}
}

// unreadable reports a file of every bundle that could not be read, unless
// it is missing and a problem (the manifest's "listed but missing") already
// says so.
func (r *Report) unreadable(file string, err error) {
	if !errors.Is(err, fs.ErrNotExist) {
		r.problem(file, "", "unreadable: %v", err)
		return
	}
	if !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.File == file }) {
		r.problem(file, "", "missing: every bundle has it")
	}
}

// canonicalJSON is r as report.Results.WriteJSON writes it: the same writer,
// through a temporary file, so that the two never drift apart.
func canonicalJSON(r *report.Results) ([]byte, error) {
	f, err := os.CreateTemp("", "gwsconform-verify-*.json")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if err := r.WriteJSON(name); err != nil {
		return nil, err
	}
	return os.ReadFile(name)
}

// rederive recomputes, from a copy of results.json, everything a run derives
// from the scenario outcomes (the known-failure and flaky marks, the claims,
// the counts, the verdict and the exit code) with the same code the run uses,
// and reports every field whose recorded value differs.
func rederive(data []byte) (checked string, problems []Problem) {
	var file, derived report.Results
	if err := json.Unmarshal(data, &file); err != nil {
		return "", []Problem{{File: report.JSONFile, Message: err.Error()}}
	}
	_ = json.Unmarshal(data, &derived) // the same bytes: cannot fail now
	var knownFlaky []string
	lists := "no options recorded: the known-failure marks are taken as written"
	if derived.Options != nil {
		knownFlaky = derived.Options.KnownFlaky
		for i := range derived.Scenarios {
			derived.Scenarios[i].ExpectedFailure, derived.Scenarios[i].StaleKnownFailure = false, false
		}
		derived.ApplyKnownFailures(derived.Options.KnownFailures)
		lists = "knownFailures and knownFlaky from its options"
	}
	for i := range derived.Scenarios {
		// As the suite marks it (internal/suite/play.go): a pass that took
		// more than one attempt.
		s := &derived.Scenarios[i]
		s.Flaky = s.Outcome == report.Pass && s.Attempts > 1
	}
	problems = completeClaims(&derived)
	Rejudge(&derived, knownFlaky)
	derived.Finish()
	diffTree("", tree(&file), tree(&derived), &problems)
	checked = fmt.Sprintf("%s: counts, verdict, exit code, %d claim(s), known-failure and flaky marks re-derived from %d scenario outcome(s) (%s)",
		report.JSONFile, len(file.Claims), len(file.Scenarios), lists)
	return checked, problems
}

// completeClaims checks each claim's list of scenarios against the scenarios
// that ran: one that ran and belongs to the profile must be in it, or a
// failure could be cut out of a claim. It adds what is missing, so that
// Rejudge judges the claim with it. A scenario of the catalogue that did not
// run cannot be told from here (that needs the catalogue, which
// catalogueDigest names), nor is a claim of an unknown profile judged.
func completeClaims(r *report.Results) []Problem {
	var problems []Problem
	customerAPI := "gws"
	if r.Options != nil && r.Options.CustomerAPI != "" {
		customerAPI = r.Options.CustomerAPI
	}
	for i := range r.Claims {
		c := &r.Claims[i]
		p, ok := Lookup(c.Profile)
		if !ok {
			problems = append(problems, Problem{File: report.JSONFile, Field: fmt.Sprintf("claims[%s].profile", c.Profile),
				Message: fmt.Sprintf("%q is no profile of this suite version (gwsconform profiles lists them)", c.Profile)})
			continue
		}
		for _, s := range r.Scenarios {
			if p.Covers(s.Requires) && Applies(s.Requires, customerAPI) && !slices.Contains(c.Scenarios, s.Name) {
				problems = append(problems, Problem{File: report.JSONFile, Field: fmt.Sprintf("claims[%s].scenarios", c.Profile),
					Message: fmt.Sprintf("lacks %q, which ran and belongs to the profile", s.Name)})
				c.Scenarios = append(c.Scenarios, s.Name)
			}
		}
		slices.Sort(c.Scenarios)
	}
	return problems
}

// tree is r as generic JSON, numbers kept exact, for diffTree.
func tree(r *report.Results) any {
	data, err := json.Marshal(r)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v)
	return v
}

// keyedArrays name the arrays whose elements a person knows by a field rather
// than by position ("claims[consult-conference]" says more than "claims[1]"),
// by the array's own name: the last segment of its path.
var keyedArrays = map[string]string{"claims": "profile", "scenarios": "name", "problems": "scenario"}

func arrayKey(at string) string {
	return keyedArrays[at[strings.LastIndexByte(at, '.')+1:]]
}

// diffTree appends a problem for every leaf where file and derived differ, and
// for every element one of them lacks, named by its field path.
func diffTree(at string, file, derived any, out *[]Problem) {
	differ := func(at string, file, derived any) {
		*out = append(*out, Problem{File: report.JSONFile, Field: at,
			Message: fmt.Sprintf("file says %s, the scenario outcomes give %s", show(file), show(derived))})
	}
	switch f := file.(type) {
	case map[string]any:
		d, ok := derived.(map[string]any)
		if !ok {
			differ(at, file, derived)
			return
		}
		keys := make([]string, 0, len(f)+len(d))
		for k := range f {
			keys = append(keys, k)
		}
		for k := range d {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			diffTree(join(at, k), f[k], d[k], out)
		}
	case []any:
		d, ok := derived.([]any)
		if !ok {
			differ(at, file, derived)
			return
		}
		fk, dk := elementKeys(f, arrayKey(at)), elementKeys(d, arrayKey(at))
		if fk == nil || dk == nil {
			// By position; what one of them has beyond the other's end differs
			// from nothing.
			for i := range max(len(f), len(d)) {
				diffTree(fmt.Sprintf("%s[%d]", at, i), element(f, i), element(d, i), out)
			}
			return
		}
		if slices.Equal(sortedCopy(fk), sortedCopy(dk)) && !slices.Equal(fk, dk) {
			*out = append(*out, Problem{File: report.JSONFile, Field: at, Message: "not in the order a run writes them"})
		}
		byKey := make(map[string]any, len(d))
		for i, k := range dk {
			byKey[k] = d[i]
		}
		for i, k := range fk {
			diffTree(at+"["+k+"]", f[i], byKey[k], out)
		}
		for i, k := range dk {
			if !slices.Contains(fk, k) {
				differ(at+"["+k+"]", nil, d[i])
			}
		}
	default:
		if !reflect.DeepEqual(file, derived) {
			differ(at, file, derived)
		}
	}
}

// element is arr[i], or nil past its end.
func element(arr []any, i int) any {
	if i < len(arr) {
		return arr[i]
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// elementKeys are the values of field in each element of arr, or nil when
// field is empty or they are not unique strings (then positions name them).
func elementKeys(arr []any, field string) []string {
	if field == "" {
		return nil
	}
	keys := make([]string, len(arr))
	seen := make(map[string]bool, len(arr))
	for i, el := range arr {
		m, _ := el.(map[string]any)
		k, ok := m[field].(string)
		if !ok || seen[k] {
			return nil
		}
		keys[i], seen[k] = k, true
	}
	return keys
}

func join(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

// show is a value as JSON, shortened: enough to see what differs.
func show(v any) string {
	if v == nil {
		return "nothing"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(data)
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// checkJUnit renders results.json as JUnit again and compares the bytes with
// junit.xml: JUnit has no field results.json lacks, so any difference is an
// edit of one of the two.
func checkJUnit(dir string, r *report.Results, rep *Report) {
	got, err := os.ReadFile(filepath.Join(dir, report.JUnitFile))
	if err != nil {
		rep.unreadable(report.JUnitFile, err)
		return
	}
	want, err := r.JUnit()
	if err != nil {
		rep.problem(report.JUnitFile, "", "%s cannot be rendered as JUnit: %v", report.JSONFile, err)
		return
	}
	if line, a, b, differ := firstDifference(got, want); differ {
		rep.problem(report.JUnitFile, "", "does not agree with %s: line %d is %q, %s gives %q", report.JSONFile, line, a, report.JSONFile, b)
		return
	}
	rep.checked("%s: identical to %s rendered as JUnit", report.JUnitFile, report.JSONFile)
}

// firstDifference is the first line (1-based) where a and b differ, and that
// line of each.
func firstDifference(a, b []byte) (line int, la, lb string, differ bool) {
	if bytes.Equal(a, b) {
		return 0, "", "", false
	}
	as, bs := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; ; i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if x != y || i >= len(as) || i >= len(bs) {
			return i + 1, shorten(x), shorten(y), true
		}
	}
}

func shorten(s string) string {
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}
