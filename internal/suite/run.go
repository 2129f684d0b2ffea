// Package suite owns a run of the conformance suite, from the scenario files to
// the written reports: Run loads and lints the scenarios, selects them,
// resolves the target, preflights it once, plans the processes, plays the
// scenarios through Ginkgo (one It per scenario, with the scenario's labels and
// required features as Ginkgo labels and its YAML file:line as the code
// location), applies known failures and finishes the results. `gwsconform run`
// calls Run; `go test ./specs` (and `ginkgo -p ./specs`, where Ginkgo owns the
// processes) calls Define and then RunSpecs. Both parse their inputs into the
// same Options. See docs/running.md.
//
// Ginkgo knows three outcomes; the harness has four. Each It therefore records its
// own result (a report.Scenario) as a Ginkgo report entry, and the ReportAfterSuite
// node rebuilds the run's report.Results from those entries. Report entries travel
// between Ginkgo's parallel processes, so the results are complete under -p too.
package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// Run plays one run in this process or, when the plan says so, in children of
// it. The error is for a run that could not start (options, scenario files,
// target settings) or whose reports could not be written; the verdict is in the
// results (ExitCode), which are returned whenever the run was played. In a
// child of a sharded run (IsShardChild) it plays the child's claims instead.
func Run(ctx context.Context, o Options) (*report.Results, error) {
	if IsShardChild() {
		return runShardChild(o)
	}
	started := time.Now()
	// Before anything touches a target: an invalid scenario stops the run.
	suiteConfig, reporterConfig, all, selected, err := prepare(o)
	if err != nil {
		return nil, err
	}
	t, stop, embedded, err := resolveTarget(ctx, o, all)
	defer stop()
	if err != nil {
		return nil, err
	}
	if err := o.Filters.CheckSelection(len(all), selected, t); err != nil {
		return nil, err
	}
	selected, part, err := partOf(o, selected)
	if err != nil {
		return nil, err
	}
	plan, err := PlanProcesses(o.Processes, selected, t)
	if err != nil {
		return nil, err
	}
	if plan.Processes > 1 && len(o.ShardCommand) == 0 {
		return nil, fmt.Errorf("-p %d: this entry point cannot start processes; use -p 1", plan.Processes)
	}
	describe(o.output(), t, embedded, o, len(selected), plan, part)
	if err := clearTranscripts(o); err != nil {
		return nil, err
	}

	results, err := playAll(ctx, o, selected, t, plan, suiteConfig, reporterConfig)
	if err != nil {
		return nil, err
	}
	results.Part = part
	if err := finish(results, o, t, all, started); err != nil {
		return nil, err
	}
	return results, writeReports(results, o)
}

// Define registers the suite of o with Ginkgo for an entry point that calls
// RunSpecs itself: `go test ./specs`, `specs.test`, `ginkgo -p ./specs`. Ginkgo
// then owns the processes and the filters (--ginkgo.*); the target is resolved
// and preflighted on process 1. done receives the finished results there, after
// the reports are written.
func Define(o Options, done func(*report.Results)) error {
	// Ginkgo's own flags configure it here; prepare's configuration is unused.
	_, _, all, selected, err := prepare(o)
	if err != nil {
		return err
	}
	s := &ginkgoSuite{
		Scenarios: selected,
		Retries:   o.Retries,
		Bundle:    o.ReportDir,
		Setup: func(ctx context.Context) (*target.Target, func(), error) {
			t, stop, _, err := resolveTarget(ctx, o, all)
			if err == nil {
				err = target.Preflight(ctx, t)
			}
			if err == nil {
				err = clearTranscripts(o)
			}
			if err == nil {
				fmt.Fprintf(GinkgoWriter, "gwsconform: target %q at %s\n", t.Name, t.BaseURL)
			}
			return t, stop, err
		},
		Done: func(r *report.Results, t *target.Target) {
			err := finish(r, o, t, all, time.Time{})
			if err == nil {
				err = writeReports(r, o)
			}
			if err != nil {
				Fail(err.Error())
			}
			if done != nil {
				done(r)
			}
		},
	}
	return s.define()
}

