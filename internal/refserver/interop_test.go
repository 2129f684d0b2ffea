package refserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/gwsconform/gwsconform/internal/interop"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// jsClient is internal/interop/cometd-client.js (the official CometD JavaScript client)
// subscribed to /v2/me/chats as agent1; it exits 0 once a notification matching
// expect arrives. Its lines come from a scanner; the client's own --timeout-ms and
// the process context bound every read.
type jsClient struct {
	cmd    *exec.Cmd
	lines  *bufio.Scanner
	stderr *strings.Builder
	output []string
}

func startJSClient(t *testing.T, base, expect string) *jsClient {
	t.Helper()
	script := interop.Script(t, "cometd-client.js", "cometd")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(err) // interop.Script found it
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	js := &jsClient{stderr: &strings.Builder{}}
	js.cmd = exec.CommandContext(ctx, node, script,
		"--url", base+"/api/v2/notifications", "--user", "agent1", "--password", "password",
		"--channel", chatsChannel, "--expect", expect, "--timeout-ms", "30000")
	js.cmd.Stderr = js.stderr
	stdout, err := js.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := js.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", js.cmd, err)
	}
	js.lines = bufio.NewScanner(stdout)
	js.waitFor(t, "SUBSCRIBED")
	return js
}

// waitFor reads lines until one starts with prefix and returns it.
func (js *jsClient) waitFor(t *testing.T, prefix string) string {
	t.Helper()
	for js.lines.Scan() {
		js.output = append(js.output, js.lines.Text())
		if strings.HasPrefix(js.lines.Text(), prefix) {
			return js.lines.Text()
		}
	}
	js.cmd.Wait()
	t.Fatalf("the CometD client ended before a %q line; stdout %q, stderr %s", prefix, js.output, js.stderr)
	return ""
}

// finish waits for the client to exit 0 and returns its last line.
func (js *jsClient) finish(t *testing.T) string {
	t.Helper()
	for js.lines.Scan() {
		js.output = append(js.output, js.lines.Text())
	}
	if err := js.cmd.Wait(); err != nil {
		t.Fatalf("the CometD client failed: %v; stdout %q; stderr %s", err, js.output, js.stderr)
	}
	return js.output[len(js.output)-1]
}

// The official CometD JavaScript client subscribes to /v2/me/chats as agent1 and
// receives the offer of a chat routed to agent1.
func TestOfficialCometDClientReceivesChatOffer(t *testing.T) {
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1")
	alice.do("GET", "/api/v2/me", nil)
	alice.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	alice.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})

	js := startJSClient(t, run.URL, `{"notificationType":"StatusChange"}`)
	carol := requestChat(t, run.URL, "Carol", "agent1")
	if last := js.finish(t); !strings.HasPrefix(last, "MESSAGE /v2/me/chats ") || !strings.Contains(last, `"state":"Invited"`) ||
		!strings.Contains(last, carol.id) {
		t.Errorf("the CometD client's last line is not the offer of %s: %q", carol.id, last)
	}
}

// Under seed-shaped (so bayeux-connect-advice-omitted and plain-401's wrapper) the
// official client keeps working through connect replies without advice: held ones
// that time out, then ones carrying notifications.
func TestOfficialCometDClientWithoutConnectAdvice(t *testing.T) {
	srv, err := New(Config{Tolerate: []string{"seed-shaped"}, Bayeux: bayeuxShortHold})
	if err != nil {
		t.Fatal(err)
	}
	adviceless := make(chan struct{}, 64)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v2/notifications") {
			srv.ServeHTTP(w, r)
			return
		}
		rec := &teeWriter{ResponseWriter: w}
		srv.ServeHTTP(rec, r)
		var replies []obj
		json.Unmarshal(rec.body.Bytes(), &replies)
		for _, m := range replies {
			if _, advised := m["advice"]; m["channel"] == "/meta/connect" && m["successful"] == true && !advised {
				select {
				case adviceless <- struct{}{}:
				default:
				}
			}
		}
	}))
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	alice := newAgent(t, hs.URL, "agent1")
	alice.do("GET", "/api/v2/me", nil)
	alice.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	alice.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})

	js := startJSClient(t, hs.URL, `{"notificationType":"StatusChange","chat":{"state":"Completed"}}`)
	select {
	case <-adviceless: // a held connect timed out and was answered without advice
	case <-time.After(waitLimit):
		t.Fatalf("no connect reply without advice within %v", waitLimit)
	}
	carol := requestChat(t, hs.URL, "Carol", "agent1")
	if offer := js.waitFor(t, "MESSAGE"); !strings.Contains(offer, `"state":"Invited"`) || !strings.Contains(offer, carol.id) {
		t.Fatalf("first message is not the offer: %q", offer)
	}
	alice.answerIs("/api/v2/me/chats/"+carol.id, obj{"operationName": "Reject"}, `{"statusCode":0}`)
	if last := js.finish(t); !strings.Contains(last, `"state":"Completed"`) {
		t.Errorf("the CometD client's last line is not the Completed of the rejected chat: %q", last)
	}
}

// teeWriter keeps a copy of what a handler writes.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}
