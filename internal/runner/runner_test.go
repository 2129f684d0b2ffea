package runner

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
)

// requireOutcome fails the test with the whole result when the outcome differs.
func requireOutcome(t *testing.T, res Result, want report.Outcome) {
	t.Helper()
	if res.Outcome != want {
		t.Fatalf("outcome %s, want %s\nreason: %s\nstep: %s\ndetail:\n%s", res.Outcome, want, res.Reason, res.Step, res.Detail)
	}
}

func requireContains(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s does not contain %q:\n%s", what, p, text)
		}
	}
}

// chatScenario wraps steps in a scenario with alice, bob and carol (routed to
// alice) whose first steps put carol in a chat with alice. Its refs are a seed
// statement: every check is documented unless a step or an item cites weaker evidence.
func chatScenario(steps string) string {
	return `
name: test
refs: [seed-003/offer-accept-or-reject]
actors:
  alice: agent
  bob: agent
  carol: {kind: customer, nickname: Carol, routeTo: [alice]}
steps:
  - include: chat-in-progress
    with: {agent: alice, customer: carol}
` + steps
}

func TestOrderedAwaitPasses(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: first}
  - carol:
      op: SendMessage
      body: {text: second}
  - alice:
      await:
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: first}]}}
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: second}]}}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Pass)
	if res.Requests == 0 || res.RoundTrip <= 0 || res.Duration <= 0 {
		t.Errorf("measures not filled: requests %d, round trip %s, duration %s", res.Requests, res.RoundTrip, res.Duration)
	}
}

func TestOrderedAwaitReportsOutOfOrder(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: first}
  - carol:
      op: SendMessage
      body: {text: second}
  - alice:
      within: 300ms
      await:
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: second}]}}
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: first}]}}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "step", res.Step, "test.yaml:", "step 7 (alice await)")
	requireContains(t, "reason", res.Reason, "out of order")
	requireContains(t, "detail", res.Detail, "alice's notifications", "out of order: fits test.yaml:", "missing:", "matched test.yaml:")
}

func TestUnorderedAcceptsAnyOrder(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: first}
  - carol:
      op: SendMessage
      body: {text: second}
  - alice:
      unordered:
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: second}]}}
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: first}]}}
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)
}

// The first message fits both items; the first-come assignment gives it to the
// looser one, and only moving that one to the second message completes the set.
func TestUnorderedFindsAnAssignmentFirstComeMisses(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: first}
  - carol:
      op: SendMessage
      body: {text: second}
  - alice:
      within: 300ms
      unordered:
        - {notificationType: NewMessages, messages: {$contains: [{type: Text}]}}
        - {notificationType: NewMessages, messages: {$contains: [{type: Text, text: first}]}}
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)
}

func TestMissingNotificationShowsClosestCandidate(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: hello}
  - alice:
      within: 200ms
      await: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: goodbye}]}}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "alice: expected notification (test.yaml:", "not received by its deadline")
	requireContains(t, "detail", res.Detail, "deadline", "missing:", "closest: #", `goodbye`, "unexpected")
}

func TestLateNotificationIsClassifiedLate(t *testing.T) {
	// The reference server delays every notification by 300ms (a legal variation);
	// a 100ms deadline makes the expected one late, not missing.
	tg := embedded(t, refserver.Config{Tolerate: []string{"delayed-notifications"}})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: slow}
  - alice:
      within: 100ms
      await: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: slow}]}}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "arrived after its deadline")
	requireContains(t, "detail", res.Detail, "late: fits test.yaml:", "after the deadline", "arrived late as #")
}

func TestOnceFailsOnASecondMatch(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: twice}
  - alice:
      await:
        match: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: twice}]}}
        once: true
  - carol:
      op: SendMessage
      body: {text: twice}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "matching once")
	requireContains(t, "step", res.Step, "step 6 (alice await)")
	requireContains(t, "detail", res.Detail, "SECOND MATCH of once test.yaml:", "matched once test.yaml:")
}

func TestOncePassesWhenItHappensOnce(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: only once}
  - alice:
      await:
        match: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: only once}]}}
        once: true
  - alice: barrier
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)
}

const neverAgentsOnly = `
  - carol:
      never: {visibility: Agents}
  - alice:
      op: SendToAgents
      body: {text: agents only}
      then:
        - {notificationType: NewMessages, messages: {$contains: [{text: agents only, visibility: Agents}]}}
  - carol: barrier
`

func TestNeverHoldsThroughTheBarrier(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	requireOutcome(t, play(t, tg, loadScenario(t, chatScenario(neverAgentsOnly))), report.Pass)
}

func TestNeverCatchesALeakAtTheBarrier(t *testing.T) {
	tg := embedded(t, refserver.Config{Faults: []string{"agents-messages-leak-to-customer"}})
	res := play(t, tg, loadScenario(t, chatScenario(neverAgentsOnly)))
	requireOutcome(t, res, report.Fail)
	requireContains(t, "step", res.Step, "step 5 (carol never)")
	requireContains(t, "reason", res.Reason, "carol received #", "which matches never (test.yaml:")
	requireContains(t, "detail", res.Detail, "checked at test.yaml:", "step 7 (carol barrier)", "FORBIDDEN by never test.yaml:", "carol's transcript")
}

func TestSaveAndExpand(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - alice:
      op: SendMessage
      body: {text: "for {{carol.nickname}} in {{chat}}"}
      save: {ref: /referenceId}
      then:
        - match: {notificationType: NewMessages, referenceId: "{{ref}}"}
          save: {index: /messages/0/index}
  - carol:
      await: {type: Text, text: "for Carol in {{chat}}", index: "{{index}}"}
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)
}

