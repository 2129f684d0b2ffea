package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// serveUntil serves h on ln until ctx is done (Ctrl-C) or serving fails. While it
// waits it calls tick once a second (nil: never), for live progress lines. On the way
// out it calls release (nil: nothing) so held long-polls answer instead of keeping
// Shutdown waiting, gives requests in flight two seconds, then cuts the rest.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler, tick, release func()) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	var serveErr error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case serveErr = <-served:
			break wait
		case <-ticker.C:
			if tick != nil {
				tick()
			}
		}
	}
	if release != nil {
		release()
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if srv.Shutdown(shutdownCtx) != nil {
		srv.Close()
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}
