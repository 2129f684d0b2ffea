package specs

import (
	"os"
	"strings"

	"github.com/gwsconform/gwsconform/internal/target"
)

// Environment variables of the `go test ./specs` and `specs.test` entry points, on
// top of the target's GWSCONFORM_* variables (see internal/target). `gwsconform run`
// has a flag for each.
const (
	EnvTargetFile = "GWSCONFORM_TARGET_FILE" // --target-file
	EnvScenarios  = "GWSCONFORM_SCENARIOS"   // --scenarios, comma separated
	EnvFaults     = "GWSCONFORM_FAULTS"      // --fault, comma separated
	EnvTolerate   = "GWSCONFORM_TOLERATE"    // --tolerate, comma separated
	EnvReportDir  = "GWSCONFORM_REPORT_DIR"  // --report-dir
)

// EnvOptions are the run options read from the environment.
type EnvOptions struct {
	TargetFile string
	Scenarios  []string
	Faults     []string
	Tolerate   []string
	ReportDir  string
}

// OptionsFromEnv reads the EnvOptions from the process environment.
func OptionsFromEnv() EnvOptions {
	get := func(name string) string { return strings.TrimSpace(os.Getenv(name)) }
	list := func(name string) []string {
		if v := get(name); v != "" {
			return target.ParseList(v)
		}
		return nil
	}
	return EnvOptions{
		TargetFile: get(EnvTargetFile),
		Scenarios:  list(EnvScenarios),
		Faults:     list(EnvFaults),
		Tolerate:   list(EnvTolerate),
		ReportDir:  get(EnvReportDir),
	}
}
