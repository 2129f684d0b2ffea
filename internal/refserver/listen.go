package refserver

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a reference server listening on a real address.
type Running struct {
	URL    string // http://HOST:PORT
	Server *Server

	http      *http.Server
	served    chan error // Serve's result
	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// shutdownGrace bounds how long Close waits for requests in flight. Held long-polls
// are released first, so only short requests remain, and connections a client
// opened without sending a request yet (net/http waits 5s for those).
const shutdownGrace = 2 * time.Second

// Listen starts a reference server on addr ("127.0.0.1:0" picks a free port) and
// returns once it accepts connections. It stops when ctx is cancelled or Close is
// called.
func Listen(ctx context.Context, addr string, cfg Config) (*Running, error) {
	srv, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	run := &Running{
		URL:    "http://" + ln.Addr().String(),
		Server: srv,
		http: &http.Server{
			Handler:           srv,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(srv.log.Handler(), slog.LevelWarn),
		},
		served: make(chan error, 1),
		closed: make(chan struct{}),
	}
	go func() { run.served <- run.http.Serve(ln) }()
	go func() {
		select {
		case <-ctx.Done():
			run.Close()
		case <-run.closed:
		}
	}()
	return run, nil
}

// Done is closed once the server has shut down.
func (r *Running) Done() <-chan struct{} { return r.closed }

// Close releases held long-polls, then shuts the HTTP server down, waiting a
// bounded time for requests in flight. Safe to call more than once.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		// Held connects first: Shutdown waits for active requests, and a held
		// long-poll is one.
		r.Server.Close()
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		err := r.http.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			r.Server.log.Warn("refserver: connections still open after the shutdown grace; closing them", "grace", shutdownGrace)
			err = r.http.Close()
		}
		if serveErr := <-r.served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
			err = errors.Join(err, serveErr)
		}
		r.closeErr = err
		close(r.closed)
	})
	<-r.closed
	return r.closeErr
}

// randomUint64 seeds id generation so two servers never hand out the same ids.
func randomUint64() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint64(time.Now().UnixNano())
	}
	return binary.BigEndian.Uint64(b[:])
}
