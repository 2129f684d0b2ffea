package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
	"github.com/gwsconform/gwsconform/scenarios"
	"github.com/gwsconform/gwsconform/specs"
)

// runFlags are the flags of `gwsconform run` (documented in docs/running.md).
type runFlags struct {
	targetURL, targetFile string
	scenarioPaths         stringsFlag
	addPaths              stringsFlag
	features, accounts    string
	queues, knownFailures string
	notificationTimeout   time.Duration
	faults, tolerate      stringsFlag
	procs                 procsFlag
	junitReport           string
	reportDir             string
	filters               specs.Filters
	focus, skip           stringsFlag
	strict                bool
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.targetURL, "target", "", "base `URL` of the server under test (default: start the embedded reference server)")
	fs.StringVar(&f.targetFile, "target-file", "", "target description `FILE` (YAML: baseURL, accounts, queues, features, knownFailures, ...)")
	fs.Var(&f.scenarioPaths, "scenarios", "scenario `DIR|FILE` to run instead of the embedded catalogue (repeatable)")
	fs.Var(&f.addPaths, "add", "scenario `DIR|FILE` to run in addition to the embedded catalogue (repeatable)")
	fs.StringVar(&f.features, "features", "", "features the target declares, comma separated (e.g. chats,chats.consult or chats.*; default *)")
	fs.StringVar(&f.accounts, "accounts", "", "agent accounts `user:pass,...` (prefer the target file with passwordEnv)")
	fs.StringVar(&f.queues, "queues", "", "queue names, comma separated")
	fs.StringVar(&f.knownFailures, "known-failures", "", "scenario names expected to fail, comma separated, or @FILE (one per line)")
	fs.DurationVar(&f.notificationTimeout, "notification-timeout", 0, "default wait for an expected notification (default 5s)")
	fs.BoolVar(&f.strict, "strict", false, "judge checks of inferred and reference evidence as binding: their deviations fail (docs/evidence.md)")
	fs.Var(&f.faults, "fault", "embedded server only: inject the named fault (repeatable; see gwsconform faults)")
	fs.Var(&f.tolerate, "tolerate", "embedded server only: enable the named legal variation (repeatable)")
	fs.Var(&f.procs, "p", "run the non-serial scenarios in `N` processes (serial ones run afterwards); auto: up to 6, as the accounts allow")
	fs.Var(&f.procs, "procs", "same as -p")
	fs.StringVar(&f.junitReport, "junit-report", "", "write a JUnit XML report to `FILE`")
	fs.StringVar(&f.reportDir, "report-dir", "", "write results.json, junit.xml and report.html into `DIR`")
	fs.StringVar(&f.filters.LabelFilter, "label-filter", "", "run the scenarios whose labels match this Ginkgo label `expression` (e.g. 'consult && !feature:chats.transfer')")
	fs.Var(&f.focus, "focus", "run only scenarios whose name matches this `regexp` (repeatable)")
	fs.Var(&f.skip, "skip", "skip scenarios whose name matches this `regexp` (repeatable)")
	fs.DurationVar(&f.filters.Timeout, "timeout", 0, "time limit of the whole run (default 1h)")
	fs.BoolVar(&f.filters.Verbose, "v", false, "verbose: print every scenario and the runner's log as it goes")
	fs.BoolVar(&f.filters.NoColor, "no-color", !isTerminal(os.Stdout), "no colors in the output (default: on when stdout is not a terminal)")
	fs.Int64Var(&f.filters.Seed, "seed", 0, "seed of the scenario order (default: time based)")
	fs.BoolVar(&f.filters.FailFast, "fail-fast", false, "stop after the first failure")
}

// parseRunFlags parses args; a bad flag is an exit-2 error naming the flag.
func parseRunFlags(args []string, stdout io.Writer) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("gwsconform run", flag.ContinueOnError)
	// The flag package's own message would repeat ours; -h prints the usage below.
	fs.SetOutput(io.Discard)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "usage: gwsconform run [flags]\n\nRun the conformance suite (default target: the embedded reference server).\nExit status: 0 all passed, 1 a scenario failed, 2 an error (target, credentials, scenario files, flags).\nSee docs/running.md.\n\nFlags:")
			fs.PrintDefaults()
			return nil, err
		}
		return nil, fmt.Errorf("run: %w (see gwsconform run -h)", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("run: unexpected argument %q (flags only; see gwsconform run -h)", fs.Arg(0))
	}
	if len(f.scenarioPaths) > 0 && len(f.addPaths) > 0 {
		return nil, errors.New("--scenarios and --add: use one of them (--scenarios replaces the catalogue, --add extends it)")
	}
	f.filters.Focus, f.filters.Skip = f.focus, f.skip
	f.faults, f.tolerate = splitAll(f.faults), splitAll(f.tolerate)
	return f, nil
}

