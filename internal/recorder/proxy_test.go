package recorder

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// fakeUpstream answers like a tiny GWS: cookies, CSRF headers, a URI built from Host, and
// a streaming long-poll that sends its reply only when release is closed.
func fakeUpstream(t *testing.T, release <-chan struct{}) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/me", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "sess-0123456789", Path: "/", HttpOnly: true})
		w.Header().Set("X-CSRF-HEADER", "X-CSRF-TOKEN")
		w.Header().Set("X-CSRF-TOKEN", "csrf-abcdef123456")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"statusCode":0,"user":{"uri":"http://` + r.Host + `/api/v2/users/1"}}`))
	})
	mux.HandleFunc("POST /api/v2/me/chats/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"statusCode":2,"statusMessage":"not now"}`))
	})
	mux.HandleFunc("POST /api/v2/notifications/connect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`[{"channel":"/v2/me/chats","data":{"messageType":"ChatStateChangeMessage"}}`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Write([]byte(`,{"channel":"/meta/connect","successful":true,"clientId":"c1"}]`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestProxyIsTransparent(t *testing.T) {
	up := fakeUpstream(t, nil)
	_, proxy := startRecorder(t, up.URL, Options{})
	calls := []call{
		{Method: "GET", Path: "/api/v2/me", User: "agent1", Password: "pw"},
		{Method: "POST", Path: "/api/v2/me/chats/42", Body: `{"operationName":"Accept"}`, User: "agent1", Password: "pw"},
		{Method: "GET", Path: "/nowhere"},
	}
	for _, c := range calls {
		direct := do(t, http.DefaultClient, up.URL, c)
		proxied := do(t, http.DefaultClient, proxy, c)
		if direct.Status != proxied.Status {
			t.Errorf("%s %s: status %d direct, %d through the proxy", c.Method, c.Path, direct.Status, proxied.Status)
		}
		// URIs are built from Host, so they name whichever address the client used.
		wantBody := strings.ReplaceAll(direct.Body, strings.TrimPrefix(up.URL, "http://"), strings.TrimPrefix(proxy, "http://"))
		if proxied.Body != wantBody {
			t.Errorf("%s %s: body\n direct: %s\nproxied: %s", c.Method, c.Path, direct.Body, proxied.Body)
		}
		for name := range direct.Header {
			if name == "Date" {
				continue
			}
			if got, want := strings.Join(proxied.Header.Values(name), "|"), strings.Join(direct.Header.Values(name), "|"); got != want {
				t.Errorf("%s %s: header %s = %q through the proxy, %q direct", c.Method, c.Path, name, got, want)
			}
		}
	}
}

func TestLongPollStreamsThrough(t *testing.T) {
	release := make(chan struct{})
	up := fakeUpstream(t, release)
	rec, proxy := startRecorder(t, up.URL, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", proxy+"/api/v2/notifications/connect", strings.NewReader(`[{"channel":"/meta/connect","clientId":"c1"}]`))
	req.SetBasicAuth("agent1", "pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The first part arrives while the target still holds the connect: nothing buffers it.
	r := bufio.NewReader(resp.Body)
	first, err := r.ReadString('}')
	if err != nil {
		t.Fatalf("reading the streamed part: %v", err)
	}
	if !strings.Contains(first, "/v2/me/chats") {
		t.Fatalf("first part = %q", first)
	}
	close(release)
	rest, err := r.ReadString(']')
	if err != nil || !strings.Contains(rest, "/meta/connect") {
		t.Fatalf("rest = %q, %v", rest, err)
	}
	resp.Body.Close()
	cancel()
	stopRecorder(t, rec)
	msgs := readAllBayeux(t, rec.Dir())
	var dirs []string
	for _, m := range msgs {
		dirs = append(dirs, m.Direction+" "+m.Channel+" "+m.ClientID+" "+m.Account)
	}
	want := []string{"toServer /meta/connect c1 agent1", "toClient /v2/me/chats c1 agent1", "toClient /meta/connect c1 agent1"}
	if strings.Join(dirs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("bayeux.jsonl messages:\n%s\nwant:\n%s", strings.Join(dirs, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnreachableTargetGets502(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	rec, proxy := startRecorder(t, deadURL, Options{})
	got := do(t, http.DefaultClient, proxy, call{Method: "GET", Path: "/api/v2/me", User: "agent1", Password: "pw"})
	if got.Status != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", got.Status)
	}
	var body struct {
		StatusCode    int    `json:"statusCode"`
		StatusMessage string `json:"statusMessage"`
	}
	if err := json.Unmarshal([]byte(got.Body), &body); err != nil || !strings.Contains(body.StatusMessage, "unreachable") {
		t.Fatalf("body %q (%v): want a JSON error saying the target is unreachable", got.Body, err)
	}
	stopRecorder(t, rec)
	xs := readAllExchanges(t, rec.Dir())
	if len(xs) != 1 || xs[0].Response.Status != 502 || xs[0].Error == "" || xs[0].Account != "agent1" {
		t.Fatalf("recorded %+v", xs)
	}
	checkHARSchema(t, filepath.Join(rec.Dir(), fixture.HARFile))
}

func TestExchangeRecord(t *testing.T) {
	up := fakeUpstream(t, nil)
	rec, proxy := startRecorder(t, up.URL, Options{MaxBody: 16})
	do(t, http.DefaultClient, proxy, call{Method: "POST", Path: "/api/v2/me/chats/42", Body: `{"operationName":"Accept"}`, User: "agent1", Password: "pw"})
	do(t, http.DefaultClient, proxy, call{Method: "GET", Path: "/api/v2/chats/77/messages?index=3"})
	stopRecorder(t, rec)
	xs := readAllExchanges(t, rec.Dir())
	if len(xs) != 2 {
		t.Fatalf("%d exchanges, want 2", len(xs))
	}
	a := xs[0]
	if a.Seq != 1 || a.Kind != fixture.KindAgent || a.Account != "agent1" || a.Request.Method != "POST" || a.Request.Path != "/api/v2/me/chats/42" {
		t.Errorf("first exchange = %+v", a)
	}
	// The 26-byte request body is over the 16-byte cap: truncated, full size kept.
	if !a.Request.Body.Truncated || a.Request.Body.Size != 26 || len(a.Request.Body.Text) != 16 {
		t.Errorf("request body = %+v, want truncated at 16 of 26 bytes", a.Request.Body)
	}
	if a.Response.Status != 400 {
		t.Errorf("status %d", a.Response.Status)
	}
	c := xs[1]
	if c.Kind != fixture.KindCustomer || c.Account != "77" || c.Request.Query != "index=3" {
		t.Errorf("customer exchange = %+v", c)
	}
}

func TestCustomerAccountFromRequestChatAnswer(t *testing.T) {
	if got := fixture.ChatOf("/api/v2/chats", []byte(`{"statusCode":0,"id":"abc123"}`)); got != "abc123" {
		t.Fatalf("got %q", got)
	}
	if got := fixture.ChatOf("/api/v2/chats/xyz/messages", nil); got != "xyz" {
		t.Fatalf("got %q", got)
	}
}
