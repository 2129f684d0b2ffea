package runner

import (
	"context"
	"testing"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

func playStrict(t *testing.T, tgt Runner, text string) Result {
	t.Helper()
	tgt.Log = logTo(t)
	return tgt.Run(context.Background(), loadScenario(t, text))
}

// A reference-level expectation that is not met is a deviation: the scenario
// passes, says where and why, and goes on to its documented checks; a strict run
// fails on it instead.
func TestWeakExpectationThatFailsIsADeviation(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	text := chatScenario(`
  - alice:
      op: SendMessage
      body: {text: hello}
      within: 300ms
      then:
        - match: {notificationType: NewMessages, messages: {$contains: [{text: never sent}]}}
          refs: [wire/one-message-per-notification]
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: hello}]}}
  - carol: {await: {type: Text, text: hello}}
`)
	res := play(t, tg, loadScenario(t, text))
	requireOutcome(t, res, report.Pass)
	if len(res.Deviations) != 1 {
		t.Fatalf("want 1 deviation, got %+v", res.Deviations)
	}
	d := res.Deviations[0]
	if d.Level != evidence.Reference || d.Place != "test.yaml:16" {
		t.Errorf("deviation %+v: want reference level at test.yaml:16", d)
	}
	requireContains(t, "deviation reason", d.Reason, "never sent", "not received by its deadline")
	requireContains(t, "deviation step", d.Step, "step 5 (alice SendMessage)")

	strict := playStrict(t, Runner{Target: tg, Strict: true}, text)
	requireOutcome(t, strict, report.Fail)
	requireContains(t, "strict reason", strict.Reason, "never sent")
	if len(strict.Deviations) != 0 {
		t.Errorf("a strict run reports failures, not deviations: %+v", strict.Deviations)
	}
}

// The same miss at documented level fails the scenario.
func TestDocumentedExpectationThatFailsIsAFailure(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - alice:
      op: SendMessage
      body: {text: hello}
      within: 300ms
      then: [{notificationType: NewMessages, messages: {$contains: [{text: never sent}]}}]
`)))
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "never sent")
}

// One key under $reference: the item matches on its documented keys and the
// reference part that does not hold is a deviation.
func TestWeakKeyThatFailsIsADeviation(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - alice:
      op: SendMessage
      body: {text: hello}
      expect: {status: {$reference: 201}, body: {statusCode: 0}}
      then:
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: hello, visibility: {$reference: Supervisors}}]}}
`)))
	requireOutcome(t, res, report.Pass)
	if len(res.Deviations) != 2 {
		t.Fatalf("want 2 deviations (status, visibility), got %+v", res.Deviations)
	}
	requireContains(t, "status deviation", res.Deviations[0].Reason, "HTTP status", "expected 201, got 200")
	requireContains(t, "visibility deviation", res.Deviations[1].Reason, "alice's notification #", "visibility", "Supervisors")
}

// A reference-level never that is violated is reported once, not at every
// barrier, and does not fail the scenario.
func TestWeakNeverIsReportedOnce(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - carol:
      never: {match: {type: ParticipantJoined}, refs: [wire/customer-api-shapes]}
  - carol: barrier
  - alice: {op: SendMessage, body: {text: hello}}
  - carol: barrier
`)))
	requireOutcome(t, res, report.Pass)
	if len(res.Deviations) != 1 {
		t.Fatalf("want the violated never reported once, got %+v", res.Deviations)
	}
	requireContains(t, "reason", res.Deviations[0].Reason, "which matches never")
}

// A documented response check that fails is a failure even when the step's
// other parts are weak.
func TestResponseAtReferenceLevelIsADeviation(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - alice:
      refs: [wire/failure-codes]
      op: Accept
      chat: "{{chat}}"
      body: {nickname: Alice}
      expect: {status: 409, body: {statusCode: 7}}
  - carol: {op: SendMessage, body: {text: still chatting}}
`)))
	requireOutcome(t, res, report.Pass)
	if len(res.Deviations) != 1 {
		t.Fatalf("want 1 deviation, got %+v", res.Deviations)
	}
	requireContains(t, "reason", res.Deviations[0].Reason, "HTTP status")
}

// The agent barrier does not rely on an unchanged Ready being notified: against a
// server that only notifies real changes it still proves delivery.
func TestAgentBarrierWorksWhenUnchangedReadyIsSilent(t *testing.T) {
	tg := embedded(t, refserver.Config{Tolerate: []string{"ready-unchanged-silent"}})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - alice: {never: {notificationType: PropertiesUpdated}}
  - alice: barrier
  - alice: {op: SendMessage, body: {text: after the barrier}}
  - carol: {await: {type: Text, text: after the barrier}}
`)))
	requireOutcome(t, res, report.Pass)
}

// A weak check whose variable went unsaved (because an earlier weak check
// deviated) is reported as not checked; it is not a harness error.
func TestWeakCheckOfAnUnsavedVariableIsNotChecked(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	res := play(t, tg, loadScenario(t, chatScenario(`
  - alice:
      op: SendMessage
      body: {text: hello}
      expect: {body: {statusCode: 0, noSuchField: {$reference: {$save: missing}}}}
  - alice:
      refs: [wire/reference-id]
      await: {notificationType: NewMessages, referenceId: "{{missing}}"}
  - carol: {await: {type: Text, text: hello}}
`)))
	requireOutcome(t, res, report.Pass)
	if len(res.Deviations) != 2 {
		t.Fatalf("want the missing field and the unchecked await, got %+v", res.Deviations)
	}
	requireContains(t, "second deviation", res.Deviations[1].Reason, "not checked", "missing")
}

// A 401 whose body is not JSON is not an operation's answer: only the status
// the scenario expects is checked.
func TestPlainAuthRefusalBodyIsNotValidatedAsAnAnswer(t *testing.T) {
	tg := embedded(t, refserver.Config{Tolerate: []string{"plain-401"}})
	res := play(t, tg, loadScenario(t, `
name: test
refs: [notes/basic-auth]
actors: {alice: agent}
steps:
  - alice:
      http: {method: POST, path: /api/v2/me/channels/chat, body: {operationName: Ready}, auth: wrong}
      expect: {status: 401}
  - alice:
      http: {method: POST, path: /api/v2/me/channels/chat, body: {operationName: Ready}, csrf: false}
      expect: {status: 403}
`))
	requireOutcome(t, res, report.Pass)
}
