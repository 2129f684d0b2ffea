package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
	"github.com/gwsconform/gwsconform/schemas"
)

// A payload that breaks its schema is the target's failure; a check that
// could not run (here: a schema name that does not exist) is the harness's
// error, never filed against the target.
func TestInvalidPayloadBlamesOnlyWhatTheTargetSent(t *testing.T) {
	broken := schemas.Validate("response/status-code", map[string]any{"statusCode": "zero"})
	if err := invalidPayload(nil, broken, "the answer"); outcomeOf(err) != report.Fail || !strings.HasPrefix(err.Error(), "the answer ") {
		t.Errorf("an invalid answer: %s %q, want a failure", outcomeOf(err), err)
	}
	unchecked := schemas.Validate("response/no-such-schema", map[string]any{"statusCode": 0})
	if unchecked == nil {
		t.Fatal("an unknown schema name validated")
	}
	if err := invalidPayload(nil, unchecked, "the answer"); outcomeOf(err) != report.Error || !strings.Contains(err.Error(), "bug of the harness") {
		t.Errorf("an unknown schema: %s %q, want a harness error", outcomeOf(err), err)
	}
}

// Only an error that is or wraps a target error fails the target: anything
// else, an error no constructor made above all, is an error outcome.
func TestOutcomeOfFailsOnlyTargetErrors(t *testing.T) {
	wire := &target.WireError{Kind: target.WireUnreachable, Reason: "connection refused"}
	for _, c := range []struct {
		name string
		err  error
		want report.Outcome
	}{
		{"no error", nil, report.Pass},
		{"an untyped error", errors.New("something broke"), report.Error},
		{"a wrapped untyped error", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), report.Error},
		{"a problem built without a constructor", &problem{reason: "unclassified"}, report.Error},
		{"a target error", targetError(nil, "HTTP status: expected 200, got 500"), report.Fail},
		{"a wrapped target error", fmt.Errorf("end of scenario: %w", targetError(nil, "missing notification")), report.Fail},
		{"a twice wrapped target error", fmt.Errorf("a: %w", fmt.Errorf("b: %w", targetError(nil, "c"))), report.Fail},
		{"a scenario error", scenarioError(nil, "{{x}} is not defined"), report.Error},
		{"a wrapped scenario error", fmt.Errorf("setting up alice: %w", scenarioError(nil, "bad matcher")), report.Error},
		{"an environment error", envError(nil, "run canceled: %v", context.Canceled), report.Error},
		{"a wrapped environment error", fmt.Errorf("setting up alice: %w", envError(nil, "GET /api/v2/me: %w", wire)), report.Error},
		// The outermost classification wins: an error found while judging
		// (the target's answer to a barrier) can be put down to something else.
		{"an environment error holding a target error", envError(nil, "barrier: %w", targetError(nil, "bad answer")), report.Error},
		{"a target error holding an untyped one", targetError(nil, "stream stopped: %w", errors.New("bayeux: connect failed")), report.Fail},
		{"an untyped error placed at a step", placed(nil, "barrier for carol: ", errors.New("boom")), report.Error},
		{"an environment error placed at a step", placed(nil, "", envError(nil, "unreachable")), report.Error},
		{"a target error placed at a step", placed(nil, "setting up alice: ", targetError(nil, "garbage")), report.Fail},
	} {
		if got := outcomeOf(c.err); got != c.want {
			t.Errorf("%s (%v): outcome %s, want %s", c.name, c.err, got, c.want)
		}
	}
}

// What a report says of a wrapped problem: the whole message as the reason,
// the step and the detail of the problem inside; classifying never loses the
// wrapped errors errors.Is looks for.
func TestProblemOfKeepsWhatWasWrapped(t *testing.T) {
	step := &scenarios.Step{File: "test.yaml", Line: 7, Index: 3, Actor: "alice", Action: &scenarios.BarrierStep{}}
	inner := targetError(step, "barrier for alice: %w", context.DeadlineExceeded).withDetail("the timeline")
	p := problemOf(fmt.Errorf("end of scenario: %w", inner))
	if p.reason != "end of scenario: barrier for alice: context deadline exceeded" || p.step != step.Where() || p.detail != "the timeline" {
		t.Errorf("got reason %q, step %q, detail %q", p.reason, p.step, p.detail)
	}
	if !errors.Is(p, context.DeadlineExceeded) {
		t.Error("the wrapped cause is lost")
	}
	if inner.reason != "barrier for alice: context deadline exceeded" {
		t.Errorf("describing a wrapper changed the problem inside: %q", inner.reason)
	}
	if p := problemOf(errors.New("plain")); p.reason != "plain" || p.blame != blameScenario {
		t.Errorf("an untyped error: %+v", p)
	}
	at := placed(step, "setting up alice: ", targetError(nil, "cut").withDetail("received: ..."))
	if at.reason != "setting up alice: cut" || at.step != step.Where() || at.detail != "received: ..." || outcomeOf(at) != report.Fail {
		t.Errorf("placed: %+v", at)
	}
	unsaved := fmt.Errorf("wrapped: %w", matchProblem(step, errors.New("x")))
	if isUnsaved(unsaved) {
		t.Error("a broken matcher is not an unsaved variable")
	}
	if isUnsaved(nil) || isUnnotified(nil) || isUnnotified(errors.New("x")) {
		t.Error("no problem has no flags")
	}
}

// A stream's end keeps whose fault its cause was, as decided where the stream
// was ended: an unclassified cause is not the target's.
func TestStreamEndKeepsTheBlameOfItsCause(t *testing.T) {
	alice := &agent{actorCore: actorCore{spec: scenarios.Actor{Name: "alice", Kind: scenarios.KindAgent}}}
	carol := &customer{actorCore: actorCore{spec: scenarios.Actor{Name: "carol", Kind: scenarios.KindCustomer}}}
	for _, c := range []struct {
		a      actor
		cause  error
		want   report.Outcome
		reason string
	}{
		{alice, targetError(nil, "%w", errors.New("bayeux: connect reply is a JSON object")), report.Fail, "alice's notification stream stopped: bayeux: connect reply is a JSON object"},
		{carol, envError(nil, "GET /api/v2/chats/1/messages: target unreachable"), report.Error, "carol's transcript stopped: GET /api/v2/chats/1/messages: target unreachable"},
		{carol, errors.New("unclassified"), report.Error, "carol's transcript stopped: unclassified"},
	} {
		err := streamEndProblem(nil, c.a, c.cause)
		if outcomeOf(err) != c.want || err.Error() != c.reason {
			t.Errorf("%v: %s %q, want %s %q", c.cause, outcomeOf(err), err, c.want, c.reason)
		}
	}
}
