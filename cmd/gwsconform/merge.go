package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/gwsconform/gwsconform/internal/certify"
)

// cmdMerge is `gwsconform merge OUT DIR...`: the bundles of the parts of a run
// split across machines (--shard i/n) become one bundle in OUT, once they are
// proven to be exactly the plan's parts. Exit status: the merged verdict's (0,
// 1 or 2), or 2 when the parts do not make a whole.
func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("merge", flag.ContinueOnError)
	fl.SetOutput(stderr)
	signKey := fl.String("sign-key", "", "sign the merged bundle's manifest.json with the Ed25519 private key in `FILE`")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform merge [--sign-key FILE] OUT DIR...")
		fmt.Fprintln(stderr, "Merges the bundles (--report-dir) of the parts of a run split with --shard i/n into one bundle in OUT.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("merge: %w", err)}
	}
	if fl.NArg() < 2 {
		fl.Usage()
		return &exitError{code: 2, err: errors.New("merge: want the output directory and at least one part's bundle")}
	}
	out, dirs := fl.Arg(0), fl.Args()[1:]
	if err := checkSignKey(*signKey, out); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("merge: %w", err)}
	}
	// A part whose bundle does not verify cannot vouch for its scenarios.
	for _, dir := range dirs {
		rep, err := certify.Verify(dir, nil)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("merge: %s: %w", dir, err)}
		}
		if !rep.OK() {
			for _, p := range rep.Problems {
				fmt.Fprintf(stderr, "  %s: %s\n", dir, p)
			}
			return &exitError{code: 2, err: fmt.Errorf("merge: %s does not verify (%d problem(s)); gwsconform verify %s says more", dir, len(rep.Problems), dir)}
		}
	}
	results, err := certify.Merge(dirs)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("merge: the parts do not make one run:\n%w", err)}
	}
	if err := results.WriteDir(out); err != nil {
		return fmt.Errorf("merge: %s: %w", out, err)
	}
	if err := certify.CopyTranscripts(out, dirs); err != nil {
		return fmt.Errorf("merge: %s: %w", out, err)
	}
	if err := certify.Seal(out, results, *signKey); err != nil {
		return fmt.Errorf("merge: %s: %w", out, err)
	}
	fmt.Fprintf(stdout, "gwsconform: merged %d part(s) of plan %s\n", len(results.MergedFrom), results.MergedFrom[0].PlanDigest)
	printSummary(stdout, results, &runFlags{reportDir: out})
	if results.ExitCode != 0 {
		return &exitError{code: results.ExitCode}
	}
	return nil
}