func splitAll(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, target.ParseList(v)...)
	}
	return out
}

// overrides turns the target flags into target.Overrides; errors name the flag.
func (f *runFlags) overrides() (target.Overrides, error) {
	o := target.Overrides{BaseURL: f.targetURL, NotificationTimeout: f.notificationTimeout, Strict: f.strict}
	var errs []error
	if f.accounts != "" {
		accounts, err := target.ParseAccounts(f.accounts)
		if err != nil {
			errs = append(errs, fmt.Errorf("--accounts: %w", err))
		}
		o.Accounts = accounts
	}
	if f.queues != "" {
		o.Queues = target.ParseList(f.queues)
	}
	if f.features != "" {
		o.Features = target.ParseList(f.features)
	}
	if f.knownFailures != "" {
		names, err := target.ParseKnownFailures(f.knownFailures)
		if err != nil {
			errs = append(errs, fmt.Errorf("--known-failures: %w", err))
		}
		o.KnownFailures = names
		o.KnownFailuresFrom = "--known-failures"
		if strings.HasPrefix(f.knownFailures, "@") {
			o.KnownFailuresFrom += " " + f.knownFailures
		}
	}
	if f.notificationTimeout < 0 {
		errs = append(errs, fmt.Errorf("--notification-timeout %s: must be positive", f.notificationTimeout))
	}
	return o, errors.Join(errs...)
}

// cmdRun is `gwsconform run`. Its errors exit 2 (exitCode); a verdict's exit
// code travels as an exitError.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseRunFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	suiteConfig, reporterConfig, err := f.filters.GinkgoConfig()
	if err != nil {
		return err
	}
	overrides, err := f.overrides()
	if err != nil {
		return err
	}

	// Lint first: an invalid scenario stops the run before anything touches a target.
	paths, add := f.scenarioPaths, false
	if len(f.addPaths) > 0 {
		paths, add = f.addPaths, true
	}
	scs, problems := specs.LoadScenarios(paths, add)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return fmt.Errorf("%d problem(s) in the scenario files; nothing was run", len(problems))
	}
	selected, err := f.filters.Select(scs)
	if err != nil {
		return err
	}

	if shard, ok := os.LookupEnv(specs.EnvShard); ok {
		return runShardChild(shard, selected, suiteConfig, reporterConfig)
	}

	started := time.Now()
	tgt, stop, embedded, err := specs.ResolveTarget(ctx, f.targetFile, overrides, startEmbedded(f.faults, f.tolerate))
	defer stop()
	if err != nil {
		return err
	}
	if !embedded && len(f.faults)+len(f.tolerate) > 0 {
		return errors.New("--fault and --tolerate apply to the embedded reference server only; drop --target/--target-file/GWSCONFORM_TARGET to use it")
	}
	if err := specs.CheckKnownFailures(tgt, scs); err != nil {
		return err
	}
	if err := f.filters.CheckSelection(len(scs), selected, tgt); err != nil {
		return err
	}
	plan, err := specs.PlanProcesses(int(f.procs), selected, tgt)
	if err != nil {
		return err
	}
	describeTarget(stdout, tgt, embedded, f, len(selected), plan)

	results, err := play(ctx, args, selected, tgt, plan, suiteConfig, reporterConfig, stdout)
	if err != nil {
		return err
	}
	results.Target = report.TargetInfo{URL: tgt.BaseURL, Name: tgt.Name}
	results.DeclaredFeatures = append([]string{}, tgt.Features...)
	results.Strict = tgt.Strict
	results.StartedAt = started
	results.SetDuration(time.Since(started))
	results.Finish()

	if err := writeReports(results, f); err != nil {
		return err
	}
	printSummary(stdout, results, f)
	if results.ExitCode != 0 {
		return &exitError{code: results.ExitCode}
	}
	return nil
}