// resolveTarget builds the run's target from defaults, the target file (if any),
// the GWSCONFORM_* environment and o.Overrides. When none of them names a URL it
// starts the embedded reference server and lays the same feature, known-failure
// and timeout settings over its target. embedded says which happened; stop is
// never nil. Every knownFailures and knownFlaky entry must name a scenario of
// all, every profile a profile (checkLists).
func resolveTarget(ctx context.Context, o Options, all []*scenarios.Scenario) (t *target.Target, stop func(), embedded bool, err error) {
	stop = func() {}
	names := o.Names.withDefaults()
	t, err = target.Resolve(o.TargetFile, nil, o.Overrides)
	if err != nil {
		return nil, stop, false, err
	}
	if t.BaseURL != "" {
		if len(o.Faults)+len(o.Tolerate) > 0 {
			return nil, stop, false, fmt.Errorf("%s apply to the embedded reference server only; drop %s to use it", names.Faults, names.Target)
		}
		return t, stop, false, checkLists(t, all)
	}
	if o.StartEmbedded == nil {
		return nil, stop, false, fmt.Errorf("no target: set %s", names.Target)
	}
	emb, stopEmbedded, err := o.StartEmbedded(ctx, o.Faults, o.Tolerate)
	if err != nil {
		if len(o.Faults)+len(o.Tolerate) > 0 {
			err = fmt.Errorf("%s %s: %w (gwsconform faults lists the names)", names.Faults, strings.Join(append(append([]string{}, o.Faults...), o.Tolerate...), ","), err)
		}
		return nil, stop, true, err
	}
	if stopEmbedded != nil {
		stop = stopEmbedded
	}
	// The features asked for, less what the server's variations withdraw (its
	// "-feature" entries): a declaration cannot give back what it does not do.
	features := append([]string(nil), t.Features...)
	for _, f := range emb.Features {
		if strings.HasPrefix(f, "-") {
			features = append(features, f)
		}
	}
	emb.Features = features
	emb.KnownFailures, emb.KnownFailuresFrom = t.KnownFailures, t.KnownFailuresFrom
	emb.NotificationTimeout = t.NotificationTimeout
	emb.RequestTimeout = t.RequestTimeout
	emb.Strict = t.Strict
	emb.CustomerAPI, emb.GMSServiceName = t.CustomerAPI, t.GMSServiceName // the server serves both APIs, under any service name
	emb.Product, emb.Profiles, emb.KnownFlaky = t.Product, t.Profiles, t.KnownFlaky
	return emb, stop, true, checkLists(emb, all)
}

// playAll preflights the target, then plays scs in this process or in plan's
// shards followed by the serial scenarios here.
func playAll(ctx context.Context, o Options, scs []*scenarios.Scenario, t *target.Target, plan Plan, sc types.SuiteConfig, rc types.ReporterConfig) (*report.Results, error) {
	if err := target.Preflight(ctx, t); err != nil {
		// One error for the whole run, within seconds, instead of one per scenario.
		return &report.Results{SuiteErrors: []string{err.Error()}, Scenarios: []report.Scenario{}}, nil
	}
	prog := newProgress(o.Progress, o.ProgressInPlace, len(scs))
	defer prog.end()
	if plan.Processes <= 1 {
		return (&ginkgoSuite{Scenarios: scs, Setup: fixedTarget(t), Retries: o.Retries, Bundle: o.ReportDir, progress: prog}).run(sc, rc)
	}
	var queue []string
	for _, sc := range ShardQueue(scs) {
		queue = append(queue, sc.Name)
	}
	sharded := &ShardedRun{
		Command:  o.ShardCommand,
		Total:    plan.Processes,
		Target:   t,
		Output:   o.output(),
		queue:    queue,
		progress: prog,
	}
	results, err := sharded.Run(ctx)
	if err != nil {
		return nil, err
	}
	serial := SerialScenarios(scs)
	if len(serial) == 0 {
		return results, nil
	}
	fmt.Fprintf(o.output(), "\n===== %d serial scenario(s), after the shards =====\n", len(serial))
	prog.end()
	serialResults, err := (&ginkgoSuite{Scenarios: serial, Setup: fixedTarget(t), Retries: o.Retries, Bundle: o.ReportDir, progress: prog}).run(sc, rc)
	if err != nil {
		return nil, err
	}
	results.Merge(serialResults)
	return results, nil
}

