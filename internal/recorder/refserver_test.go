package recorder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/refserver"
)

// A password no ordinary text contains, so the grep test cannot pass by accident.
const testPassword = "Zq9-unguessable-Pw"

// startRefServer runs the reference server with connects held for 30 s: a notification
// awaited within 10 s through the proxy proves the held connect returned as data arrived.
func startRefServer(t *testing.T) *refserver.Running {
	t.Helper()
	var users []refserver.User
	for _, u := range refserver.DefaultUsers() {
		u.Password = testPassword
		users = append(users, u)
	}
	run, err := refserver.Listen(context.Background(), "127.0.0.1:0", refserver.Config{
		Users:  users,
		Bayeux: bayeux.ServerOptions{Timeout: 30 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	return run
}

// recordChatSession records one chat session through the proxy and stops the recorder.
func recordChatSession(t *testing.T, opts Options) (*Recorder, *chatSession) {
	t.Helper()
	ref := startRefServer(t)
	rec, proxy := startRecorder(t, ref.URL, opts)
	session := driveChatSession(t, proxy, "agent1", testPassword)
	stopRecorder(t, rec)
	return rec, session
}

func TestSecretsNeverReachDisk(t *testing.T) {
	rec, session := recordChatSession(t, Options{})
	secrets := map[string]string{
		"password":           testPassword,
		"Basic credentials":  base64.StdEncoding.EncodeToString([]byte("agent1:" + testPassword)),
		"CSRF token":         session.agent.csrf,
		"customer secureKey": session.customer.secure,
	}
	u, _ := urlParse(session.agent.base)
	for _, c := range session.agent.http.Jar.Cookies(u) {
		secrets["cookie "+c.Name] = c.Value
	}
	if len(secrets) < 6 { // JSESSIONID and BAYEUX_BROWSER must both have been seen
		t.Fatalf("expected both session cookies in the jar, secrets = %v", secrets)
	}
	files, _ := os.ReadDir(rec.Dir())
	if len(files) < 4 {
		t.Fatalf("recording has %d files, want meta, exchanges, bayeux and HAR", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(rec.Dir(), f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for what, secret := range secrets {
			if secret == "" {
				t.Fatalf("%s is empty: the session did not run as expected", what)
			}
			if strings.Contains(string(data), secret) {
				t.Errorf("%s contains the %s %q", f.Name(), what, secret)
			}
		}
	}
	// Redacted consistently: the CSRF token handed out by GET /me is the one sent back.
	var handed, sentBack string
	for _, x := range readAllExchanges(t, rec.Dir()) {
		if x.Request.Path == "/api/v2/me" && x.Request.Method == "GET" {
			handed = x.Response.Header.Get("X-CSRF-TOKEN")
		}
		if x.Request.Method == "POST" && x.Kind == fixture.KindAgent {
			sentBack = x.Request.Header.Get("X-CSRF-TOKEN")
		}
	}
	if !strings.HasPrefix(handed, "REDACTED-") || handed != sentBack {
		t.Fatalf("CSRF token recorded as %q when handed out and %q when sent back, want one placeholder", handed, sentBack)
	}
}

func TestRecordingAgainstReferenceServer(t *testing.T) {
	rec, session := recordChatSession(t, Options{})
	xs := readAllExchanges(t, rec.Dir())
	kinds := map[string]int{}
	for _, x := range xs {
		kinds[x.Kind]++
		if x.Kind == fixture.KindCustomer && x.Account != session.chatID {
			t.Errorf("customer exchange seq %d attributed to %q, want chat %s", x.Seq, x.Account, session.chatID)
		}
		if x.Kind != fixture.KindCustomer && x.Account != "agent1" {
			t.Errorf("seq %d attributed to %q, want agent1", x.Seq, x.Account)
		}
	}
	if kinds[fixture.KindAgent] < 6 || kinds[fixture.KindCustomer] < 3 || kinds[fixture.KindBayeux] < 4 {
		t.Fatalf("exchange kinds %v", kinds)
	}
	var invited bool
	for _, m := range readAllBayeux(t, rec.Dir()) {
		if m.Direction == fixture.ToClient && m.Channel == "/v2/me/chats" && strings.Contains(string(m.Data), `"Invited"`) {
			invited = m.Account == "agent1" && m.ClientID != ""
		}
	}
	if !invited {
		t.Fatalf("bayeux.jsonl has no Invited notification attributed to agent1 with a clientId")
	}
	meta, err := fixture.ReadMeta(rec.Dir())
	if err != nil || meta.Stopped.IsZero() || meta.Stopped.Before(meta.Started) {
		t.Fatalf("meta %+v, %v", meta, err)
	}
}

func TestTransparencyAgainstReferenceServer(t *testing.T) {
	ref := startRefServer(t)
	_, proxy := startRecorder(t, ref.URL, Options{})
	direct := newAgent(t, ref.URL, "agent2", testPassword)
	proxied := newAgent(t, proxy, "agent3", testPassword)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v2/me/chats", ""},
		{"POST", "/api/v2/me/channels/chat", `{"operationName":"NotReady"}`},
		{"POST", "/api/v2/me/chats/nope", `{"operationName":"Accept","nickname":"x"}`},
		{"GET", "/api/v2/no-such-thing", ""},
	} {
		d := direct.call(c.method, c.path, c.body)
		p := proxied.call(c.method, c.path, c.body)
		if d.Status != p.Status || d.Body != p.Body {
			t.Errorf("%s %s: direct %d %s, proxied %d %s", c.method, c.path, d.Status, d.Body, p.Status, p.Body)
		}
		for name := range d.Header {
			if name != "Date" && len(d.Header[name]) != len(p.Header[name]) {
				t.Errorf("%s %s: header %s %q direct, %q proxied", c.method, c.path, name, d.Header[name], p.Header[name])
			}
		}
	}
	// The held connect answers through the proxy as soon as the notification exists.
	proxied.await("NotReady channel state", channelState("NotReady"))
	// URIs built from Host point at the proxy.
	if !strings.HasPrefix(proxied.uri, proxy+"/api/v2/users/") {
		t.Fatalf("user URI %q does not point at the proxy %s", proxied.uri, proxy)
	}
}

func TestHARIsValid(t *testing.T) {
	rec, _ := recordChatSession(t, Options{})
	checkHARSchema(t, filepath.Join(rec.Dir(), fixture.HARFile))
	data, err := os.ReadFile(filepath.Join(rec.Dir(), fixture.HARFile))
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Version string
			Creator struct{ Name, Version string }
			Entries []map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &har); err != nil {
		t.Fatalf("recording.har is not JSON: %v", err)
	}
	if har.Log.Version != "1.2" || har.Log.Creator.Name == "" {
		t.Fatalf("log.version %q creator %+v", har.Log.Version, har.Log.Creator)
	}
	if n := len(readAllExchanges(t, rec.Dir())); len(har.Log.Entries) != n {
		t.Fatalf("%d HAR entries, %d exchanges", len(har.Log.Entries), n)
	}
	var last time.Time
	for i, e := range har.Log.Entries {
		for _, field := range []string{"startedDateTime", "time", "request", "response", "cache", "timings"} {
			if _, ok := e[field]; !ok {
				t.Fatalf("entry %d lacks %s", i, field)
			}
		}
		var started string
		json.Unmarshal(e["startedDateTime"], &started)
		at, err := time.Parse(time.RFC3339Nano, started)
		if err != nil {
			t.Fatalf("entry %d startedDateTime %q: %v", i, started, err)
		}
		if at.Before(last) {
			t.Fatalf("entry %d starts before entry %d", i, i-1)
		}
		last = at
		var req struct {
			Method, URL, HTTPVersion      string
			Headers, Cookies, QueryString []struct{ Name, Value string }
			HeadersSize, BodySize         *int64
			PostData                      *struct{ MimeType, Text string }
		}
		var resp struct {
			Status           int
			HTTPVersion      string
			Headers, Cookies []struct{ Name, Value string }
			Content          *struct {
				Size     int64
				MimeType string
			}
			RedirectURL           *string
			HeadersSize, BodySize *int64
		}
		var timings struct{ Send, Wait, Receive *float64 }
		json.Unmarshal(e["request"], &req)
		json.Unmarshal(e["response"], &resp)
		json.Unmarshal(e["timings"], &timings)
		if req.Method == "" || !strings.HasPrefix(req.URL, "http://") || req.HTTPVersion == "" || req.Headers == nil ||
			req.Cookies == nil || req.QueryString == nil || req.HeadersSize == nil || req.BodySize == nil {
			t.Fatalf("entry %d request incomplete: %s", i, e["request"])
		}
		if req.Method == "POST" && (req.PostData == nil || req.PostData.Text == "") {
			t.Fatalf("entry %d POST without postData", i)
		}
		var comment string
		json.Unmarshal(e["comment"], &comment)
		if resp.Status == 0 && comment == "" { // 0 is how HAR tools show a request with no answer
			t.Fatalf("entry %d has status 0 and no comment saying why", i)
		}
		if resp.Content == nil || resp.RedirectURL == nil || resp.Headers == nil || resp.Cookies == nil || resp.BodySize == nil {
			t.Fatalf("entry %d response incomplete: %s", i, e["response"])
		}
		if timings.Send == nil || timings.Wait == nil || timings.Receive == nil {
			t.Fatalf("entry %d timings incomplete", i)
		}
	}
}