func TestUndefinedVariableIsAnError(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - alice:
      op: SendMessage
      body: {text: "{{nowhere}}"}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Error)
	requireContains(t, "reason", res.Reason, "{{nowhere}} is not defined")
}

func TestRawHTTPSteps(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, `
name: raw
refs: [notes/agent-state]
actors:
  alice: agent
steps:
  - alice:
      http: {method: GET, path: /api/v2/me, auth: wrong}
      expect: {status: 401, body: {statusCode: 20}}
  - alice:
      http: {method: POST, path: /api/v2/me/channels/chat, body: {operationName: Ready}, csrf: false}
      expect: {status: {$range: [400, 499]}, body: {statusCode: 3}}
  - alice:
      http: {method: GET, path: "/api/v2/me?subresources=*"}
      expect: {status: 200, body: {user: {userName: "{{alice.username}}", chats: []}}}
      save: {me: /user/id}
  - alice:
      http: {method: GET, path: "/api/v2/users/{{me}}"}
      expect: {status: {$range: [200, 499]}}
`)
	requireOutcome(t, play(t, tg, sc), report.Pass)
}

func TestResponseMismatchShowsExpectedAndReceived(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, `
name: raw mismatch
refs: [notes/agent-state]
actors:
  alice: agent
steps:
  - alice:
      http: {method: GET, path: /api/v2/me, auth: wrong}
      expect: {status: 200}
`)
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "step", res.Step, "test.yaml:6: step 1 (alice http GET /api/v2/me)")
	requireContains(t, "detail", res.Detail, "expected (test.yaml:", "status 200", "received: HTTP 401", `"statusCode": 20`)
}

// A target whose customer chat answer breaks the schema: the failure names the
// JSON pointer. The reference server conforms, so this target is a tiny stand-in
// that serves only that one answer.
func TestSchemaViolationFailsWithPointer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"statusCode":0,"chat":{"id":"C1","state":"Dancing","participants":[]}}`))
	}))
	defer srv.Close()
	tg := target.Default()
	tg.BaseURL = srv.URL
	sc := loadScenario(t, `
name: schema
refs: [notes/agent-state]
actors:
  carol: customer
steps:
  - carol:
      http: {method: GET, path: /api/v2/chats/C1}
`)
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "response/customer-chat", "/chat/state")
}

func TestUnreachableTargetIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: connections are refused
	tg := target.Default()
	tg.BaseURL = "http://" + addr
	res := play(t, tg, loadScenario(t, chatScenario("")))
	requireOutcome(t, res, report.Error)
	requireContains(t, "reason", res.Reason, "unreachable", addr)
}

func TestBadCredentialsAreAnError(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	tg.Accounts = []target.Account{{Username: "agent1", Password: "nope"}, {Username: "agent2", Password: "nope"}}
	res := play(t, tg, loadScenario(t, chatScenario("")))
	requireOutcome(t, res, report.Error)
	requireContains(t, "reason", res.Reason, "refused the credentials")
}

func TestMissingFeatureSkips(t *testing.T) {
	tg := target.Default()
	tg.BaseURL = "http://127.0.0.1:1" // never contacted
	tg.Features = []string{"chats", "customer", "notifications"}
	sc := loadScenario(t, chatScenario(`
  - alice:
      op: Consult
      body: {targetUri: "{{bob.uri}}"}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Skip)
	requireContains(t, "reason", res.Reason, "chats.consult")
	if res.Requests != 0 {
		t.Errorf("a skipped scenario made %d requests", res.Requests)
	}
}

func TestShareTooSmallIsAnError(t *testing.T) {
	tg := embedded(t, refserver.Config{})
	r := &Runner{Target: tg, Accounts: tg.Accounts[:1]}
	res := r.Run(t.Context(), loadScenario(t, chatScenario("")))
	requireOutcome(t, res, report.Error)
	requireContains(t, "reason", res.Reason, "needs 2 distinct agent accounts", "this process has 1")
}

func TestCleanupLeavesNoChatForTheNextScenario(t *testing.T) {
	// The first run leaves a chat open with alice; the second, on the same
	// accounts, must not be offered it.
	tg := embedded(t, refserver.Config{})
	requireOutcome(t, play(t, tg, loadScenario(t, chatScenario(""))), report.Pass)
	sc := loadScenario(t, chatScenario(`
  - alice:
      op: ListChats
      expect: {body: {chats: {$len: 1}}}
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)
}

func TestCustomerTranscriptIsReadWithoutTheFallbackTicker(t *testing.T) {
	// The reference server changes a transcript before it answers the request that
	// caused the change, so the event-driven reads alone must see every message,
	// the barrier's typing notice and the end of the chat.
	saved := pollEvery
	pollEvery = time.Hour
	t.Cleanup(func() { pollEvery = saved })
	tg := embedded(t, refserver.Config{})
	sc := loadScenario(t, chatScenario(`
  - carol: {never: {type: ParticipantJoined, visibility: Agents}}
  - alice:
      op: SendMessage
      body: {text: first}
  - carol:
      await: {type: Text, text: first, from: {type: Agent}}
  - carol: {barrier: true}
  - alice:
      op: SendMessage
      body: {text: second}
  - carol:
      await: {type: Text, text: second, from: {type: Agent}}
`))
	requireOutcome(t, play(t, tg, sc), report.Pass)
}
