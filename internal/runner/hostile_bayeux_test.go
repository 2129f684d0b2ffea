package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
)

// These tests play a real scenario against the embedded server behind a proxy that
// breaks one thing on the notification endpoint, and check that the scenario's
// reason names that thing (not only "no ChannelStateChangeMessageV2 followed") and
// that the run ends within a bound the old behaviour could not meet or a spin
// could not reach.

// hostileRunBound bounds each run: a degraded setup barrier waits 2s (the
// target's NotificationTimeout here) at most twice (a settle, then a change away
// and back), a fatal breakage ends it at once, and cleanup is quick. Before the
// client named its breakages, the fatal cases waited 2 x 20s here.
const hostileRunBound = 30 * time.Second

// breakage answers a request to the notification endpoint in place of the target;
// it returns false to let the request through. m is the batch's first message.
type breakage func(w http.ResponseWriter, r *http.Request, m bayeux.Message, upstream http.Handler) bool

// hostileFront returns tg seen through a proxy that applies brk to every request
// to tg's notification endpoint.
func hostileFront(t *testing.T, tg *target.Target, brk breakage) *target.Target {
	t.Helper()
	up, err := url.Parse(tg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // the client cutting a held connect is expected
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != tg.NotificationsPath && !strings.HasPrefix(r.URL.Path, tg.NotificationsPath+"/") {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msgs []bayeux.Message
		if json.Unmarshal(body, &msgs) == nil && len(msgs) > 0 && brk(w, r, msgs[0], proxy) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	front := *tg
	front.BaseURL = hs.URL
	return &front
}

// onConnect applies answer to connects only.
func onConnect(answer func(w http.ResponseWriter, r *http.Request, m bayeux.Message, upstream http.Handler)) breakage {
	return func(w http.ResponseWriter, r *http.Request, m bayeux.Message, upstream http.Handler) bool {
		if m.Channel != bayeux.ChannelConnect {
			return false
		}
		answer(w, r, m, upstream)
		return true
	}
}

func answerJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

func okConnect(m bayeux.Message) string {
	return fmt.Sprintf(`{"channel":"/meta/connect","id":%q,"successful":true,"advice":{"reconnect":"retry","interval":0,"timeout":1000}}`, m.ID)
}

const hostileScenario = `
name: hostile bayeux
refs: [notes/agent-state]
actors:
  alice: agent
steps:
  - alice:
      http: {method: GET, path: /api/v2/me}
      expect: {status: 200}
`

func TestHostileBayeuxReasonNamesTheCause(t *testing.T) {
	// A fatal breakage ends the stream, and so the wait, at once: those cases get a
	// long NotificationTimeout, so that only the client's verdict (never a slow
	// machine) ends them. A degrading one is reported when the wait ends: those get
	// 2s, shorter than the client's 5s interval cap, so the absurd-interval case
	// cannot deliver a notification in time by its next connect.
	const fatal, degrading = 20 * time.Second, 2 * time.Second
	cases := []struct {
		name    string
		brk     breakage
		outcome report.Outcome
		reason  []string
	}{
		{"HTML instead of JSON", onConnect(func(w http.ResponseWriter, _ *http.Request, _ bayeux.Message, _ http.Handler) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Service Unavailable</body></html>")
		}), report.Fail, []string{"alice's notification stream stopped", "the notification endpoint answered HTML instead of a JSON array"}},

		{"object instead of array", onConnect(func(w http.ResponseWriter, _ *http.Request, m bayeux.Message, _ http.Handler) {
			answerJSON(w, okConnect(m))
		}), report.Fail, []string{"alice's notification stream stopped", "connect reply is a JSON object, not an array"}},

		{"2 GiB connect reply", onConnect(func(w http.ResponseWriter, _ *http.Request, _ bayeux.Message, _ http.Handler) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `[{"channel":"/v2/me/channels","data":"`)
			chunk := bytes.Repeat([]byte("a"), 64<<10)
			for written := 0; written < 2<<30; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}), report.Fail, []string{"alice's notification stream stopped", "connect reply larger than 8 MiB"}},

		{"event without channel", onConnect(func(w http.ResponseWriter, _ *http.Request, m bayeux.Message, _ http.Handler) {
			answerJSON(w, `[{"data":{"messageType":"ChannelStateChangeMessageV2"}},`+okConnect(m)+`]`)
		}), report.Fail, []string{"alice's notification stream stopped", "holds a message without a channel"}},

		{"402 loop", onConnect(func(w http.ResponseWriter, _ *http.Request, m bayeux.Message, _ http.Handler) {
			answerJSON(w, fmt.Sprintf(`[{"channel":"/meta/connect","id":%q,"successful":false,"error":"402::Unknown client","advice":{"reconnect":"handshake","interval":0}}]`, m.ID))
		}), report.Error, []string{"no ChannelStateChangeMessageV2", "the Bayeux client reports: bayeux: 402 Unknown client to", "consecutive connect"}},

		{"instant empty connects", onConnect(func(w http.ResponseWriter, _ *http.Request, m bayeux.Message, _ http.Handler) {
			answerJSON(w, "["+okConnect(m)+"]")
		}), report.Error, []string{"no ChannelStateChangeMessageV2", "the Bayeux client reports:", "consecutive connects were answered at once with no events"}},

		{"absurd advice interval", func(w http.ResponseWriter, r *http.Request, _ bayeux.Message, upstream http.Handler) bool {
			// The real reply, its advice asking for an hour between connects
			// (from the handshake on, so even the first connect would wait).
			rec := httptest.NewRecorder()
			upstream.ServeHTTP(rec, r)
			var reply []map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &reply)
			for _, m := range reply {
				if advice, ok := m["advice"].(map[string]any); ok {
					advice["interval"] = 3_600_000
				}
			}
			b, _ := json.Marshal(reply)
			answerJSON(w, string(b))
			return true
		}, report.Error, []string{"no ChannelStateChangeMessageV2", "advice interval 3600000 ms exceeds the client's cap of 5s"}},

		{"cut connection", onConnect(func(w http.ResponseWriter, _ *http.Request, _ bayeux.Message, _ http.Handler) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}), report.Error, []string{"no ChannelStateChangeMessageV2", "the Bayeux client reports:", "consecutive connect(s) failed; the last:", "EOF"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := hostileFront(t, embedded(t, refserver.Config{}), tc.brk)
			tg.NotificationTimeout = degrading
			if tc.outcome == report.Fail {
				tg.NotificationTimeout = fatal
			}
			start := time.Now()
			res := play(t, tg, loadScenario(t, hostileScenario))
			took := time.Since(start)
			t.Logf("%s after %v: %s", res.Outcome, took.Round(time.Millisecond), res.Reason)
			requireOutcome(t, res, tc.outcome)
			requireContains(t, "reason", res.Reason, tc.reason...)
			if took > hostileRunBound {
				t.Fatalf("the run took %v, over %v", took, hostileRunBound)
			}
		})
	}
}

// TestFailedHandshakeCleansUpAtOnce: when the Bayeux handshake fails no pump runs,
// and cleanup must not wait for one (it used to wait out the whole cleanup
// deadline, RequestTimeout, here 30s).
func TestFailedHandshakeCleansUpAtOnce(t *testing.T) {
	brk := func(w http.ResponseWriter, _ *http.Request, m bayeux.Message, _ http.Handler) bool {
		if m.Channel != bayeux.ChannelHandshake {
			return false
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>login</html>")
		return true
	}
	tg := hostileFront(t, embedded(t, refserver.Config{}), brk)
	tg.RequestTimeout = 30 * time.Second
	start := time.Now()
	res := play(t, tg, loadScenario(t, hostileScenario))
	took := time.Since(start)
	t.Logf("%s after %v: %s", res.Outcome, took.Round(time.Millisecond), res.Reason)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "Bayeux handshake on", "answered HTML instead of a JSON array", "handshake reply")
	if took > 10*time.Second {
		t.Fatalf("the run took %v: cleanup waited for a pump that never ran", took)
	}
}
