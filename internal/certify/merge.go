package certify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
)

// Merge reads the results.json of each bundle directory, proves they are the
// parts of one plan (the same suite build, catalogue, target, product and
// plan; every part once; each part holding exactly its planned scenarios, and
// the plan digest recomputed from the parts' lists), and returns the whole
// run's results with its claims judged. Every problem found is returned, each
// naming the bundle.
func Merge(dirs []string) (*report.Results, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no bundle to merge")
	}
	parts := make([]*report.Results, len(dirs))
	var errs []error
	for i, dir := range dirs {
		r, err := report.ReadJSON(filepath.Join(dir, report.JSONFile))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dir, err))
			continue
		}
		if r.Part == nil {
			errs = append(errs, fmt.Errorf("%s: not a part of a split run (it was not run with --shard i/n)", dir))
			continue
		}
		parts[i] = r
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	first := parts[0]
	byIndex := map[int]string{}
	planned := make([][]string, first.Part.Total)
	for i, r := range parts {
		dir := dirs[i]
		same := func(what string, a, b any) {
			if fmt.Sprint(a) != fmt.Sprint(b) {
				errs = append(errs, fmt.Errorf("%s: %s %v differs from %s's %v", dir, what, b, dirs[0], a))
			}
		}
		same("suite version", first.SuiteVersion, r.SuiteVersion)
		same("build", first.Build, r.Build)
		same("catalogue digest", first.CatalogueDigest, r.CatalogueDigest)
		same("plan digest", first.Part.PlanDigest, r.Part.PlanDigest)
		same("number of parts", first.Part.Total, r.Part.Total)
		same("target URL", first.Target.URL, r.Target.URL)
		same("product", first.Product, r.Product)
		same("claims' scenarios", claimLists(first), claimLists(r))
		if other, dup := byIndex[r.Part.Index]; dup {
			errs = append(errs, fmt.Errorf("%s: part %s is also in %s", dir, r.Part, other))
			continue
		}
		if r.Part.Index < 1 || r.Part.Index > first.Part.Total {
			errs = append(errs, fmt.Errorf("%s: part %s is outside the plan of %d parts", dir, r.Part, first.Part.Total))
			continue
		}
		byIndex[r.Part.Index] = dir
		planned[r.Part.Index-1] = r.Part.Scenarios
		var played []string
		for _, s := range r.Scenarios {
			played = append(played, s.Name)
		}
		slices.Sort(played)
		if !slices.Equal(played, r.Part.Scenarios) {
			errs = append(errs, fmt.Errorf("%s: part %s holds results for %v, but its plan is %v", dir, r.Part, played, r.Part.Scenarios))
		}
	}
	for i := 1; i <= first.Part.Total; i++ {
		if _, ok := byIndex[i]; !ok {
			errs = append(errs, fmt.Errorf("part %d/%d is missing", i, first.Part.Total))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if got := PlanDigest(first.CatalogueDigest, planned); got != first.Part.PlanDigest {
		return nil, fmt.Errorf("the parts' scenario lists give the plan digest %s, but the parts say %s: a part was planned from other scenarios", got, first.Part.PlanDigest)
	}
	return combine(parts), nil
}

// combine makes one run's results of the checked parts.
func combine(parts []*report.Results) *report.Results {
	merged := *parts[0]
	merged.Part = nil
	merged.Scenarios, merged.SuiteErrors, merged.MergedFrom = nil, nil, nil
	start, end := parts[0].StartedAt, time.Time{}
	for _, r := range parts {
		merged.Scenarios = append(merged.Scenarios, r.Scenarios...)
		for _, e := range r.SuiteErrors {
			merged.SuiteErrors = append(merged.SuiteErrors, fmt.Sprintf("part %s: %s", r.Part, e))
		}
		merged.MergedFrom = append(merged.MergedFrom, *r.Part)
		if r.StartedAt.Before(start) {
			start = r.StartedAt
		}
		if e := r.StartedAt.Add(time.Duration(r.DurationMs) * time.Millisecond); e.After(end) {
			end = e
		}
	}
	slices.SortFunc(merged.MergedFrom, func(a, b report.Part) int { return a.Index - b.Index })
	merged.StartedAt = start
	merged.SetDuration(end.Sub(start))
	var flaky []string
	if merged.Options != nil {
		opts := *merged.Options
		merged.Options = &opts
		flaky = opts.KnownFlaky
	}
	merged.Claims = slices.Clone(merged.Claims)
	Rejudge(&merged, flaky)
	merged.Finish()
	return &merged
}

// claimLists is what must agree between parts about the claims: which
// profiles are claimed and which scenarios each one covers.
func claimLists(r *report.Results) string {
	var s string
	for _, c := range r.Claims {
		s += fmt.Sprintf("%s claimed=%v %v; ", c.Profile, c.Claimed, c.Scenarios)
	}
	return s
}

// CopyTranscripts puts the transcripts of the merged parts into the merged
// bundle out (after removing any an earlier merge left there): the merged
// results name them, and the manifest must cover them.
func CopyTranscripts(out string, dirs []string) error {
	dst := filepath.Join(out, report.TranscriptDir)
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	for _, dir := range dirs {
		src := filepath.Join(dir, report.TranscriptDir)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			return fmt.Errorf("transcripts of %s: %w", dir, err)
		}
	}
	return nil
}