// play preflights the target, then plays scs in this process or in plan's shards.
func play(ctx context.Context, args []string, scs []*scenarios.Scenario, t *target.Target, plan specs.Plan, sc types.SuiteConfig, rc types.ReporterConfig, stdout io.Writer) (*report.Results, error) {
	if err := target.Preflight(ctx, t); err != nil {
		// One error for the whole run, within seconds, instead of one per scenario.
		return &report.Results{SuiteErrors: []string{err.Error()}, Scenarios: []report.Scenario{}}, nil
	}
	if plan.Processes > 1 {
		return runSharded(ctx, plan.Processes, args, scs, t, sc, rc, stdout)
	}
	return runInProcess(scs, t, specs.Shard{}, sc, rc)
}

// startEmbedded starts the reference server with the requested faults and
// tolerated variations.
func startEmbedded(faults, tolerate []string) specs.StartEmbedded {
	return func(ctx context.Context) (*target.Target, func(), error) {
		t, stop, err := embedded.Start(ctx, refserver.Config{Faults: faults, Tolerate: tolerate})
		if err != nil && len(faults)+len(tolerate) > 0 {
			return nil, nil, fmt.Errorf("--fault/--tolerate: %w (gwsconform faults lists the names)", err)
		}
		return t, stop, err
	}
}

func describeTarget(w io.Writer, t *target.Target, embedded bool, f *runFlags, n int, plan specs.Plan) {
	what := "target"
	if embedded {
		what = "embedded reference server"
		if len(f.faults) > 0 {
			what += " with fault(s) " + strings.Join(f.faults, ", ")
		}
		if len(f.tolerate) > 0 {
			what += " tolerating " + strings.Join(f.tolerate, ", ")
		}
	}
	fmt.Fprintf(w, "gwsconform: %d scenario(s) against %s %s (%q, features: %s) in %s\n",
		n, what, t.BaseURL, t.Name, strings.Join(t.Features, ","), plan)
}

// runInProcess runs scs through Ginkgo in this process (once per process).
func runInProcess(scs []*scenarios.Scenario, t *target.Target, shard specs.Shard, sc types.SuiteConfig, rc types.ReporterConfig) (*report.Results, error) {
	suite := &specs.Suite{
		Scenarios: scs,
		Setup: func(context.Context) (*target.Target, func(), error) {
			return t, nil, nil
		},
		Shard: shard,
	}
	return suite.Run(sc, rc)
}

// runShardChild is a child of `run -p N`: it plays its share of the selected
// non-serial scenarios against the parent's target and writes its results for
// the parent.
func runShardChild(shardSpec string, selected []*scenarios.Scenario, sc types.SuiteConfig, rc types.ReporterConfig) error {
	shard, err := specs.ParseShard(shardSpec)
	if err != nil {
		return fmt.Errorf("%s: %w", specs.EnvShard, err)
	}
	t, err := specs.ShardTargetFromEnv()
	if err != nil {
		return err
	}
	path := os.Getenv(specs.EnvShardResults)
	if path == "" {
		return errors.New(specs.EnvShardResults + " is not set")
	}
	claims := os.Getenv(specs.EnvShardClaims)
	if claims == "" {
		return errors.New(specs.EnvShardClaims + " is not set")
	}
	rc.SilenceSkips = true // the scenarios other children claimed
	suite := &specs.Suite{
		Scenarios: specs.ShardQueue(selected),
		Setup: func(context.Context) (*target.Target, func(), error) {
			return t, nil, nil
		},
		Shard:  shard,
		Claims: &specs.Claims{Dir: claims},
	}
	results, err := suite.Run(sc, rc)
	if err != nil {
		return err
	}
	if err := results.WriteJSON(path); err != nil {
		return err
	}
	if results.ExitCode != 0 {
		return &exitError{code: results.ExitCode}
	}
	return nil
}

