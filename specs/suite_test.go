// Package specs is the `go test` entry point of the conformance suite: `go test
// ./specs`, a prebuilt `specs.test` and `ginkgo -p ./specs` run the same suite as
// `gwsconform run`, configured by GWSCONFORM_* variables and --ginkgo.* flags
// (docs/running.md). The suite itself lives in internal/suite.
package specs

import (
	"errors"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/suite"
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

// TestSpecs is the whole suite, as internal/suite defines it from the
// environment's Options.
func TestSpecs(t *testing.T) {
	o, err := suite.OptionsFromEnv()
	if err != nil {
		suiteSetupBroken = true
		t.Fatal(err)
	}
	o.StartEmbedded = embedded.StartWith
	if err = suite.Define(o, func(r *report.Results) { suiteResults = r }); err != nil {
		suiteSetupBroken = true
		var problems suite.ScenarioProblems
		if errors.As(err, &problems) {
			t.Fatalf("%v:\n%v", err, errors.Join(problems...))
		}
		t.Fatal(err)
	}
	RunSpecs(t, "gwsconform")
}
