package suite

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// catalogueDigest digests the scenario files o loads (Load): the embedded
// catalogue, the given paths, or both.
func catalogueDigest(o Options) (string, error) {
	var sources []certify.Files
	if len(o.Scenarios) == 0 || o.Add {
		sources = append(sources, certify.Files{FS: scenarios.Catalogue, Root: "catalogue"})
	}
	for _, p := range o.Scenarios {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		sources = append(sources, certify.Files{FS: os.DirFS(filepath.Dir(abs)), Root: filepath.Base(abs)})
	}
	return certify.CatalogueDigest(sources...)
}

// runOptions are the options of the run as results.json records them: enough
// to repeat it, and no password.
func runOptions(o Options, t *target.Target) *report.RunOptions {
	ro := &report.RunOptions{
		Scenarios:           append([]string{}, o.Scenarios...),
		Add:                 o.Add,
		LabelFilter:         o.Filters.LabelFilter,
		Focus:               o.Filters.Focus,
		Skip:                o.Filters.Skip,
		Processes:           o.Processes,
		Strict:              t.Strict,
		CustomerAPI:         t.CustomerKind(),
		Faults:              o.Faults,
		Tolerate:            o.Tolerate,
		TargetFile:          o.TargetFile,
		Accounts:            []string{},
		Queues:              append([]string{}, t.Queues...),
		NotificationTimeout: t.NotificationTimeout,
		RequestTimeout:      t.RequestTimeout,
		KnownFailures:       slices.Clone(t.KnownFailures),
		KnownFlaky:          slices.Clone(t.KnownFlaky),
	}
	for _, a := range t.Accounts {
		ro.Accounts = append(ro.Accounts, a.Username)
	}
	return ro
}
