package specs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
)

// suiteResults are the results of TestSpecs on this process (nil on Ginkgo's
// processes other than 1, and when TestSpecs did not run).
var suiteResults *report.Results

// suiteSetupBroken is set when TestSpecs could not even build the suite (invalid
// scenario files): a harness error.
var suiteSetupBroken bool

// TestMain turns a run with errors (harness, environment, scenario files) into exit
// status 2, as `gwsconform run` does; `go test` itself reports any non-zero status
// as FAIL, a prebuilt specs.test binary passes the status on.
func TestMain(m *testing.M) {
	code := m.Run()
	if suiteSetupBroken || (suiteResults != nil && suiteResults.ExitCode == 2) {
		code = 2
	}
	os.Exit(code)
}

// TestSpecs is the entry point of `go test ./specs`, `specs.test` and `ginkgo
// ./specs`: the whole suite, configured by GWSCONFORM_* variables and --ginkgo.*
// flags (docs/running.md).
func TestSpecs(t *testing.T) {
	opts := OptionsFromEnv()
	scs, problems := LoadScenarios(opts.Scenarios, false)
	if len(problems) > 0 {
		suiteSetupBroken = true
		t.Fatalf("%d problem(s) in the scenario files; nothing was run:\n%v", len(problems), errors.Join(problems...))
	}
	suite := &Suite{
		Scenarios: scs,
		Setup: func(ctx context.Context) (*target.Target, func(), error) {
			t, stop, embedded, err := ResolveTarget(ctx, opts.TargetFile, target.Overrides{}, startEmbeddedFromEnv(opts))
			if err == nil && !embedded && len(opts.Faults)+len(opts.Tolerate) > 0 {
				err = fmt.Errorf("%s and %s apply to the embedded reference server only; unset GWSCONFORM_TARGET", EnvFaults, EnvTolerate)
			}
			if err == nil {
				err = CheckKnownFailures(t, scs)
			}
			if err == nil {
				err = target.Preflight(ctx, t)
			}
			if err == nil {
				fmt.Fprintf(GinkgoWriter, "gwsconform: target %q at %s\n", t.Name, t.BaseURL)
			}
			return t, stop, err
		},
		Done: func(r *report.Results) {
			suiteResults = r
			if opts.ReportDir == "" {
				return
			}
			if err := r.WriteDir(opts.ReportDir); err != nil {
				Fail(fmt.Sprintf("%s %s: %v", EnvReportDir, opts.ReportDir, err))
			}
		},
	}
	if err := suite.Define(); err != nil {
		suiteSetupBroken = true
		t.Fatal(err)
	}
	RunSpecs(t, "gwsconform")
}

// startEmbeddedFromEnv starts the reference server with GWSCONFORM_FAULTS and
// GWSCONFORM_TOLERATE. This entry point, like cmd/gwsconform, is the only place
// that knows the reference server; the suite itself only sees a target.
func startEmbeddedFromEnv(opts EnvOptions) StartEmbedded {
	return func(ctx context.Context) (*target.Target, func(), error) {
		t, stop, err := embedded.Start(ctx, refserver.Config{Faults: opts.Faults, Tolerate: opts.Tolerate})
		if err != nil && len(opts.Faults)+len(opts.Tolerate) > 0 {
			err = fmt.Errorf("%s/%s %s: %w", EnvFaults, EnvTolerate, strings.Join(append(opts.Faults, opts.Tolerate...), ","), err)
		}
		return t, stop, err
	}
}
