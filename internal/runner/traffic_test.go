package runner

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// Every request of a run names why it was made (gws.UserAgent), so a recording
// can tell the scenario's requests from the harness's own.
func TestEveryRequestNamesItsPurpose(t *testing.T) {
	var mu sync.Mutex
	seen := map[gws.Purpose][]string{}
	var unlabelled []string
	tg := restFront(t, embedded(t, refserver.Config{}), func(r *http.Request) bool {
		what := r.Method + " " + r.URL.Path
		if op := r.URL.Query().Get("index"); op != "" {
			what += "?index"
		}
		mu.Lock()
		defer mu.Unlock()
		if p, ok := gws.PurposeOf(r.Header.Get("User-Agent")); ok {
			seen[p] = append(seen[p], what)
		} else {
			unlabelled = append(unlabelled, what+" "+r.Header.Get("User-Agent"))
		}
		return false
	}, false, nil)
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: hello}
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: hello}]}}
  - alice:
      barrier: true
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)

	mu.Lock()
	defer mu.Unlock()
	if len(unlabelled) > 0 {
		t.Errorf("requests without the harness's User-Agent: %v", unlabelled)
	}
	for purpose, want := range map[gws.Purpose]string{
		gws.PurposeSetup:         "GET /api/v2/me",
		gws.PurposeStep:          "POST /api/v2/chats",            // RequestChat
		gws.PurposePoll:          "GET /api/v2/chats/",            // the transcript
		gws.PurposeCleanup:       "GET /api/v2/me/chats",          // the agent's chats at the end
		gws.PurposeNotifications: "POST " + tg.NotificationsPath,  // the harness's Bayeux session
		gws.PurposeBarrier:       "POST /api/v2/me/channels/chat", // the end-of-scenario barrier
	} {
		if !containsPrefix(seen[purpose], want) {
			t.Errorf("%s: no %s among %v", purpose, want, seen[purpose])
		}
	}
	for _, what := range seen[gws.PurposeStep] {
		if strings.HasSuffix(what, "/messages?index") || strings.HasPrefix(what, "GET /api/v2/me") {
			t.Errorf("%s is the harness's own request, labelled a step", what)
		}
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
