package target

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The preflight against targets that accept the connection and then misbehave:
// each is still one PreflightError within seconds, but none is called
// unreachable, and the reason says what came back and which limit ran out.

// preflightBound bounds one preflight: the slowest case waits out the 3s limit.
const preflightBound = 15 * time.Second

// rawTarget listens on 127.0.0.1 and, for every connection, reads one request
// and lets answer misbehave on the connection, which is closed when it returns.
func rawTarget(t *testing.T, answer func(conn net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				// A bound on each connection, so Cleanup never waits long.
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
					return
				}
				answer(conn)
			})
		}
	})
	return "http://" + ln.Addr().String()
}

// hold waits until the client hangs up.
func hold(conn net.Conn) { _, _ = io.Copy(io.Discard, conn) }

func write(s string) func(net.Conn) {
	return func(conn net.Conn) { _, _ = io.WriteString(conn, s) }
}

// tlsServerHello is the start of a TLS 1.2 ServerHello record.
const tlsServerHello = "\x16\x03\x03\x00\x4a\x02\x00\x00\x46\x03\x03\x5f\x1a\x9c\x00"

func TestPreflightNamesWhatAHostileTargetSent(t *testing.T) {
	cases := []struct {
		name   string
		answer func(net.Conn)
		reason []string
	}{
		{"TLS bytes then close", write(tlsServerHello), []string{`"\x16\x03\x03`, "looks like TLS: use https://"}},
		{"TLS bytes then hold", func(c net.Conn) { write(tlsServerHello)(c); hold(c) }, []string{"looks like TLS: use https://"}},
		{"garbage", func(c net.Conn) { write("SSH-2.0-OpenSSH_9.6\r\n\x00\xff")(c); hold(c) },
			[]string{"the answer is not HTTP", `"SSH-2.0-OpenSSH_9.6\r\n\x00\xff"`}},
		{"slow drip", func(c net.Conn) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\n\r\n") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(time.Second) // the misbehaviour itself: one byte a second
			}
		}, []string{"still incomplete when the preflight's limit 3s per request ran out", "slow drip", `"HTT`}},
		{"no answer", hold, []string{"no answer within the preflight's limit 3s per request"}},
		{"closed without answering", func(net.Conn) {}, []string{"closed it without answering"}},
		{"broken header", write("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"), []string{"breaks HTTP framing", "malformed MIME header"}},
		{"cut body", write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"user\""),
			[]string{"the answer was cut", "after 7 bytes of body of the 100 its Content-Length announced"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := Default()
			tg.BaseURL = rawTarget(t, tc.answer)
			start := time.Now()
			err := Preflight(t.Context(), tg)
			took := time.Since(start)
			t.Logf("after %v: %v", took.Round(time.Millisecond), err)
			var pe *PreflightError
			if !errors.As(err, &pe) {
				t.Fatalf("Preflight = %v, want a *PreflightError", err)
			}
			for _, part := range tc.reason {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("the error does not contain %q: %v", part, err)
				}
			}
			if strings.Contains(err.Error(), "unreachable") {
				t.Errorf("the target accepted the connection; the error says unreachable: %v", err)
			}
			if took > preflightBound {
				t.Errorf("Preflight took %v, over %v", took, preflightBound)
			}
		})
	}
}

// TestPreflightSchemeMismatches: https:// to a plain HTTP port, and a
// certificate the harness does not trust, say what to fix.
func TestPreflightSchemeMismatches(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(untrusted.Close)
	for _, tc := range []struct {
		name, url, reason string
	}{
		{"https to plain HTTP", "https://" + strings.TrimPrefix(plain.URL, "http://"), "answers plain HTTP to a TLS connection: use http://"},
		{"untrusted certificate", untrusted.URL, "certificate is not accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := Default()
			tg.BaseURL = tc.url
			err := Preflight(t.Context(), tg)
			t.Logf("%v", err)
			if err == nil || !strings.Contains(err.Error(), tc.reason) || strings.Contains(err.Error(), "unreachable") {
				t.Errorf("Preflight = %v, want %q and not unreachable", err, tc.reason)
			}
		})
	}
}

// TestPreflightDoesNotFollowRedirects: a 307 is the answer (one error naming
// the redirect); the credentials never reach the other origin.
func TestPreflightDoesNotFollowRedirects(t *testing.T) {
	var mu sync.Mutex
	var received []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		received = append(received, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	tg := Default()
	tg.BaseURL = redirecting.URL
	err := Preflight(t.Context(), tg)
	t.Logf("%v", err)
	var pe *PreflightError
	if !errors.As(err, &pe) || pe.Account == "" || !strings.Contains(err.Error(), "HTTP 307") || !strings.Contains(err.Error(), "redirect to \""+other.URL) {
		t.Errorf("Preflight = %v, want the account's error naming the 307 and where it points", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) > 0 {
		t.Errorf("the other origin received %q", received)
	}
}
