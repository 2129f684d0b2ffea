package target

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file is how the harness talks to a target over the wire and how it says
// what went wrong when no usable answer came. The rules (issue 13):
//
//   - a redirect is never followed: a 3xx is the target's answer, checked like
//     any other, and nothing (credentials, cookies, the CSRF token) reaches
//     another origin;
//   - "unreachable" means no TCP connection was made; once the target accepted
//     one, the reason says what it sent (TLS bytes, something that is not HTTP,
//     a drip, nothing) and which limit ran out.
//
// Outcomes follow from who is at fault (WireKind): an unreachable target, a
// wrong scheme or certificate, and a limit of the harness's configuration
// running out (requestTimeout; docs/scenario-format.md: "running out of it is
// an error") cannot be judged; bytes the target sent that are not an HTTP
// answer, and a connection it closed without answering, are its own behaviour.

// NoRedirect is the CheckRedirect of every client the harness builds for a
// target: the 3xx answer is returned as it is.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewClient returns a client for a target: no redirect is followed.
func NewClient(jar http.CookieJar, transport http.RoundTripper) *http.Client {
	return &http.Client{Jar: jar, Transport: transport, CheckRedirect: NoRedirect}
}

// NewTransport is http.DefaultTransport's settings with connections that keep
// the first bytes each answer brings, so a failure can say what was received.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &wireConn{Conn: c}, nil
	}
	return t
}

// headLen is how many bytes of an answer a connection keeps for a report.
const headLen = 48

// wireConn remembers what was read since its last mark: the first headLen
// bytes, the count and when the first and the last came.
type wireConn struct {
	net.Conn
	mu          sync.Mutex
	head        []byte
	n           int64
	first, last time.Time
}

func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		now := time.Now()
		c.mu.Lock()
		if c.n == 0 {
			c.first = now
		}
		c.n += int64(n)
		c.last = now
		if room := headLen - len(c.head); room > 0 {
			c.head = append(c.head, p[:min(n, room)]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

// mark starts a new answer: a reused connection's earlier answers are not this one's.
func (c *wireConn) mark() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.head, c.n = nil, 0
}

func (c *wireConn) seen() (head []byte, n int64, span time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.head), c.n, c.last.Sub(c.first)
}

// Wire is what one request saw of the connection: whether a TCP connection was
// made, the bytes the target sent back. Trace attaches one to a context.
type Wire struct {
	mu        sync.Mutex
	addr      string // the address dialed
	connected bool   // a TCP connection to the target was made
	gotConn   bool   // the request had a ready connection (TLS done)
	conn      *wireConn
}

// Trace returns ctx with a trace that fills w.
func Trace(ctx context.Context) (context.Context, *Wire) {
	w := &Wire{}
	trace := &httptrace.ClientTrace{
		ConnectStart: func(_, addr string) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.addr == "" {
				w.addr = addr
			}
		},
		ConnectDone: func(_, addr string, err error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err == nil {
				w.connected, w.addr = true, addr
			}
		},
		GotConn: func(info httptrace.GotConnInfo) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.connected, w.gotConn = true, true
			if wc, ok := info.Conn.(*wireConn); ok {
				if info.Reused {
					// A new connection keeps what came before: bytes a target
					// sends on accept are part of this answer.
					wc.mark()
				}
				w.conn = wc
			} else {
				w.conn = nil // TLS: the bytes read are not the answer's
			}
		},
	}
	return httptrace.WithClientTrace(ctx, trace), w
}

// WireKind says whose fault a failed exchange is.
type WireKind int

const (
	// WireUnreachable: no TCP connection was made.
	WireUnreachable WireKind = iota
	// WireConfig: the target file is wrong (http:// to a TLS port, https:// to
	// a plain one, a certificate the harness does not accept).
	WireConfig
	// WireTimeout: a limit of the harness ran out before the answer was complete.
	WireTimeout
	// WireCanceled: the run itself ended (scenario timeout, interrupt).
	WireCanceled
	// WireBroken: the target accepted the connection and did not answer in HTTP
	// (nothing, garbage, broken framing, a cut answer): its own behaviour.
	WireBroken
)

// WireError is a request that got no usable answer, with a reason for a person.
type WireError struct {
	Kind   WireKind
	Reason string
	Err    error // what net/http said
}

// Error is the reason, with "target unreachable: " before an unreachable one's.
func (e *WireError) Error() string {
	if e.Kind == WireUnreachable {
		return "target unreachable: " + e.Reason
	}
	return e.Reason
}

// Unwrap gives the net/http error of a broken or canceled exchange only. Of
// the others, a net/http error may hold context.DeadlineExceeded although no
// answer came late (a dial that timed out, TLS bytes then silence): Is says
// which failures are a limit running out.
func (e *WireError) Unwrap() error {
	if e.Kind == WireBroken || e.Kind == WireCanceled {
		return e.Err
	}
	return nil
}

// Is makes a limit that ran out a context.DeadlineExceeded, whatever net/http
// called it (a dripping answer ends in an i/o timeout).
func (e *WireError) Is(target error) bool {
	return e.Kind == WireTimeout && target == context.DeadlineExceeded
}

