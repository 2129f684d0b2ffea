package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// The fuzz targets of fuzz_test.go share this fixture: a fresh server per input (so
// an input's outcome never depends on the inputs before it and a crasher replays
// exactly), driven through its real http.Handler with the credentials, session
// cookie and CSRF token a real client would send, so that fuzzed bytes reach the
// decoders rather than the authentication check.

// Placeholders a fuzz input may carry; fill replaces them with the fixture's live
// values so the fuzzer can name the chat, the Bayeux session and a real agent.
const (
	phChat      = "$CHAT"
	phKey       = "$KEY"
	phClient    = "$CLIENT"
	phAgent2    = "$AGENT2"
	phAgent2URI = "$A2URI"
)

const (
	fuzzHost = "gws.test"
	fuzzCC   = "cc-fuzz"
	// fuzzHold bounds a held /meta/connect: a fuzzed connect may legitimately be
	// held, and a 30s default would make each such input a stall.
	fuzzHold = 5 * time.Millisecond
	// callLimit is how long one request may take before it counts as a hang; a
	// healthy answer takes well under a millisecond.
	callLimit = 10 * time.Second
)

// fuzzWorld is one reference server in a known state: agent1 logged in, its Bayeux
// session handshaken and subscribed, Ready, and one customer chat offered to it;
// further stages accept it, add agent2 by Invite, or leave it (after-call work).
type fuzzWorld struct {
	t        testing.TB
	s        *Server
	sessions map[string][2]string // username -> JSESSIONID, CSRF token
	chat     string
	key      string // the chat's secureKey
	client   string // agent1's Bayeux clientId
	agent2   string // agent2's userId
}

// Stages of newFuzzWorld.
const (
	stageInvited    = iota // the chat is offered to agent1
	stageChatting          // agent1 accepted
	stageConference        // agent1 invited agent2, who accepted
	stageLeftChat          // agent1 left alone: after-call work
	stageCount
)

func newFuzzWorld(t testing.TB, stage uint8) *fuzzWorld {
	t.Helper()
	s, err := New(Config{ContactCenterID: fuzzCC, Bayeux: bayeux.ServerOptions{Timeout: fuzzHold}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close) // stops the Bayeux sessions' expiry timers
	w := &fuzzWorld{t: t, s: s, sessions: map[string][2]string{}, agent2: userIDFor("agent2")}
	w.login("agent1")
	hs := w.bayeuxOK(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"id":"1"}]`)
	w.client, _ = hs[0]["clientId"].(string)
	w.bayeuxOK(fill(`[{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/v2/me/chats"},`+
		`{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/v2/me/channels"}]`, w))
	w.agentOK("agent1", "/api/v2/me", `{"operationName":"StartContactCenterSession","channels":["chat"]}`)
	w.agentOK("agent1", "/api/v2/me/channels/chat", `{"operationName":"Ready"}`)
	got := w.ok(w.call(http.MethodPost, "/api/v2/chats", "", `{"operationName":"RequestChat","nickname":"Carol","subject":"help","userData":{"RouteTo":"agent1"}}`))
	w.chat, _ = got["id"].(string)
	w.key, _ = got["secureKey"].(string)
	if stage%stageCount >= stageChatting {
		w.agentOK("agent1", "/api/v2/me/chats/"+w.chat, `{"operationName":"Accept","nickname":"Alice"}`)
	}
	switch stage % stageCount {
	case stageConference:
		w.login("agent2")
		w.agentOK("agent2", "/api/v2/me", `{"operationName":"StartContactCenterSession","channels":["chat"]}`)
		w.agentOK("agent2", "/api/v2/me/channels/chat", `{"operationName":"Ready"}`)
		w.agentOK("agent1", "/api/v2/me/chats/"+w.chat, fill(`{"operationName":"Invite","targetUri":"$A2URI"}`, w))
		w.agentOK("agent2", "/api/v2/me/chats/"+w.chat, `{"operationName":"Accept","nickname":"Bob"}`)
	case stageLeftChat:
		w.agentOK("agent1", "/api/v2/me/chats/"+w.chat, `{"operationName":"Leave"}`)
	}
	return w
}

// fill replaces the placeholders of in with w's live values.
func fill[T string | []byte](in T, w *fuzzWorld) T {
	r := strings.NewReplacer(phChat, w.chat, phKey, w.key, phClient, w.client,
		phAgent2URI, "http://"+fuzzHost+"/api/v2/users/"+w.agent2, phAgent2, w.agent2)
	return T(r.Replace(string(in)))
}

func (w *fuzzWorld) login(user string) {
	w.t.Helper()
	rec := w.call(http.MethodGet, "/api/v2/me", user, "")
	w.ok(rec)
	var id string
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			id = c.Value
		}
	}
	w.sessions[user] = [2]string{id, rec.Header().Get(csrfHeader)}
}

