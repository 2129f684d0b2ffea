package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// cmdProfiles lists the profiles a target can claim, each with its features,
// what it builds on and the catalogue's scenarios that decide it.
func cmdProfiles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("profiles", flag.ContinueOnError)
	fl.SetOutput(stderr)
	quiet := fl.Bool("q", false, "names and descriptions only, no scenarios")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform profiles [-q]")
		fmt.Fprintln(stderr, "Lists the profiles a target file may claim (profiles: [...]) and the scenarios that decide each.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("profiles: %w", err)}
	}
	if fl.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("profiles: unexpected argument %q (see gwsconform profiles -h)", fl.Arg(0))}
	}
	scs, err := scenarios.LoadCatalogue()
	if err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	for _, p := range certify.Profiles() {
		features := make([]string, len(p.Features))
		for i, f := range p.Features {
			features[i] = string(f)
		}
		fmt.Fprintf(stdout, "%s\n  %s\n  features: %s\n", p.Name, p.Description, strings.Join(features, ", "))
		if len(p.BuildsOn) > 0 {
			fmt.Fprintf(stdout, "  builds on: %s\n", strings.Join(p.BuildsOn, ", "))
		}
		var names []string
		for _, sc := range scs {
			if p.Covers(sc.Requires) {
				names = append(names, fmt.Sprintf("    %s  (%s:%d)", sc.Name, sc.File, sc.Line))
			}
		}
		fmt.Fprintf(stdout, "  scenarios: %d\n", len(names))
		if !*quiet {
			for _, n := range names {
				fmt.Fprintln(stdout, n)
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