// Explain turns the error of a request that got no answer (client.Do's) into a
// WireError. parent is the context the caller's run lives on: when it is done
// the run ended, not the request's limit. limit names the request's own limit
// for a person ("the request timeout 10s (requestTimeout)").
func (w *Wire) Explain(parent context.Context, err error, limit string) *WireError {
	w.mu.Lock()
	addr, connected, gotConn, conn := w.addr, w.connected, w.gotConn, w.conn
	w.mu.Unlock()
	timedOut := isTimeout(err) || errors.Is(err, context.DeadlineExceeded)
	fail := func(kind WireKind, format string, args ...any) *WireError {
		return &WireError{Kind: kind, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	if parent.Err() != nil {
		return fail(WireCanceled, "the run ended before the answer came (%v)", context.Cause(parent))
	}
	if !gotConn {
		var dnsErr *net.DNSError
		var recErr tls.RecordHeaderError
		switch {
		case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
			return fail(WireConfig, "the target answers plain HTTP to a TLS connection: use http://")
		case isCertificateError(err):
			return fail(WireConfig, "TLS: the target's certificate is not accepted: %v", rootCause(err))
		case connected && timedOut:
			return fail(WireConfig, "TLS handshake with %s not done within %s", addr, limit)
		case errors.As(err, &recErr):
			return fail(WireConfig, "TLS handshake with %s: the target answered %s: is it an https:// target?", addr, quoteHead(recErr.RecordHeader[:], int64(len(recErr.RecordHeader))))
		case connected:
			return fail(WireConfig, "TLS handshake with %s failed: %v", addr, rootCause(err))
		case errors.As(err, &dnsErr):
			return fail(WireUnreachable, "cannot resolve host %q (%v)", dnsErr.Name, dnsErr.Err)
		case timedOut:
			return fail(WireUnreachable, "no TCP connection to %s within %s", addr, limit)
		}
		return fail(WireUnreachable, "no TCP connection to %s: %v", addr, rootCause(err))
	}
	var head []byte
	var n int64
	var span time.Duration
	if conn != nil {
		head, n, span = conn.seen()
	}
	switch {
	case looksLikeTLS(head):
		return fail(WireConfig, "the target answered a plain HTTP request with %s: looks like TLS: use https://", quoteHead(head, n))
	case timedOut && n == 0:
		return fail(WireTimeout, "no answer within %s", limit)
	case timedOut:
		return fail(WireTimeout, "the answer was still incomplete when %s ran out: %s came, over %s (a slow drip?)",
			limit, quoteHead(head, n), span.Round(time.Millisecond))
	case conn != nil && n == 0:
		return fail(WireBroken, "the target accepted the connection and closed it without answering (%v)", rootCause(err))
	case conn != nil && !looksLikeHTTP(head):
		return fail(WireBroken, "the answer is not HTTP: received %s", quoteHead(head, n))
	case conn != nil:
		return fail(WireBroken, "the answer breaks HTTP framing (%v); received %s", rootCause(err), quoteHead(head, n))
	}
	return fail(WireBroken, "the exchange failed after the connection was made: %v", rootCause(err))
}

// ExplainBody is Explain for an error while reading the body of an answer whose
// head came: got bytes of the body were read, want is the Content-Length (-1
// when the target sent none).
func ExplainBody(parent context.Context, err error, limit string, got, want int64) *WireError {
	fail := func(kind WireKind, format string, args ...any) *WireError {
		return &WireError{Kind: kind, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	of := ""
	if want >= 0 {
		of = fmt.Sprintf(" of the %d its Content-Length announced", want)
	}
	switch {
	case parent.Err() != nil:
		return fail(WireCanceled, "the run ended while the answer's body was arriving (%v)", context.Cause(parent))
	case isTimeout(err) || errors.Is(err, context.DeadlineExceeded):
		return fail(WireTimeout, "the answer's body was still arriving when %s ran out: %d bytes%s (a slow drip?)", limit, got, of)
	}
	return fail(WireBroken, "the answer was cut: the connection ended after %d bytes of body%s (%v)", got, of, rootCause(err))
}

// looksLikeTLS: a TLS record (handshake 0x16 or alert 0x15, version 3.x).
func looksLikeTLS(head []byte) bool {
	return len(head) >= 3 && (head[0] == 0x15 || head[0] == 0x16) && head[1] == 0x03 && head[2] <= 0x04
}

func looksLikeHTTP(head []byte) bool {
	prefix := []byte("HTTP/")
	return bytes.HasPrefix(head, prefix[:min(len(head), len(prefix))])
}

// quoteHead renders the first bytes received, escaped, with the total.
func quoteHead(head []byte, n int64) string {
	s := strconv.Quote(string(head))
	if n > int64(len(head)) {
		return fmt.Sprintf("%d bytes starting %s...", n, s)
	}
	return fmt.Sprintf("%d bytes %s", n, s)
}

func isCertificateError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify)
}

// rootCause drops net/http's `Post "http://...": ` wrapping and a dial's
// "dial tcp ADDR:" prefix: the reason names the request and the address already.
func rootCause(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		err = u.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && op.Err != nil {
		return op.Err
	}
	return err
}
