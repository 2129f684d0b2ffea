package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/suite"
)

// cmdLint checks scenario files without running them: the embedded
// catalogue plus PATH... (files or directories), or, with --scenarios, that
// file or directory instead of the catalogue. Exit status 1 on problems,
// 2 on usage errors.
func cmdLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("lint", flag.ContinueOnError)
	fl.SetOutput(stderr)
	replace := fl.String("scenarios", "", "scenario `FILE|DIR` that replaces the embedded catalogue (its fragments stay available)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform lint [--scenarios FILE|DIR] [PATH...]")
		fmt.Fprintln(stderr, "Checks the embedded catalogue plus each PATH (scenario files or directories);")
		fmt.Fprintln(stderr, "prints \"ok: N scenarios\" or one problem per line as FILE:LINE: MESSAGE.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("lint: %w", err)}
	}
	paths := fl.Args()
	if *replace != "" {
		paths = append([]string{*replace}, paths...)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("lint: %w", err)}
		}
	}

	var scs []*scenarios.Scenario
	var err error
	switch {
	case *replace != "":
		scs, err = scenarios.LoadDisk(false, paths...)
	case len(paths) > 0:
		scs, err = scenarios.LoadDisk(true, paths...)
	default:
		scs, err = scenarios.LoadCatalogue()
	}
	problems := scenarios.Errors(err)
	if err == nil {
		problems = suite.Lint(scs)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stdout, p)
		}
		return &exitError{code: 1, err: fmt.Errorf("lint: %d problem(s)", len(problems))}
	}
	fmt.Fprintf(stdout, "ok: %d scenarios\n", len(scs))
	return nil
}
