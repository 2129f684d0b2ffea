package runner

import (
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
)

// One spelling for both customer APIs: the same scenario, GWS-spelt, passes with
// GMS customers, whose answers and transcript the runner presents in that spelling.
const oneSpelling = `
name: one spelling
refs: [notes/customer-transcript]
actors:
  alice: agent
  carol: {kind: customer, nickname: Carol, routeTo: [alice]}
steps:
  - include: chat-in-progress
    with: {agent: alice, customer: carol}
  - carol:
      op: SendMessage
      body: {text: hello}
      expect: {body: {statusCode: 0}}
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: hello, from: {type: Customer}}]}}
  - alice:
      op: SendMessage
      body: {text: hi Carol}
  - carol:
      await: {type: Text, text: hi Carol, from: {type: Agent, nickname: Alice}, index: {$type: number}}
  - carol:
      op: Complete
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{type: ParticipantLeft, from: {type: Customer}}]}}
`

func gmsTarget(t *testing.T, cfg refserver.Config) *target.Target {
	tg := embedded(t, cfg)
	tg.CustomerAPI = target.CustomerGMS
	return tg
}

func TestGMSCustomerPlaysTheGWSSpelling(t *testing.T) {
	sc := loadScenario(t, oneSpelling)
	for _, api := range []string{target.CustomerGWS, target.CustomerGMS} {
		tg := embedded(t, refserver.Config{})
		tg.CustomerAPI = api
		if res := play(t, tg, sc); res.Outcome != report.Pass {
			t.Errorf("%s customers: %s: %s %s\n%s", api, res.Outcome, res.Step, res.Reason, res.Detail)
		}
	}
}

// statusCode 1 is "keep trying": the first refresh of each chat answering it
// (gms-refresh-retry) is asked again, never reported.
func TestGMSCustomerRetriesStatusCode1(t *testing.T) {
	res := play(t, gmsTarget(t, refserver.Config{Tolerate: []string{"gms-refresh-retry", "gms-alias-changes"}}), loadScenario(t, oneSpelling))
	if res.Outcome != report.Pass {
		t.Errorf("%s: %s %s\n%s", res.Outcome, res.Step, res.Reason, res.Detail)
	}
}

// The GMS answer is checked as sent: a customer entry typed Customer (GWS's word)
// breaks gms/message even though the presented spelling would match.
func TestGMSCustomerChecksTheWireSpelling(t *testing.T) {
	res := play(t, gmsTarget(t, refserver.Config{Faults: []string{"gms-customer-type-customer"}}), loadScenario(t, oneSpelling))
	if res.Outcome != report.Fail || !strings.Contains(res.Reason, "gms/") {
		t.Errorf("want a failure naming the gms schema, got %s: %s %s", res.Outcome, res.Step, res.Reason)
	}
}

// What only the GWS customer API expresses is the scenario's error under GMS,
// naming the feature to require.
func TestGMSCustomerRefusesGWSOnlyOperations(t *testing.T) {
	sc := loadScenario(t, `
name: gws only
refs: [notes/customer-get-chat]
actors:
  carol: {kind: customer, nickname: Carol}
steps:
  - carol:
      op: RequestChat
  - carol:
      op: GetChat
`)
	res := play(t, gmsTarget(t, refserver.Config{}), sc)
	if res.Outcome != report.Error || !strings.Contains(res.Reason, "customer.gws-api") {
		t.Errorf("want an error naming customer.gws-api, got %s: %s", res.Outcome, res.Reason)
	}
}
