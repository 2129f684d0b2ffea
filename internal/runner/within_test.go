package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// heldConnectScenario handshakes a raw Bayeux session, saves the advised timeout,
// makes the first (immediate) connect, then a connect the server holds, limited
// by within.
func heldConnectScenario(within string) string {
	return `
name: held connect
refs: [notes/agent-state]
actors:
  alice: agent
steps:
  - alice:
      http:
        method: POST
        path: /api/v2/notifications
        body: [{channel: /meta/handshake, version: "1.0", supportedConnectionTypes: [long-polling], id: "1"}]
      save: {client: /0/clientId, timeout: /0/advice/timeout}
  - alice:
      http:
        method: POST
        path: /api/v2/notifications/connect
        body: [{channel: /meta/connect, clientId: "{{client}}", connectionType: long-polling, id: "2", advice: {timeout: 0}}]
  - alice:
      http:
        method: POST
        path: /api/v2/notifications/connect
        body: [{channel: /meta/connect, clientId: "{{client}}", connectionType: long-polling, id: "3"}]
      within: "` + within + `"
      expect: {status: 200, body: {$contains: [{channel: /meta/connect, successful: true}]}}
`
}

func TestWithinPassesAnAnswerInTime(t *testing.T) {
	tg := embedded(t, refserver.Config{Bayeux: bayeux.ServerOptions{Timeout: 300 * time.Millisecond}})
	res := play(t, tg, loadScenario(t, heldConnectScenario("{{timeout}}ms + 1s")))
	requireOutcome(t, res, report.Pass)
}

func TestWithinFailsASlowAnswer(t *testing.T) {
	tg := embedded(t, refserver.Config{Bayeux: bayeux.ServerOptions{Timeout: 300 * time.Millisecond}})
	res := play(t, tg, loadScenario(t, heldConnectScenario("100ms")))
	requireOutcome(t, res, report.Fail)
	requireContains(t, "step", res.Step, "test.yaml:", "step 3 (alice http POST /api/v2/notifications/connect)")
	requireContains(t, "reason", res.Reason, "answered after ", ", limit 100ms")
	if strings.Contains(res.Reason, "(from ") {
		t.Errorf("a literal limit names no expression: %q", res.Reason)
	}
	requireContains(t, "detail", res.Detail, "HTTP 200", "/meta/connect")
}

func TestWithinNamesTheExpressionOfAComputedLimit(t *testing.T) {
	// The fault advises a tenth of the real hold: 50ms for 500ms.
	tg := embedded(t, refserver.Config{
		Faults: []string{"bayeux-connect-held-too-long"},
		Bayeux: bayeux.ServerOptions{Timeout: 500 * time.Millisecond},
	})
	res := play(t, tg, loadScenario(t, heldConnectScenario("{{timeout}}ms + 100ms")))
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "answered after ", `, limit 150ms (from "{{timeout}}ms + 100ms")`)
}

func TestWithinWithAnUndefinedVariableIsAnError(t *testing.T) {
	tg := embedded(t, refserver.Config{Bayeux: bayeux.ServerOptions{Timeout: 300 * time.Millisecond}})
	res := play(t, tg, loadScenario(t, heldConnectScenario("{{timeot}}ms + 1s")))
	requireOutcome(t, res, report.Error)
	requireContains(t, "reason", res.Reason, `within "{{timeot}}ms + 1s"`, "timeot")
}

// The request timeout of a step with a limit is at least the limit plus a margin:
// a target request timeout shorter than the hold does not cut the answer off.
func TestWithinExtendsTheRequestTimeout(t *testing.T) {
	tg := embedded(t, refserver.Config{Bayeux: bayeux.ServerOptions{Timeout: 500 * time.Millisecond}})
	tg.RequestTimeout = 200 * time.Millisecond
	res := play(t, tg, loadScenario(t, heldConnectScenario("{{timeout}}ms + 1s")))
	requireOutcome(t, res, report.Pass)
}