// request builds a request as user would send it ("" = the customer: no Basic
// credentials, the ContactCenterId header).
func (w *fuzzWorld) request(method, path, user string, body []byte) *http.Request {
	r := httptest.NewRequest(method, "http://"+fuzzHost+path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if user == "" {
		r.Header.Set("ContactCenterId", fuzzCC)
		return r
	}
	r.SetBasicAuth(user, "password")
	if sess, ok := w.sessions[user]; ok {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess[0]})
		r.Header.Set(csrfHeader, sess[1])
	}
	return r
}

func (w *fuzzWorld) call(method, path, user, body string) *httptest.ResponseRecorder {
	w.t.Helper()
	return w.serve(w.request(method, path, user, []byte(body)))
}

// serve runs one request through the server's handler and fails the test if it
// panics (the panic propagates) or does not return within callLimit.
func (w *fuzzWorld) serve(r *http.Request) *httptest.ResponseRecorder {
	w.t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		w.s.ServeHTTP(rec, r)
	}()
	timer := time.NewTimer(callLimit)
	defer timer.Stop()
	select {
	case p := <-done:
		if p != nil {
			w.t.Fatalf("%s %s panicked: %v", r.Method, r.URL, p)
		}
	case <-timer.C:
		w.t.Fatalf("%s %s did not return within %v", r.Method, r.URL, callLimit)
	}
	return rec
}

// measure serves r and returns the answer and the bytes allocated meanwhile (by
// every goroutine, so background work counts against the request: conservative).
func (w *fuzzWorld) measure(r *http.Request) (*httptest.ResponseRecorder, uint64) {
	w.t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rec := w.serve(r)
	runtime.ReadMemStats(&after)
	return rec, after.TotalAlloc - before.TotalAlloc
}

func (w *fuzzWorld) ok(rec *httptest.ResponseRecorder) map[string]any {
	w.t.Helper()
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil {
		w.t.Fatalf("fixture request failed: %d %s", rec.Code, rec.Body)
	}
	return got
}

func (w *fuzzWorld) agentOK(user, path, body string) {
	w.t.Helper()
	w.ok(w.call(http.MethodPost, path, user, body))
}

func (w *fuzzWorld) bayeuxOK(body string) []map[string]any {
	w.t.Helper()
	rec := w.call(http.MethodPost, "/api/v2/notifications", "agent1", body)
	var got []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil || len(got) == 0 {
		w.t.Fatalf("fixture Bayeux request failed: %d %s", rec.Code, rec.Body)
	}
	for _, m := range got {
		if m["channel"] != "/v2/me/chats" && m["channel"] != "/v2/me/channels" && m["successful"] != true {
			w.t.Fatalf("fixture Bayeux request refused: %s", rec.Body)
		}
	}
	return got
}

// allocLimit is what one request may allocate: a fixed allowance for a request's
// own work (the answers and notifications it causes) plus a multiple of its body.
// A body costs its read buffer, the decoded value and, at worst, an error message
// quoting it; 32 bytes per byte leaves room for decoding into interfaces while
// still catching amplification (a 1 MiB body may cost 36 MiB, not hundreds).
func allocLimit(bodyLen int) uint64 { return raceFactor() * (4<<20 + 32*uint64(bodyLen)) }

// raceFactor doubles the allocation limits under the race detector, whose
// sync.Pool drops pooled buffers at random, so encoding/json reallocates them.
var raceFactor = sync.OnceValue(func() uint64 {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return 2
			}
		}
	}
	return 1
})

// checkREST asserts a REST answer is well formed: a status, a JSON object in one of
// the server's two shapes, and a statusCode (or status) that agrees with the HTTP
// status.
func checkREST(t testing.TB, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code < 100 || rec.Code > 599 {
		t.Fatalf("%s: HTTP status %d", what, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: %d answered with Content-Type %q: %.200s", what, rec.Code, ct, rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s: %d answer is not a JSON object (%v): %.200s", what, rec.Code, err, rec.Body)
	}
	success := rec.Code == http.StatusOK
	if code, ok := got["statusCode"].(float64); ok {
		if success != (code == codeOK || code == codePartialSuccess) {
			t.Fatalf("%s: HTTP %d with statusCode %v: %.200s", what, rec.Code, code, rec.Body)
		}
		if msg, _ := got["statusMessage"].(string); code != codeOK && msg == "" {
			t.Fatalf("%s: statusCode %v without a statusMessage: %.200s", what, code, rec.Body)
		}
		return
	}
	switch got["status"] {
	case "ok":
		if !success {
			t.Fatalf("%s: HTTP %d with status ok", what, rec.Code)
		}
	case "error":
		if msg, _ := got["errorDescription"].(string); success || msg == "" {
			t.Fatalf("%s: HTTP %d with status error: %.200s", what, rec.Code, rec.Body)
		}
	default:
		t.Fatalf("%s: answer has neither statusCode nor status: %.200s", what, rec.Body)
	}
}

