package runner

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
)

// These tests play the chat scenario against the embedded server behind a front
// that answers the first agent chat operation (alice's Accept) itself, badly, at
// the HTTP or the connection level, and check the outcome, the reason (it says
// what was received and which limit ran out) and a generous time bound.

// restRunBound bounds each run: the slowest class waits out the 2s request
// timeout once; the bug this guards against is a wait of minutes.
const restRunBound = 30 * time.Second

// restRequestTimeout is the target's requestTimeout in these tests.
const restRequestTimeout = 2 * time.Second

// isAgentChatOp selects the agent chat operations: POST /api/v2/me/chats/{id}.
func isAgentChatOp(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/v2/me/chats/")
}

// restFront returns tg seen through a proxy that lets answer reply to the
// requests victim selects (only the first one when once is set: cleanup then
// goes through) and passes the rest to tg.
func restFront(t *testing.T, tg *target.Target, victim func(*http.Request) bool, once bool, answer http.HandlerFunc) *target.Target {
	t.Helper()
	up, err := url.Parse(tg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	var used atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if victim(r) && (!once || used.CompareAndSwap(false, true)) {
			answer(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	front := *tg
	front.BaseURL = hs.URL
	front.RequestTimeout = restRequestTimeout
	return &front
}

// raw hijacks the connection and lets write misbehave on it; the connection is
// closed when write returns.
func raw(write func(conn net.Conn)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		write(conn)
	}
}

// holdUntilClosed waits until the client hangs up (or a minute, whichever first).
func holdUntilClosed(conn net.Conn) {
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	_, _ = io.Copy(io.Discard, conn)
}

// serverHello is the start of a TLS 1.2 ServerHello record, what a TLS port
// sends back (after a ClientHello; some send it, or an alert, to anything).
var serverHello = []byte{0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03, 0x5f, 0x1a, 0x9c, 0x00}

// answerBody answers 200 with body as JSON.
func answerBody(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}

func TestHostileRESTAnswersHaveAClearReason(t *testing.T) {
	big := append(append([]byte(`{"statusCode":0,"pad":"`), bytes.Repeat([]byte("x"), 5<<20)...), `"}`...)
	cases := []struct {
		name    string
		answer  http.HandlerFunc
		outcome report.Outcome
		reason  []string
	}{
		{"TLS bytes then close", raw(func(c net.Conn) { _, _ = c.Write(serverHello) }),
			report.Error, []string{"POST /api/v2/me/chats/", `"\x16\x03\x03`, "looks like TLS: use https://"}},
		{"TLS bytes then hold", raw(func(c net.Conn) { _, _ = c.Write(serverHello); holdUntilClosed(c) }),
			report.Error, []string{"looks like TLS: use https://"}},
		{"garbage", raw(func(c net.Conn) { _, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n\x00\x01\xff")); holdUntilClosed(c) }),
			report.Fail, []string{"the answer is not HTTP", `"SSH-2.0-OpenSSH_9.6\r\n`}},
		{"slow drip", raw(func(c net.Conn) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(time.Second) // the misbehaviour itself: one byte a second
			}
		}), report.Error, []string{"still incomplete when the request timeout 2s (requestTimeout) ran out", "slow drip", `"HT`}},
		{"no answer", raw(holdUntilClosed),
			report.Error, []string{"no answer within the request timeout 2s (requestTimeout)"}},
		{"closed without answering", raw(func(net.Conn) {}),
			report.Fail, []string{"closed it without answering"}},
		{"broken header", raw(func(c net.Conn) { _, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")) }),
			report.Fail, []string{"breaks HTTP framing", "malformed MIME header"}},
		{"cut body", raw(func(c net.Conn) {
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"statusCode\":0"))
		}), report.Fail, []string{"the answer was cut", "after 15 bytes of body of the 100 its Content-Length announced"}},
		{"5 MiB answer", answerBody(big),
			report.Fail, []string{"answer larger than 4 MiB, cut"}},
		{"empty body", answerBody(nil),
			report.Fail, []string{"expected the success answer of Accept", "got an empty body (HTTP 200)"}},
		{"invalid JSON", answerBody([]byte(`{"statusCode":0,}`)),
			report.Fail, []string{"not JSON: invalid JSON at byte 17 of 17", `("{\"statusCode\":0,}" ends there)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := restFront(t, embedded(t, refserver.Config{}), isAgentChatOp, true, tc.answer)
			res, took, peak := measuredPlay(t, tg, chatScenario(""))
			t.Logf("%s after %v (peak heap %d MiB): %s", res.Outcome, took.Round(time.Millisecond), peak>>20, res.Reason)
			requireOutcome(t, res, tc.outcome)
			requireContains(t, "reason", res.Reason, tc.reason...)
			if strings.Contains(res.Reason, "unreachable") {
				t.Errorf("the target accepted the connection; the reason says unreachable: %s", res.Reason)
			}
			if took > restRunBound {
				t.Fatalf("the run took %v, over %v", took, restRunBound)
			}
		})
	}
}

// recorder is a server that only counts what reaches it and whether any
// request carried the actor's credentials, cookies or CSRF token.
type recorder struct {
	mu       sync.Mutex
	requests []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	line := r.Method + " " + r.URL.Path
	if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" || r.Header.Get("X-CSRF-TOKEN") != "" {
		line += " WITH CREDENTIALS"
	}
	rec.requests = append(rec.requests, line)
	w.WriteHeader(http.StatusOK)
}

func (rec *recorder) received() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.requests...)
}

// redirectTo answers every selected request with a 307 to the same path on elsewhere.
func redirectTo(elsewhere string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}
}

// TestRedirectsAreAnswersNotFollowed: a target answering chat operations with a
// 307 to another port fails (its answer is not the operation's), the reason
// names the redirect, and the other origin receives nothing: before, the harness
// followed, sending the Basic credentials, the session cookie and the CSRF token.
func TestRedirectsAreAnswersNotFollowed(t *testing.T) {
	cases := []struct {
		name   string
		victim func(*http.Request) bool
		step   string
	}{
		{"agent chat operations", isAgentChatOp, "step 3 (alice Accept)"},
		{"every chat operation", func(r *http.Request) bool {
			return strings.HasPrefix(r.URL.Path, "/api/v2/chats") || strings.HasPrefix(r.URL.Path, "/api/v2/me/chats")
		}, "step 1 (carol RequestChat)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			other := &recorder{}
			elsewhere := httptest.NewServer(other)
			t.Cleanup(elsewhere.Close)
			tg := restFront(t, embedded(t, refserver.Config{}), tc.victim, false, redirectTo(elsewhere.URL))
			res, took, _ := measuredPlay(t, tg, chatScenario(""))
			t.Logf("%s after %v: %s; the other origin received %q", res.Outcome, took.Round(time.Millisecond), res.Reason, other.received())
			requireOutcome(t, res, report.Fail)
			requireContains(t, "reason", res.Reason, "expected a 2xx answer, got HTTP 307, a redirect to", elsewhere.URL, "not followed")
			requireContains(t, "step", res.Step, tc.step)
			if got := other.received(); len(got) > 0 {
				t.Errorf("the other origin received %d requests: %q", len(got), got)
			}
			if took > restRunBound {
				t.Fatalf("the run took %v, over %v", took, restRunBound)
			}
		})
	}
}

// TestBayeuxRedirectIsNotFollowed: the Bayeux client the runner builds follows
// no redirect either; whatever the outcome, nothing reaches the other origin.
func TestBayeuxRedirectIsNotFollowed(t *testing.T) {
	other := &recorder{}
	elsewhere := httptest.NewServer(other)
	t.Cleanup(elsewhere.Close)
	tg := embedded(t, refserver.Config{})
	notifications := tg.NotificationsPath
	tg = restFront(t, tg, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, notifications) }, false, redirectTo(elsewhere.URL))
	res, took, _ := measuredPlay(t, tg, chatScenario(""))
	t.Logf("%s after %v: %s", res.Outcome, took.Round(time.Millisecond), res.Reason)
	if res.Outcome == report.Pass {
		t.Errorf("a target redirecting its notification endpoint passed")
	}
	if got := other.received(); len(got) > 0 {
		t.Errorf("the other origin received %d requests: %q", len(got), got)
	}
	if took > restRunBound {
		t.Fatalf("the run took %v, over %v", took, restRunBound)
	}
}

// measuredPlay plays the scenario text and returns the result, the wall time
// and the peak heap in use seen while it ran (sampled every 10ms: a
// figure for the report, asserted nowhere).
func measuredPlay(t *testing.T, tg *target.Target, text string) (Result, time.Duration, uint64) {
	t.Helper()
	sc := loadScenario(t, text)
	done := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var highest uint64
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			highest = max(highest, ms.HeapInuse)
			select {
			case <-done:
				peak <- highest
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	res := play(t, tg, sc)
	took := time.Since(start)
	close(done)
	return res, took, <-peak
}