// runSharded runs the non-serial scenarios in procs children of this binary,
// then the serial ones here, and merges the results.
func runSharded(ctx context.Context, procs int, args []string, scs []*scenarios.Scenario, t *target.Target, sc types.SuiteConfig, rc types.ReporterConfig, stdout io.Writer) (*report.Results, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("-p: cannot find this program to re-execute it: %w", err)
	}
	run := &specs.ShardedRun{
		Executable: exe,
		Args:       append([]string{"run"}, args...), // a child ignores -p
		Total:      procs,
		Target:     t,
		Output:     stdout,
	}
	results, err := run.Run(ctx)
	if err != nil {
		return nil, err
	}
	serial := specs.SerialScenarios(scs)
	if len(serial) == 0 {
		return results, nil
	}
	fmt.Fprintf(stdout, "\n===== %d serial scenario(s), after the shards =====\n", len(serial))
	serialResults, err := runInProcess(serial, t, specs.Shard{}, sc, rc)
	if err != nil {
		return nil, err
	}
	results.Merge(serialResults)
	return results, nil
}

func writeReports(r *report.Results, f *runFlags) error {
	var errs []error
	if f.reportDir != "" {
		if err := r.WriteDir(f.reportDir); err != nil {
			errs = append(errs, fmt.Errorf("--report-dir %s: %w", f.reportDir, err))
		}
	}
	if f.junitReport != "" {
		if err := r.WriteJUnit(f.junitReport); err != nil {
			errs = append(errs, fmt.Errorf("--junit-report %s: %w", f.junitReport, err))
		}
	}
	return errors.Join(errs...)
}

// printSummary ends the output: the counts, then every scenario that needs a look.
func printSummary(w io.Writer, r *report.Results, f *runFlags) {
	c := r.Counts
	fmt.Fprintf(w, "\ngwsconform: %s (exit %d) in %s: %d pass, %d fail", strings.ToUpper(r.Verdict), r.ExitCode, r.Duration, c.Pass, c.Fail)
	if c.ExpectedFailures > 0 {
		fmt.Fprintf(w, " (%d known)", c.ExpectedFailures)
	}
	fmt.Fprintf(w, ", %d skip, %d error", c.Skip, c.Error)
	if c.StaleKnownFailures > 0 {
		fmt.Fprintf(w, ", %d stale known failure(s)", c.StaleKnownFailures)
	}
	if c.Deviations > 0 {
		fmt.Fprintf(w, "; %d deviation(s) in %d scenario(s)", c.Deviations, c.DeviatingScenarios)
	}
	fmt.Fprintln(w)
	for _, e := range r.SuiteErrors {
		fmt.Fprintf(w, "  ERROR  %s\n", e)
	}
	for _, s := range r.Scenarios {
		var tag string
		switch {
		case s.StaleKnownFailure:
			tag = "STALE"
			s.Reason = "passes but is listed in knownFailures; remove it from the list"
		case s.ExpectedFailure:
			tag = "KNOWN"
		case s.Outcome == report.Fail:
			tag = "FAIL"
		case s.Outcome == report.Error:
			tag = "ERROR"
		case s.Outcome == report.Skip && f.filters.Verbose:
			tag = "SKIP"
		default:
			continue
		}
		fmt.Fprintf(w, "  %-5s  %s  %s: %s\n", tag, s.Place(), s.Name, s.Reason)
	}
	printDeviations(w, r)
	if f.reportDir != "" {
		fmt.Fprintf(w, "reports: %s/{%s,%s,%s}\n", strings.TrimRight(f.reportDir, "/"), report.JSONFile, report.JUnitFile, report.HTMLFile)
	}
	if f.junitReport != "" {
		fmt.Fprintf(w, "junit report: %s\n", f.junitReport)
	}
}

// maxDeviationsShown bounds the deviations listed on the console; the reports
// hold them all.
const maxDeviationsShown = 40

// printDeviations lists the checks of inferred or reference evidence the target
// did not meet: not failures, but where it differs from our reading.
func printDeviations(w io.Writer, r *report.Results) {
	shown := 0
	for _, s := range r.Scenarios {
		for _, d := range s.Deviations {
			if shown == maxDeviationsShown {
				fmt.Fprintf(w, "  ... %d more deviation(s) in the reports (--report-dir)\n", r.Counts.Deviations-shown)
				return
			}
			shown++
			fmt.Fprintf(w, "  DEVIATION (%s)  %s  %s: %s\n", d.Level, d.Place, s.Name, d.Reason)
		}
	}
}

// isTerminal reports whether f is a character device, so that logs and CI output get no
// escape codes unless someone asks for them with --no-color=false.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
