package replay

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// The request key is replaceable: a matcher that ignores the operationName serves a
// change the default one refuses, and a before-replay hook changes what the client
// gets without changing the recording.
func TestMatcherAndBeforeReplayHook(t *testing.T) {
	dir := writeRecording(t, []*fixture.Exchange{
		customerExchange(1, 1, 2, http.MethodPost, fixture.CustomerPath, "", `{"nickname":"Carol"}`, `{"statusCode":0,"id":"c1","secureKey":"k"}`),
		customerExchange(2, 3, 4, http.MethodPost, fixture.CustomerPath+"/c1", "", `{"operationName":"SendMessage","text":"hi"}`, `{"statusCode":0}`),
	}, nil)
	send := call{Method: http.MethodPost, Path: fixture.CustomerPath + "/c1", Body: `{"operationName":"SendStartTypingNotification"}`}
	open := call{Method: http.MethodPost, Path: fixture.CustomerPath, Body: `{"nickname":"Carol"}`}

	_, base := startReplay(t, dir)
	do(t, httpClient(), base, open)
	if got := do(t, httpClient(), base, send); got.Status != http.StatusConflict || !strings.Contains(got.Body, "expected next POST /api/v2/chats/* SendMessage") {
		t.Fatalf("default matcher: %d %s, want 409 naming the SendMessage expected", got.Status, got.Body)
	}

	pathOnly := func(method, path string, _ []byte) string { return method + " " + path }
	hook := fixture.Hook{Stage: fixture.BeforeReplay, Func: func(x *fixture.Exchange) {
		x.Response.Header.Set("X-Replayed", "yes")
	}}
	rp, err := New(Options{Dir: dir, Matcher: pathOnly, Hooks: []fixture.Hook{hook}})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	base = serve(t, rp)
	do(t, httpClient(), base, open)
	got := do(t, httpClient(), base, send)
	if got.Status != http.StatusOK || got.Header.Get("X-Replayed") != "yes" {
		t.Fatalf("path-only matcher with a hook: %d %v %s", got.Status, got.Header, got.Body)
	}

	if _, err := New(Options{Dir: dir, Hooks: []fixture.Hook{{Stage: fixture.BeforeSave, Func: hook.Func}}}); err == nil || !strings.Contains(err.Error(), "before-save hooks do not run here") {
		t.Fatalf("a before-save hook in replay: %v", err)
	}
}
