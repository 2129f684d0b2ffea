package runner

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// A wait ends as soon as any actor receives what decides the verdict: the
// scenario fails with that cause instead of waiting out its deadline and
// blaming the notification that did not come. The notification timeout here is
// an hour and the scenario's context ends after a minute, so a wait that ran to
// its deadline would end as a harness error (canceled), not as this failure.
func playDecided(t *testing.T, cfg refserver.Config, rewrite func(path string, body []byte) []byte, steps string) Result {
	t.Helper()
	tg := embedded(t, cfg)
	if rewrite != nil {
		tg = rewritingProxy(t, tg, rewrite)
	}
	tg.NotificationTimeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := &Runner{Target: tg, Log: logTo(t)}
	return r.Run(ctx, loadScenario(t, chatScenario(steps)))
}

// Every Text reuses the previous index: carol, reading from the next index on,
// never sees the second message, and alice's own stream shows why.
func TestRepeatedIndexEndsAnotherActorsWait(t *testing.T) {
	res := playDecided(t, refserver.Config{Faults: []string{"message-index-repeated"}}, nil, `
  - alice: {op: SendMessage, body: {text: first}}
  - carol:
      await: {type: Text, text: first}
  - alice: {op: SendMessage, body: {text: second}}
  - carol:
      await: {type: Text, text: second}
`)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "message index", "message indexes increase")
	if strings.Contains(res.Reason, "not received") {
		t.Errorf("the reason blames the missing message, not its cause: %s", res.Reason)
	}
}

// A notification the schema refuses, arriving while the agent waits for
// another, ends the wait with the invalid notification.
func TestInvalidNotificationEndsTheWait(t *testing.T) {
	broken := []byte(`"notificationType":"ParticipantsUpdated"`)
	res := playDecided(t, refserver.Config{}, func(path string, body []byte) []byte {
		return bytes.ReplaceAll(body, broken, []byte(`"notificationType":7`))
	}, "")
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "received an invalid notification", "notificationType")
}
