package suite

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/runner"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// selector is the compiled form of the filters that choose scenarios.
type selector struct {
	labels      types.LabelFilter // nil = every scenario
	focus, skip []*regexp.Regexp
}

// compile checks --label-filter, --focus and --skip; errors name the flag.
// Patterns are case-insensitive: people write "Accept" for "accept-..." and
// a pattern that silently matches nothing is worse than a broad one.
func (f Filters) compile() (*selector, error) {
	s := &selector{}
	var errs []error
	if f.LabelFilter != "" {
		var err error
		if s.labels, err = types.ParseLabelFilter(f.LabelFilter); err != nil {
			errs = append(errs, fmt.Errorf("--label-filter %q: %s", f.LabelFilter, plainText(err.Error())))
		}
	}
	for _, fl := range []struct {
		name string
		list []string
		out  *[]*regexp.Regexp
	}{{"--focus", f.Focus, &s.focus}, {"--skip", f.Skip, &s.skip}} {
		for _, pattern := range fl.list {
			re, err := regexp.Compile("(?i)" + pattern)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %q: %v", fl.name, pattern, err))
				continue
			}
			*fl.out = append(*fl.out, re)
		}
	}
	return s, errors.Join(errs...)
}

// Select returns the scenarios of all that the filters choose, in order: their
// Ginkgo labels (labels and feature:NAME) match --label-filter, their name
// matches a --focus pattern (when there is one) and no --skip pattern. It is
// the one place a `gwsconform run` chooses scenarios; Ginkgo sees only these.
func (f Filters) Select(all []*scenarios.Scenario) ([]*scenarios.Scenario, error) {
	s, err := f.compile()
	if err != nil {
		return nil, err
	}
	var out []*scenarios.Scenario
	for _, sc := range all {
		labels, err := ginkgoLabels(sc)
		if err != nil {
			return nil, err
		}
		if s.labels != nil && !s.labels(labels) {
			continue
		}
		if len(s.focus) > 0 && !slices.ContainsFunc(s.focus, func(re *regexp.Regexp) bool { return re.MatchString(sc.Name) }) {
			continue
		}
		if slices.ContainsFunc(s.skip, func(re *regexp.Regexp) bool { return re.MatchString(sc.Name) }) {
			continue
		}
		out = append(out, sc)
	}
	return out, nil
}

// Playable returns the scenarios of scs whose features t declares: the others
// are skipped without touching the target.
func Playable(scs []*scenarios.Scenario, t *target.Target) []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, sc := range scs {
		if runner.Unplayable(t, sc) == "" {
			out = append(out, sc)
		}
	}
	return out
}

// CheckSelection is the error for a run that would play nothing: a run of
// only skips proves nothing, so it must not pass. It names the filters and the
// features, the two things that choose what runs.
func (f Filters) CheckSelection(total int, selected []*scenarios.Scenario, t *target.Target) error {
	if len(Playable(selected, t)) > 0 {
		return nil
	}
	features := "features: " + strings.Join(t.Features, ",")
	if len(selected) == 0 {
		return fmt.Errorf("no scenario selected: %s: 0 of the %d scenario(s) (%s)", f.describe(), total, features)
	}
	var missing []string
	for _, sc := range selected {
		for _, m := range t.MissingFeatures(sc.Requires) {
			if !slices.Contains(missing, m) {
				missing = append(missing, m)
			}
		}
	}
	return fmt.Errorf("no scenario selected: %s: %d of the %d scenario(s), but the target declares none of the features they need (%s; they need %s)",
		f.describe(), len(selected), total, features, strings.Join(missing, ", "))
}

// describe names the filters as they were given.
func (f Filters) describe() string {
	var parts []string
	for _, p := range f.Focus {
		parts = append(parts, fmt.Sprintf("--focus %q", p))
	}
	for _, p := range f.Skip {
		parts = append(parts, fmt.Sprintf("--skip %q", p))
	}
	if f.LabelFilter != "" {
		parts = append(parts, fmt.Sprintf("--label-filter %q", f.LabelFilter))
	}
	if len(parts) == 0 {
		return "the scenario files (no --focus, --skip or --label-filter)"
	}
	return strings.Join(parts, " ")
}