// fixedTarget is the Setup of a suite whose target is already resolved and
// preflighted.
func fixedTarget(t *target.Target) func(context.Context) (*target.Target, func(), error) {
	return func(context.Context) (*target.Target, func(), error) { return t, nil, nil }
}

// finish records what the run was, with what and against what, judges the
// target's claims and counts the verdict. A zero started keeps the start and
// duration Ginkgo measured.
func finish(r *report.Results, o Options, t *target.Target, all []*scenarios.Scenario, started time.Time) error {
	digest, err := catalogueDigest(o)
	if err != nil {
		return err
	}
	r.Build, r.CatalogueDigest = report.ThisBuild(), digest
	if t != nil {
		r.Target = report.TargetInfo{URL: t.BaseURL, Name: t.Name}
		r.DeclaredFeatures = append([]string{}, t.Features...)
		r.Strict = t.Strict
		r.Product = t.Product
		r.Options = runOptions(o, t)
		var entries []certify.Entry
		for _, sc := range all {
			if certify.Applies(sc.Requires, t.CustomerKind()) {
				entries = append(entries, certify.Entry{Name: sc.Name, Requires: sc.Requires})
			}
		}
		certify.Judge(r, entries, t.Profiles, t.KnownFlaky)
	}
	if !started.IsZero() {
		r.StartedAt = started
		r.SetDuration(time.Since(started))
	}
	r.Finish()
	return nil
}

// clearTranscripts removes the transcripts an earlier run left in the bundle
// directory: the manifest lists every file there, and a transcript of a
// scenario this run did not play is no evidence of it.
func clearTranscripts(o Options) error {
	if o.ReportDir == "" {
		return nil
	}
	if err := os.RemoveAll(filepath.Join(o.ReportDir, report.TranscriptDir)); err != nil {
		return fmt.Errorf("%s %s: %w", o.Names.withDefaults().ReportDir, o.ReportDir, err)
	}
	return nil
}

func writeReports(r *report.Results, o Options) error {
	var errs []error
	if o.ReportDir != "" {
		if err := r.WriteDir(o.ReportDir); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", o.Names.withDefaults().ReportDir, o.ReportDir, err))
		}
	}
	if o.JUnitReport != "" {
		if err := r.WriteJUnit(o.JUnitReport); err != nil {
			errs = append(errs, fmt.Errorf("--junit-report %s: %w", o.JUnitReport, err))
		}
	}
	// The manifest comes last, so that it lists every file written into the
	// directory (a --junit-report inside it too); a bundle that could not be
	// written whole is not sealed.
	if o.ReportDir != "" && len(errs) == 0 {
		if err := certify.Seal(o.ReportDir, r, o.SignKey); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", o.Names.withDefaults().ReportDir, o.ReportDir, err))
		}
	}
	return errors.Join(errs...)
}

// describe is the run's first line: how many scenarios against what, how.
func describe(w io.Writer, t *target.Target, embedded bool, o Options, n int, plan Plan, part *report.Part) {
	what := "target"
	if embedded {
		what = "embedded reference server"
		if len(o.Faults) > 0 {
			what += " with fault(s) " + strings.Join(o.Faults, ", ")
		}
		if len(o.Tolerate) > 0 {
			what += " tolerating " + strings.Join(o.Tolerate, ", ")
		}
	}
	scope := ""
	if part != nil {
		scope = fmt.Sprintf(" (part %s of the plan %s)", part, part.PlanDigest)
	}
	customers := ""
	if t.UsesGMS() {
		customers = ", customers: GMS Chat API v2 at " + t.GMSServiceURL()
	}
	fmt.Fprintf(w, "gwsconform: %d scenario(s)%s against %s %s (%q, features: %s%s) in %s\n",
		n, scope, what, t.BaseURL, t.Name, strings.Join(t.Features, ","), customers, plan)
}

func (o Options) output() io.Writer {
	if o.Output == nil {
		return io.Discard
	}
	return o.Output
}
