package refserver

import (
	"net/url"
	"slices"
	"testing"
)

// gmsChatWithAgent starts a server with cfg, a GMS customer routed to agent1, and
// agent1 in the chat.
func gmsChatWithAgent(t *testing.T, cfg Config) (*agentClient, *gmsClient) {
	t.Helper()
	run := startServer(t, cfg)
	agent := newAgent(t, run.URL, "agent1").start(true)
	g := gmsRequestChat(t, run.URL, "customer-support", routedTo("Carol", "agent1"), false)
	agent.acceptOffer(g.chatID)
	return agent, g
}

// Each GMS fault makes the deviation it names, where a GMS scenario would look; the
// clean server's behaviour at the same places is checked in gms_test.go.
func TestGMSFaultsDeviate(t *testing.T) {
	t.Run("gms-agents-only-leaks", func(t *testing.T) {
		agent, g := gmsChatWithAgent(t, Config{Faults: []string{"gms-agents-only-leaks"}})
		agent.chatOp(g.chatID, "SendToAgents", obj{"text": "secret"})
		wantMessages(t, g.refresh(3), obj{"index": 3, "text": "secret"})
	})
	t.Run("gms-next-position-stuck", func(t *testing.T) {
		agent, g := gmsChatWithAgent(t, Config{Faults: []string{"gms-next-position-stuck"}})
		first := g.refresh(1)
		if position(t, first) != 1 {
			t.Errorf("want nextPosition stuck at 1, got %v", first)
		}
		agent.chatOp(g.chatID, "SendMessage", obj{"text": "new"})
		// A client that follows nextPosition reads the old messages again, forever.
		wantMessages(t, g.refresh(position(t, first)), obj{"index": 1}, obj{"index": 2}, obj{"index": 3, "text": "new"})
	})
	t.Run("gms-chat-ended-never-set", func(t *testing.T) {
		agent, g := gmsChatWithAgent(t, Config{Faults: []string{"gms-chat-ended-never-set"}})
		agent.chatOp(g.chatID, "Complete", nil)
		got := g.refresh(3)
		wantMessages(t, got, obj{"type": "ParticipantLeft"})
		if got["chatEnded"] != false {
			t.Errorf("want chatEnded false despite the end, got %v", got)
		}
		if got := g.refuse("send", url.Values{"message": {"x"}}); got["chatEnded"] != false {
			t.Errorf("refusal: want chatEnded false, got %v", got)
		}
	})
	t.Run("gms-wrong-secure-key-accepted", func(t *testing.T) {
		_, g := gmsChatWithAgent(t, Config{Faults: []string{"gms-wrong-secure-key-accepted"}})
		g.secureKey = "4ee15d7e1c343c8e"
		if got := g.refresh(1); len(messagesOf(t, got)) != 2 {
			t.Errorf("a wrong secureKey reads the transcript: %v", got)
		}
		g.userID = "007555677B20000A" // the userId is still checked
		g.refuse("refresh", nil)
	})
	t.Run("gms-customer-type-customer", func(t *testing.T) {
		_, g := gmsChatWithAgent(t, Config{Faults: []string{"gms-customer-type-customer"}})
		wantMessages(t, g.refresh(1),
			obj{"from": obj{"type": "Customer", "participantId": 1}},
			obj{"from": obj{"type": "Agent"}})
	})
}

// Each GMS variation departs from the defaults only as its description says.
func TestGMSTolerations(t *testing.T) {
	t.Run("gms-alias-changes", func(t *testing.T) {
		_, g := gmsChatWithAgent(t, Config{Tolerate: []string{"gms-alias-changes"}})
		first := g.alias
		g.refresh(1) // g.op takes the new alias each time
		g.op("send", url.Values{"message": {"hi"}})
		seen := map[string]bool{}
		for _, a := range g.answers {
			seen[a["alias"].(string)] = true
		}
		if len(seen) != len(g.answers) || len(g.answers) != 3 {
			t.Errorf("want a new alias in each of 3 answers, got %v", g.answers)
		}
		g.alias = first // a stale alias still works
		g.refresh(1)
	})
	t.Run("gms-refresh-retry", func(t *testing.T) {
		_, g := gmsChatWithAgent(t, Config{Tolerate: []string{"gms-refresh-retry"}})
		g.op("send", url.Values{"message": {"before the first refresh"}})
		status, got := g.try("refresh", url.Values{"transcriptPosition": {"1"}})
		if status != 200 || len(got) != 1 || got["statusCode"] != 1.0 {
			t.Fatalf("first refresh: want 200 {statusCode 1} only, got %d %v", status, got)
		}
		wantMessages(t, g.refresh(3), obj{"index": 3, "text": "before the first refresh"})
		g.refresh(1) // only the first refresh of a chat
	})
	t.Run("gms-request-chat-as-documented", func(t *testing.T) {
		_, g := gmsChatWithAgent(t, Config{Tolerate: []string{"gms-request-chat-as-documented"}})
		var keys []string
		for k := range g.answers[0] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"alias", "chatId", "messages", "secureKey", "statusCode", "userId"}; !slices.Equal(keys, want) {
			t.Errorf("request chat answer keys %v, want the sample's %v", keys, want)
		}
		if got := g.refresh(1); got["nextPosition"] == nil || got["chatEnded"] == nil {
			t.Errorf("refresh lost nextPosition or chatEnded: %v", got)
		}
	})
}
