package runner

import (
	"testing"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// expect: refused accepts a refusal in the answer and one by an Error
// notification after a statusCode 0 answer, as API-NOTES allows both.
func TestRefusedAcceptsARefusalInTheAnswerAndFailsWithoutEither(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - alice:
      op: Accept
      chat: "{{chat}}"
      body: {nickname: Alice}
      expect: refused
  - alice:
      op: Consult
      body: {targetUri: "{{bob.uri}}"}
      expect: refused
`)))
	requireOutcome(t, res, report.Fail)
	// Bob is Ready, so the consult is not refused at all: the failure says both
	// ways were looked for.
	requireContains(t, "reason", res.Reason, "expected a refusal: the answer was statusCode 0 and no Error notification followed")
	requireContains(t, "step", res.Step, "(alice Consult)")
}

func TestRefusedByAnErrorNotification(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, `
name: test
refs: [seed-001/error-notification]
actors:
  alice: agent
  bob: {kind: agent, ready: false}
  carol: {kind: customer, nickname: Carol, routeTo: [alice]}
steps:
  - include: chat-in-progress
    with: {agent: alice, customer: carol}
  - alice:
      op: Consult
      body: {targetUri: "{{bob.uri}}"}
      expect: refused
`))
	requireOutcome(t, res, report.Pass)
}

func TestRefusedRejectsACustomerSuccess(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: hello}
      expect: refused
`)))
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "a customer has no notification channel")
}
