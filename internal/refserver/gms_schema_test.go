package refserver

import (
	"net/url"
	"testing"

	"github.com/gwsconform/gwsconform/schemas"
)

// gmsSchemaOf names the schema of the answer to op.
func gmsSchemaOf(op string) string {
	switch op {
	case "request-chat", "refresh":
		return "gms/" + op
	}
	return "gms/answer"
}

// gmsConversation plays every operation once and returns the customer, whose answers
// it keeps, plus the refusals it met on the way.
func gmsConversation(t *testing.T, cfg Config) (*gmsClient, []obj) {
	t.Helper()
	run := startServer(t, cfg)
	agent := newAgent(t, run.URL, "agent1").start(true)
	g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", "agent1"), false)
	agent.acceptOffer(g.chatID)
	agent.chatOp(g.chatID, "SendMessage", obj{"text": "hello"})
	agent.chatOp(g.chatID, "SendUrl", obj{"url": "http://example.com/faq"})
	agent.chatOp(g.chatID, "SendToAgents", obj{"text": "psst"})
	pos := url.Values{"transcriptPosition": {"1"}}
	if _, got := g.try("refresh", pos); got["statusCode"] == 1.0 {
		g.answers, g.ops = append(g.answers, got), append(g.ops, "refresh") // gms-refresh-retry
	}
	g.op("refresh", pos)
	g.op("send", url.Values{"message": {"hi"}, "messageType": {"text"}, "transcriptPosition": {"1"}})
	for _, op := range []string{"startTyping", "stopTyping"} {
		g.op(op, nil)
	}
	g.op("pushUrl", url.Values{"pushUrl": {"http://example.com/cart"}})
	g.op("updateNickname", url.Values{"nickname": {"Caroline"}})
	g.op("updateData", url.Values{"userData[Order]": {"42"}})
	g.op("customNotice", url.Values{"message": {"checkout"}, "transcriptPosition": {"1"}})
	refusals := []obj{g.refuse("send", nil)}
	agent.chatOp(g.chatID, "Complete", nil)
	g.op("refresh", url.Values{"transcriptPosition": {"5"}})
	g.op("disconnect", nil)
	refusals = append(refusals, g.refuse("send", url.Values{"message": {"too late"}}))
	g.secureKey = "wrong"
	return g, append(refusals, g.refuse("refresh", nil))
}

// Every answer of the reference server satisfies its GMS schema, under each GMS
// variation too: the schemas and the server are two readings of the same pages.
func TestGMSAnswersMatchTheSchemas(t *testing.T) {
	for _, cfg := range []Config{{}, {Tolerate: []string{"gms-alias-changes"}}, {Tolerate: []string{"gms-refresh-retry"}},
		{Tolerate: []string{"gms-request-chat-as-documented"}}, {Tolerate: []string{"extra-fields", "reordered-keys"}}} {
		g, refusals := gmsConversation(t, cfg)
		for i, answer := range g.answers {
			if err := schemas.Validate(gmsSchemaOf(g.ops[i]), answer); err != nil {
				t.Errorf("%v: answer to %s: %v\n%s", cfg.Tolerate, g.ops[i], err, asJSON(answer))
			}
		}
		for _, answer := range refusals {
			if err := schemas.Validate("gms/answer", answer); err != nil {
				t.Errorf("%v: refusal: %v", cfg.Tolerate, err)
			}
		}
	}
}

// The faults a schema can see are seen by it; the others are behaviour, for the
// scenarios (an agents-only message, a stuck position or a wrong chatEnded are all
// well-formed).
func TestGMSFaultsAgainstTheSchemas(t *testing.T) {
	for fault, shapeVisible := range map[string]bool{
		"gms-customer-type-customer":    true,
		"gms-agents-only-leaks":         false,
		"gms-next-position-stuck":       false,
		"gms-chat-ended-never-set":      false,
		"gms-wrong-secure-key-accepted": false,
	} {
		var g *gmsClient
		if fault == "gms-wrong-secure-key-accepted" {
			run := startServer(t, Config{Faults: []string{fault}})
			g = gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", ""), false)
			g.secureKey = "wrong"
			g.refresh(1)
		} else {
			g, _ = gmsConversation(t, Config{Faults: []string{fault}})
		}
		invalid := 0
		for i, answer := range g.answers {
			if schemas.Validate(gmsSchemaOf(g.ops[i]), answer) != nil {
				invalid++
			}
		}
		if shapeVisible != (invalid > 0) {
			t.Errorf("fault %s: %d of %d answers fail their schema; want the schemas to see it: %v", fault, invalid, len(g.answers), shapeVisible)
		}
	}
}
