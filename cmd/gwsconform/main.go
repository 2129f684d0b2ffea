// Command gwsconform runs GWS Chat API conformance scenarios, serves the reference
// implementation, and records and replays real traffic.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// A command is one subcommand. args excludes the subcommand's own name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the conformance suite against a target (default: the embedded reference server)", cmdRun},
		{"serve", "serve the reference implementation of the GWS Chat API", cmdServe},
		{"lint", "check scenario files without running them", cmdLint},
		{"faults", "list the reference server's named faults and tolerated variations", cmdFaults},
		{"coverage", "print the coverage table of operations and seed statements", cmdCoverage},
		{"merge", "merge the bundles of a run split across machines (--shard i/n) into one", cmdMerge},
		{"profiles", "list the profiles a target can claim and the scenarios that decide each", cmdProfiles},
		{"verify", "check a --report-dir bundle: manifest, signature, verdicts re-derived from its outcomes", cmdVerify},
		{"keygen", "make an Ed25519 key pair for run --sign-key and verify --public-key", cmdKeygen},
		{"record", "record traffic to a target through a proxy into fixtures", cmdRecord},
		{"replay", "serve recorded fixtures as a mock target", cmdReplay},
	}
}

// exitError carries a process exit code; any other error exits 2.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "gwsconform:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "gwsconform:", err)
	return 2
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cmdRun(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return &exitError{code: 2, err: fmt.Errorf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gwsconform <command> [flags]   (no command: run)")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'gwsconform <command> -h' for a command's flags.")
}
