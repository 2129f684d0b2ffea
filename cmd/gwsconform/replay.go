package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"

	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/replay"
)

// cmdReplay serves a recording as a mock target until ctx is cancelled (Ctrl-C). Its
// first line of output is "listening on http://HOST:PORT".
func cmdReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("fixtures", "", "recording `DIR` written by 'gwsconform record' (required)")
	listen := fs.String("listen", "127.0.0.1:8091", "`HOST:PORT` to serve on (port 0 picks a free one)")
	notifications := fs.String("notifications", fixture.DefaultNotificationsPath, "serve the Bayeux endpoint at `PATH`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform replay --fixtures DIR [--listen HOST:PORT]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("replay: %w", err)}
	}
	if *dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("replay: --fixtures is required (flags only)")}
	}
	rp, err := replay.New(replay.Options{
		Dir:               *dir,
		NotificationsPath: *notifications,
		Logger:            slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("replay: --fixtures: %w", err)}
	}
	defer rp.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("replay: --listen %s: %w", *listen, err)
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	serveErr := serveUntil(ctx, ln, rp, nil, func() { rp.Close() })
	// What the client did not get to is worth a line each: it tells the user how far
	// the replayed session went.
	reportLeft(stderr, rp.Remaining(), "recorded requests were not replayed")
	reportLeft(stderr, rp.Undelivered(), "recorded notifications were not delivered")
	if serveErr != nil {
		return fmt.Errorf("replay: %w", serveErr)
	}
	return nil
}

// reportLeft prints one line per account with something left, in account order.
func reportLeft(w io.Writer, left map[string]int, what string) {
	for _, account := range slices.Sorted(maps.Keys(left)) {
		if n := left[account]; n > 0 {
			fmt.Fprintf(w, "replay: %s: %d %s\n", account, n, what)
		}
	}
}
