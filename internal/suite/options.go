package suite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gwsconform/gwsconform/internal/target"
)

// Options are everything one run needs. `gwsconform run` parses its flags into
// them, `go test ./specs` its environment (OptionsFromEnv): the two entry points
// differ only in how they are told.
type Options struct {
	// Scenarios are files or directories to run instead of the embedded
	// catalogue; empty runs the catalogue. Add: run them in addition to it.
	Scenarios []string
	Add       bool
	// Filters choose the scenarios and set Ginkgo's output. Under `go test`
	// Ginkgo's own --ginkgo.* flags do instead, and Filters stay zero.
	Filters Filters
	// TargetFile describes the target (YAML); empty: the GWSCONFORM_*
	// environment and Overrides alone.
	TargetFile string
	// Overrides are the target settings of the command line; they win over the
	// file and the environment.
	Overrides target.Overrides
	// Faults and Tolerate configure the embedded reference server; naming any
	// while the target is another server is an error.
	Faults, Tolerate []string
	// StartEmbedded starts the reference server, the target when nothing names
	// a URL. The suite never imports the server (it is the independent second
	// implementation; internal/modcheck holds that), so the entry point passes
	// it in: embedded.StartWith. Nil makes a run without a URL an error.
	StartEmbedded func(ctx context.Context, faults, tolerate []string) (*target.Target, func(), error)
	// Retries plays a failing or erroring scenario again up to this many
	// times; one that then passes is reported flaky (--retries).
	Retries int
	// RerunFailed is an earlier bundle's directory: only the scenarios that
	// failed or ended in error there run (--rerun-failed). Empty: no such filter.
	RerunFailed string
	// Part is --shard i/n: play only part i of the selected scenarios split
	// into n parts the same way on every machine (then `gwsconform merge`).
	// Zero: all of them.
	Part Shard
	// Processes is -p: 0 plans them (PlanProcesses), 1 plays in this process,
	// N > 1 in N children started with ShardCommand.
	Processes int
	// ShardCommand starts this same run again as a child of a sharded run:
	// program and arguments (the child ignores -p). Nil allows no children.
	ShardCommand []string
	// ReportDir receives results.json, junit.xml and report.html; JUnitReport
	// one more JUnit file. Empty: not written.
	ReportDir, JUnitReport string
	// SignKey is the Ed25519 private key file (PEM PKCS#8) that signs the
	// ReportDir bundle's manifest.json (--sign-key); empty leaves it unsigned.
	SignKey string
	// Output receives the run's first line and each shard's output; nil
	// discards them. Ginkgo writes its own output to os.Stdout.
	Output io.Writer
	// Progress receives how far the run is, for a person: scenario n of N,
	// elapsed, what is left, what plays now; nil says nothing. InPlace
	// redraws one line (a terminal); otherwise one line per finished scenario.
	Progress        io.Writer
	ProgressInPlace bool
	// Names are the entry point's spellings of the options, for its errors;
	// the zero value spells the flags of `gwsconform run`.
	Names Names
}

// Names say how an entry point spells the options an error is about.
type Names struct {
	Faults    string // default "--fault/--tolerate"
	Target    string // what names a target; default "--target/--target-file/GWSCONFORM_TARGET"
	ReportDir string // default "--report-dir"
}

func (n Names) withDefaults() Names {
	if n.Faults == "" {
		n.Faults = "--fault/--tolerate"
	}
	if n.Target == "" {
		n.Target = "--target/--target-file/" + target.EnvTarget
	}
	if n.ReportDir == "" {
		n.ReportDir = "--report-dir"
	}
	return n
}

// Environment variables of the `go test ./specs` and `specs.test` entry points, on
// top of the target's GWSCONFORM_* variables (see internal/target). `gwsconform run`
// has a flag for each.
const (
	EnvTargetFile = "GWSCONFORM_TARGET_FILE"  // --target-file
	EnvScenarios  = "GWSCONFORM_SCENARIOS"    // --scenarios, comma separated
	EnvFaults     = "GWSCONFORM_FAULTS"       // --fault, comma separated
	EnvTolerate   = "GWSCONFORM_TOLERATE"     // --tolerate, comma separated
	EnvReportDir  = "GWSCONFORM_REPORT_DIR"   // --report-dir
	EnvRetries    = "GWSCONFORM_RETRIES"      // --retries
	EnvRerun      = "GWSCONFORM_RERUN_FAILED" // --rerun-failed
)

// OptionsFromEnv reads the Options of `go test ./specs` from the process
// environment; a variable that cannot be read is an error naming it. Relative paths are taken from the module root (see ModuleRoot),
// not from the working directory: `go test ./specs` runs in specs/, where the
// person who typed GWSCONFORM_REPORT_DIR=out did not.
func OptionsFromEnv() (Options, error) {
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
	retries := 0
	if v := get(EnvRetries); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Options{}, fmt.Errorf("%s=%q: want a number of retries, 0 or more", EnvRetries, v)
		}
		retries = n
	}
	return Options{
		Retries:     retries,
		RerunFailed: path(get(EnvRerun)),
		TargetFile:  path(get(EnvTargetFile)),
		Scenarios:   scs,
		Faults:      list(EnvFaults),
		Tolerate:    list(EnvTolerate),
		ReportDir:   path(get(EnvReportDir)),
		Processes:   1, // Ginkgo's own -p shards a `go test` run
		Names:       envNames(),
	}, nil
}

// envNames spell the options as `go test ./specs` takes them.
func envNames() Names {
	return Names{Faults: EnvFaults + "/" + EnvTolerate, Target: target.EnvTarget, ReportDir: EnvReportDir}
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
