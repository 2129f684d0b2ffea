package recorder

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/replay"
)

func startReplay(t *testing.T, dir string) (*replay.Server, string) {
	t.Helper()
	rp, err := replay.New(replay.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(func() {
		rp.Close()
		srv.Close()
	})
	return rp, srv.URL
}

// The same client flow that made a recording runs against its replay: answers come back
// with the placeholders as tokens, and the notifications reach the agent after the
// requests that caused them.
func TestReplayServesARecording(t *testing.T) {
	rec, recorded := recordChatSession(t, Options{})
	rp, base := startReplay(t, rec.Dir())
	replayed := driveChatSession(t, base, "agent1", "any password: replay does not check it")
	if replayed.chatID != recorded.chatID {
		t.Fatalf("replayed chat id %q, recorded %q", replayed.chatID, recorded.chatID)
	}
	if !strings.HasPrefix(replayed.agent.csrf, "REDACTED-") || !strings.HasPrefix(replayed.customer.secure, "REDACTED-") {
		t.Fatalf("replay handed out CSRF %q and secureKey %q, want placeholders", replayed.agent.csrf, replayed.customer.secure)
	}
	if !strings.HasPrefix(replayed.agent.uri, base+"/api/v2/users/") {
		t.Fatalf("user URI %q does not point at the replay server %s", replayed.agent.uri, base)
	}
	for account, n := range rp.Remaining() {
		if n != 0 {
			t.Errorf("%s: %d recorded requests not replayed", account, n)
		}
	}
}

func TestReplayRejectsUnexpectedRequests(t *testing.T) {
	rec, _ := recordChatSession(t, Options{})
	_, base := startReplay(t, rec.Dir())
	// agent1's first recorded request is GET /api/v2/me; a Complete now is out of order.
	got := do(t, httpClient(), base, call{Method: "POST", Path: "/api/v2/me/chats/x", Body: `{"operationName":"Complete"}`, User: "agent1", Password: "p"})
	var body struct {
		StatusMessage string `json:"statusMessage"`
	}
	json.Unmarshal([]byte(got.Body), &body)
	if got.Status != 409 || !strings.Contains(body.StatusMessage, "expected next POST /api/v2/me StartContactCenterSession") &&
		!strings.Contains(body.StatusMessage, "expected next GET /api/v2/me") {
		t.Fatalf("got %d %s, want 409 naming the next recorded request", got.Status, got.Body)
	}
	got = do(t, httpClient(), base, call{Method: "GET", Path: "/api/v2/me", User: "agent7", Password: "p"})
	if got.Status != 404 || !strings.Contains(got.Body, `nothing was recorded for \"agent7\"`) {
		t.Fatalf("got %d %s, want 404 for an account never recorded", got.Status, got.Body)
	}
}
