package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/scenarios/coverage"
)

// cmdCoverage prints the coverage table of the embedded catalogue (operations
// x scenarios, documented statements x scenarios) as markdown, to stdout or to
// --out FILE. Exit status 1 when an operation or a statement has no scenario
// or a ref names no statement (the table is still written), 2 on usage errors.
func cmdCoverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("coverage", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("out", "", "write the markdown to `FILE` instead of stdout (e.g. docs/coverage.md)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform coverage [--out FILE]")
		fmt.Fprintln(stderr, "Prints which scenarios exercise each operation and prove each documented statement")
		fmt.Fprintf(stderr, "(%s). Exit status 1 when something is not covered.\n", evidence.StatementsFile)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("coverage: %w", err)}
	}
	if fl.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("coverage: unexpected argument %q (see gwsconform coverage -h)", fl.Arg(0))}
	}

	table, err := coverage.Generate()
	if err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	var md bytes.Buffer
	if err := table.Markdown(&md); err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	if *out == "" {
		if _, err := stdout.Write(md.Bytes()); err != nil {
			return fmt.Errorf("coverage: %w", err)
		}
	} else if err := os.WriteFile(*out, md.Bytes(), 0o644); err != nil {
		return fmt.Errorf("coverage: --out: %w", err)
	}
	if problems := table.Problems(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return &exitError{code: 1, err: fmt.Errorf("coverage: %d gap(s)", len(problems))}
	}
	return nil
}
