package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"

	"github.com/gwsconform/gwsconform/recorder"
)

// cmdReplay serves a recording as a mock target until ctx is cancelled (Ctrl-C). Its
// first line of output is "listening on http://HOST:PORT".
func cmdReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("fixtures", "", "recording `DIR` written by 'gwsconform record' (required)")
	listen := fs.String("listen", "127.0.0.1:8091", "`HOST:PORT` to serve on (port 0 picks a free one)")
	notifications := fs.String("notifications", recorder.DefaultNotificationsPath, "serve the Bayeux endpoint at `PATH`")
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
	rp, err := recorder.NewReplay(recorder.ReplayOptions{
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
	remaining := rp.Remaining()
	accounts := make([]string, 0, len(remaining))
	for a := range remaining {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	for _, a := range accounts {
		if n := remaining[a]; n > 0 {
			fmt.Fprintf(stderr, "replay: %s: %d recorded requests were not replayed\n", a, n)
		}
	}
	if serveErr != nil {
		return fmt.Errorf("replay: %w", serveErr)
	}
	return nil
}
