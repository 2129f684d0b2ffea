package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
)

// cmdServe runs the reference server until ctx is cancelled (Ctrl-C). Its first line
// of output is "listening on http://HOST:PORT", which scripts may wait for.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`HOST:PORT` to listen on (port 0 picks a free one)")
	usersFile := fs.String("users", "", "YAML or JSON `FILE` listing the agent accounts (default: agent1..agent8, password \"password\")")
	contactCenter := fs.String("contact-center-id", "", "require this ContactCenterId header on customer requests (default: accept any)")
	connectTimeout := fs.Duration("connect-timeout", 30*time.Second, "how long the notification endpoint holds a Bayeux connect with nothing to deliver, the advised `D` (e.g. 30s, 1s)")
	verbose := fs.Bool("v", false, "log requests and notifications to stderr")
	queues := fs.String("queues", "", "the queues, comma separated (default: queue1,queue2); a user's own `queues` in --users picks among them")
	var faults, tolerate stringsFlag
	fs.Var(&faults, "fault", "switch on a named fault `NAME` (repeatable; see 'gwsconform faults')")
	fs.Var(&tolerate, "tolerate", "switch on a tolerated variation `NAME` (repeatable; see 'gwsconform faults')")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform serve [--addr HOST:PORT] [--users FILE] [--fault NAME]... [--tolerate NAME]... [--contact-center-id ID] [--connect-timeout D] [--queues Q1,Q2,...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("serve: %w", err)}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("serve: unexpected argument %q (flags only)", fs.Arg(0))}
	}

	if *connectTimeout <= 0 {
		return &exitError{code: 2, err: fmt.Errorf("serve: --connect-timeout %s: must be positive", *connectTimeout)}
	}
	cfg := refserver.Config{ContactCenterID: *contactCenter, Faults: faults, Tolerate: tolerate}
	cfg.Bayeux.Timeout = *connectTimeout
	if *queues != "" {
		cfg.Queues = strings.Split(*queues, ",")
	}
	if *usersFile != "" {
		users, err := refserver.LoadUsers(*usersFile)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("serve: --users: %w", err)}
		}
		cfg.Users = users
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, name := range faults {
		if !known(refserver.Faults(), name) {
			return &exitError{code: 2, err: fmt.Errorf("serve: --fault %q: unknown fault (see 'gwsconform faults')", name)}
		}
	}
	for _, name := range tolerate {
		if !known(refserver.Tolerations(), name) {
			return &exitError{code: 2, err: fmt.Errorf("serve: --tolerate %q: unknown variation (see 'gwsconform faults')", name)}
		}
	}

	run, err := refserver.Listen(ctx, *addr, cfg)
	if err != nil {
		return fmt.Errorf("serve: --addr %s: %w", *addr, err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", run.URL)
	if len(faults) > 0 {
		fmt.Fprintf(stdout, "faults: %s\n", strings.Join(faults, ", "))
	}
	if len(tolerate) > 0 {
		fmt.Fprintf(stdout, "tolerating: %s\n", strings.Join(tolerate, ", "))
	}
	<-run.Done()
	return run.Close()
}

func known(list []refserver.Fault, name string) bool {
	for _, f := range list {
		if f.Name == name {
			return true
		}
	}
	return false
}