// checkBayeux asserts a notification-endpoint answer is well formed: 200 with a
// JSON array of messages that each name a channel, or an HTTP error whose JSON
// body says what was wrong.
func checkBayeux(t testing.TB, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: %d answered with Content-Type %q: %.200s", what, rec.Code, ct, rec.Body)
	}
	if rec.Code != http.StatusOK {
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["error"] == nil || rec.Code < 400 || rec.Code > 599 {
			t.Fatalf("%s: %d answer is not a JSON error (%v): %.200s", what, rec.Code, err, rec.Body)
		}
		return
	}
	var replies []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &replies); err != nil || len(replies) == 0 {
		t.Fatalf("%s: 200 answer is not a non-empty array of messages (%v): %.200s", what, err, rec.Body)
	}
	for i, m := range replies {
		if _, ok := m["channel"].(string); !ok {
			t.Fatalf("%s: reply %d has no channel: %.200s", what, i, rec.Body)
		}
	}
}

// catalogueBodies returns the JSON bodies the catalogue sends, by dialect (chats,
// interactions, agent, customer) or "bayeux", with its variables turned into placeholders.
// The seeds are what real clients send, so the fuzzer starts from deep paths.
func catalogueBodies(tb testing.TB) map[string][][]byte {
	tb.Helper()
	scs, err := scenarios.LoadCatalogue()
	if err != nil {
		tb.Fatalf("catalogue: %v", err)
	}
	out := map[string][][]byte{}
	seen := map[string]bool{}
	add := func(kind string, body any) {
		raw, err := json.Marshal(placeholders(body))
		if err != nil || seen[kind+string(raw)] {
			return
		}
		seen[kind+string(raw)] = true
		out[kind] = append(out[kind], raw)
	}
	for _, sc := range scs {
		for _, st := range sc.Steps {
			switch act := st.Action.(type) {
			case *scenarios.OpStep:
				if act.Op.Method != http.MethodPost {
					continue
				}
				body, _ := act.Body.(map[string]any)
				sent := map[string]any{}
				for k, v := range body {
					sent[k] = v
				}
				// What the runner adds to the step's body (operationName, a
				// customer's nickname and secureKey).
				act.Op.Inject(sent, gws.Injection{Nickname: "Carol", SecureKey: phKey})
				add(string(act.Op.Dialect), sent)
			case *scenarios.HTTPStep:
				if act.Body == nil {
					continue
				}
				switch p := act.Path; {
				case strings.HasPrefix(p, "/api/v2/notifications"):
					add("bayeux", act.Body)
				case strings.HasPrefix(p, "/api/v2/chats"):
					add(string(gws.DialectCustomer), act.Body)
				case strings.HasPrefix(p, "/api/v2/me/interactions/"):
					add(string(gws.DialectInteractions), act.Body)
				case strings.HasPrefix(p, "/api/v2/me/chats/"):
					add(string(gws.DialectChats), act.Body)
				default:
					add(string(gws.DialectAgent), act.Body)
				}
			case *scenarios.AwaitStep, *scenarios.NeverStep, *scenarios.BarrierStep:
			}
		}
	}
	return out
}

// placeholders replaces the catalogue's "{{...}}" variables with the fixture's.
func placeholders(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = placeholders(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = placeholders(e)
		}
		return l
	case string:
		if !strings.Contains(v, "{{") {
			return v
		}
		switch {
		case strings.Contains(v, "{{client}}"):
			return phClient
		case strings.Contains(v, "{{chat}}"):
			return phChat
		case strings.Contains(v, ".uri}}"):
			return phAgent2URI
		case strings.Contains(v, ".id}}"), strings.Contains(v, ".username}}"):
			return phAgent2
		case strings.Contains(v, "queue"):
			return "queue1"
		}
		return "Nick"
	}
	return v
}

// seedRequests returns the bodies of schemas/testdata/seeds/*-request.json: the
// documentation's own request samples.
func seedRequests(tb testing.TB) [][]byte {
	tb.Helper()
	paths, _ := filepath.Glob("../../schemas/testdata/seeds/*-request.json")
	if len(paths) == 0 {
		tb.Fatal("no seed requests under schemas/testdata/seeds")
	}
	var out [][]byte
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// hostileBodies are malformed shapes every endpoint must refuse cleanly.
var hostileBodies = []string{
	"", " ", "null", "[]", "{}", "0", `"x"`, "{", "[{", `{"operationName":1}`,
	`{"operationName":"SendMessage","text":"\ud800"}`, "\xff\xfe{}", `{"operationName":"SendMessage","text":"a"}garbage`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	fmt.Sprintf(`{"operationName":%q}`, strings.Repeat("\x01", 300)),
}
