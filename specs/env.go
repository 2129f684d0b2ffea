package specs

import (
	"os"
	"path/filepath"
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

// OptionsFromEnv reads the EnvOptions from the process environment. Relative
// paths are taken from the module root (see ModuleRoot), not from the working
// directory: `go test ./specs` runs in specs/, where the person who typed
// GWSCONFORM_REPORT_DIR=out did not.
func OptionsFromEnv() EnvOptions {
	wd, _ := os.Getwd()
	root := ModuleRoot(wd)
	get := func(name string) string { return strings.TrimSpace(os.Getenv(name)) }
	path := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	list := func(name string) []string {
		if v := get(name); v != "" {
			return target.ParseList(v)
		}
		return nil
	}
	scs := list(EnvScenarios)
	for i, p := range scs {
		scs[i] = path(p)
	}
	return EnvOptions{
		TargetFile: path(get(EnvTargetFile)),
		Scenarios:  scs,
		Faults:     list(EnvFaults),
		Tolerate:   list(EnvTolerate),
		ReportDir:  path(get(EnvReportDir)),
	}
}

// ModuleRoot is the nearest directory at or above dir that holds go.mod, or dir
// itself when there is none (a prebuilt specs.test run elsewhere).
func ModuleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
