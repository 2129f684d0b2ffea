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

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/suite"
	"github.com/gwsconform/gwsconform/internal/target"
)

// runFlags are the flags of `gwsconform run` (documented in docs/running.md).
type runFlags struct {
	targetURL, targetFile string
	scenarioPaths         stringsFlag
	addPaths              stringsFlag
	features, accounts    string
	queues, knownFailures string
	customerAPI           string
	notificationTimeout   time.Duration
	faults, tolerate      stringsFlag
	procs                 procsFlag
	junitReport           string
	reportDir             string
	signKey               string
	filters               suite.Filters
	focus, skip           stringsFlag
	strict                bool
	retries               int
	rerunFailed           string
	shard                 string
	quiet                 bool
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.targetURL, "target", "", "base `URL` of the server under test (default: start the embedded reference server)")
	fs.StringVar(&f.targetFile, "target-file", "", "target description `FILE` (YAML: baseURL, accounts, queues, features, knownFailures, ...)")
	fs.Var(&f.scenarioPaths, "scenarios", "scenario `DIR|FILE` to run instead of the embedded catalogue (repeatable)")
	fs.Var(&f.addPaths, "add", "scenario `DIR|FILE` to run in addition to the embedded catalogue (repeatable)")
	fs.StringVar(&f.customerAPI, "customer-api", "", "the customer API the target serves: gws (/api/v2/chats, the default) or gms (GMS Chat API v2)")
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
	fs.IntVar(&f.retries, "retries", 0, "play a failing scenario again up to `N` times; one that then passes is reported flaky")
	fs.StringVar(&f.rerunFailed, "rerun-failed", "", "run only the scenarios that failed or ended in error in the bundle in `DIR` (an earlier --report-dir)")
	fs.StringVar(&f.shard, "shard", "", "play part `i/n` of the selected scenarios, split the same way on every machine (then gwsconform merge); default: "+suite.EnvJobIndex+" and "+suite.EnvPartsTotal+" when set")
	fs.BoolVar(&f.quiet, "q", false, "no progress (default: one line redrawn on a terminal, else a line per finished scenario, on stderr)")
	fs.StringVar(&f.junitReport, "junit-report", "", "write a JUnit XML report to `FILE`")
	fs.StringVar(&f.reportDir, "report-dir", "", "write results.json, junit.xml and report.html into `DIR`")
	fs.StringVar(&f.signKey, "sign-key", "", "sign the --report-dir bundle's manifest.json with the Ed25519 private key in `FILE` (PEM; gwsconform keygen)")
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
	o := target.Overrides{BaseURL: f.targetURL, NotificationTimeout: f.notificationTimeout, Strict: f.strict, CustomerAPI: f.customerAPI}
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
	if f.retries < 0 {
		errs = append(errs, fmt.Errorf("--retries %d: must be 0 or more", f.retries))
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
	o, err := f.options(args, stdout, stderr)
	if err != nil {
		return err
	}
	results, err := suite.Run(ctx, o)
	var problems suite.ScenarioProblems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
	}
	if results == nil {
		return err
	}
	if !suite.IsShardChild() {
		printSummary(stdout, results, f)
	}
	if err != nil {
		return err // the reports could not be written
	}
	if results.ExitCode != 0 {
		return &exitError{code: results.ExitCode}
	}
	return nil
}

// options turns the flags into the run's Options; errors name the flag.
func (f *runFlags) options(args []string, stdout, stderr io.Writer) (suite.Options, error) {
	overrides, err := f.overrides()
	if err == nil {
		err = checkSignKey(f.signKey, f.reportDir)
	}
	if err != nil {
		return suite.Options{}, err
	}
	o := suite.Options{
		Scenarios:     f.scenarioPaths,
		Filters:       f.filters,
		TargetFile:    f.targetFile,
		Overrides:     overrides,
		Faults:        f.faults,
		Tolerate:      f.tolerate,
		StartEmbedded: embedded.StartWith,
		Processes:     int(f.procs),
		Retries:       f.retries,
		RerunFailed:   f.rerunFailed,
		ReportDir:     f.reportDir,
		SignKey:       f.signKey,
		JUnitReport:   f.junitReport,
		Output:        stdout,
	}
	if len(f.addPaths) > 0 {
		o.Scenarios, o.Add = f.addPaths, true
	}
	if !f.quiet && !f.filters.Verbose {
		o.Progress = stderr
		if file, ok := stderr.(*os.File); ok {
			o.ProgressInPlace = isTerminal(file)
		}
	}
	if f.shard != "" {
		if o.Part, err = suite.ParseShard(f.shard); err != nil {
			return o, fmt.Errorf("--shard: %w", err)
		}
	} else if o.Part, err = suite.PartFromEnv(os.LookupEnv); err != nil {
		return o, err
	}
	// A child of a sharded run is this program again, with the same flags
	// (it ignores -p).
	exe, err := os.Executable()
	switch {
	case err == nil:
		o.ShardCommand = append([]string{exe, "run"}, args...)
	case f.procs != 1:
		return o, fmt.Errorf("-p: cannot find this program to start it again as a child: %w (use -p 1)", err)
	}
	return o, nil
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
	if c.Flaky > 0 {
		fmt.Fprintf(w, ", %d flaky", c.Flaky)
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
		case s.Flaky:
			tag = "FLAKY"
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
	printClaims(w, r)
	printDeviations(w, r)
	if f.reportDir != "" {
		fmt.Fprintf(w, "reports: %s/{%s,%s,%s}\n", strings.TrimRight(f.reportDir, "/"), report.JSONFile, report.JUnitFile, report.HTMLFile)
	}
	if f.junitReport != "" {
		fmt.Fprintf(w, "junit report: %s\n", f.junitReport)
	}
}

// printClaims gives the verdict on each claimed profile, with what keeps a
// claim from holding.
func printClaims(w io.Writer, r *report.Results) {
	if r.Part != nil {
		if len(r.Claims) > 0 {
			fmt.Fprintf(w, "  part %s of plan %s: the claims are judged when the parts are merged (gwsconform merge)\n", r.Part, r.Part.PlanDigest)
		}
		return
	}
	for _, c := range r.Claims {
		if !c.Claimed {
			continue
		}
		verdict := "CERTIFIED"
		if !c.Certified {
			verdict = "NOT CERTIFIED"
		}
		fmt.Fprintf(w, "  %s  %s: %d of %d scenario(s) passed", verdict, c.Profile, c.Passed, len(c.Scenarios))
		if c.Deviations > 0 {
			fmt.Fprintf(w, ", %d deviation(s)", c.Deviations)
		}
		fmt.Fprintln(w)
		for _, p := range c.Problems {
			fmt.Fprintf(w, "      %s: %s: %s\n", p.Outcome, p.Scenario, p.Reason)
		}
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
