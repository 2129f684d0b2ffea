package recorder

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// After-capture hooks see the exchange before redaction, before-save hooks after it, and
// what either changes is what reaches disk. A replay hook is refused.
func TestCaptureAndSaveHooks(t *testing.T) {
	up := fakeUpstream(t, nil)
	var captured, saved string
	hooks := []fixture.Hook{
		{Stage: fixture.AfterCapture, Func: func(x *fixture.Exchange) {
			captured = x.Request.Header.Get("Authorization")
			x.Request.Header.Set("X-Tag", "captured")
		}},
		{Stage: fixture.BeforeSave, Func: func(x *fixture.Exchange) {
			saved = x.Request.Header.Get("Authorization")
			x.Response.Header.Del("X-Csrf-Header")
		}},
	}
	rec, proxy := startRecorder(t, up.URL, Options{Hooks: hooks})
	do(t, httpClient(), proxy, call{Method: "GET", Path: "/api/v2/me", User: "agent1", Password: "pw"})
	stopRecorder(t, rec)
	if !strings.HasPrefix(captured, "Basic ") || strings.Contains(captured, "REDACTED") {
		t.Errorf("after-capture hook saw Authorization %q, want the client's own", captured)
	}
	if !strings.Contains(saved, "REDACTED") {
		t.Errorf("before-save hook saw Authorization %q, want it redacted", saved)
	}
	xs := readAllExchanges(t, rec.Dir())
	if len(xs) != 1 || xs[0].Request.Header.Get("X-Tag") != "captured" || xs[0].Response.Header.Get("X-Csrf-Header") != "" {
		t.Fatalf("recorded %+v, want the hooks' changes", xs)
	}

	target, _ := url.Parse(up.URL)
	_, err := New(Options{Target: target, Dir: t.TempDir(), Hooks: []fixture.Hook{{Stage: fixture.BeforeReplay, Func: func(*fixture.Exchange) {}}}})
	if err == nil || !strings.Contains(err.Error(), "before-replay hooks do not run here") {
		t.Fatalf("a replay hook in the recorder: %v", err)
	}
}
