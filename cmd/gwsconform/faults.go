package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gwsconform/gwsconform/internal/refserver"
)

// cmdFaults lists the reference server's named faults (with the scenario meant to
// catch each) and its tolerated variations. --markdown prints the same lists as the
// tables of docs/faults.md, which a test keeps in step with this output.
func cmdFaults(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "print Markdown tables (the generated part of docs/faults.md)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform faults [--markdown]\n\nList the named faults of the reference server (use with 'serve --fault NAME' or\n'run --fault NAME'), the scenario meant to catch each, and the tolerated variations\n(use with --tolerate NAME).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("faults: %w", err)}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("faults: unexpected argument %q (flags only)", fs.Arg(0))}
	}
	if *markdown {
		_, err := io.WriteString(stdout, faultsMarkdown(refserver.Faults(), refserver.Tolerations()))
		return err
	}
	return writeFaultColumns(stdout, refserver.Faults(), refserver.Tolerations())
}

// writeFaultColumns prints one fault per line (name, scenario, description in
// aligned columns), then the tolerations under their own heading.
func writeFaultColumns(w io.Writer, faults, tolerations []refserver.Fault) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "FAULT\tCAUGHT BY SCENARIO\tEVIDENCE\tDESCRIPTION\n")
	for _, f := range faults {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Scenario, f.CaughtAt(), f.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nTOLERATED VARIATIONS (--tolerate NAME; the whole catalogue must still pass)\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range tolerations {
		fmt.Fprintf(tw, "%s\t%s\n", f.Name, f.Description)
	}
	return tw.Flush()
}

// faultsMarkdown renders both lists as Markdown tables.
func faultsMarkdown(faults, tolerations []refserver.Fault) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Faults (%d)\n\n", len(faults))
	b.WriteString("| fault | caught by scenario | evidence | deviation |\n|---|---|---|---|\n")
	for _, f := range faults {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, cell(f.Scenario), f.CaughtAt(), cell(f.Description))
	}
	fmt.Fprintf(&b, "\n### Tolerated variations (%d)\n\n", len(tolerations))
	b.WriteString("| variation | what the server does differently |\n|---|---|\n")
	for _, f := range tolerations {
		fmt.Fprintf(&b, "| `%s` | %s |\n", f.Name, cell(f.Description))
	}
	return b.String()
}

// cell escapes what would break a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
