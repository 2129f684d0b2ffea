package generate

import (
	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// A customer's stream is its transcript, which the runner reads by polling; how often
// it polled is chance, what it read is not. Each message a customer read for the first
// time becomes part of an await (in order), and at the end the whole transcript it saw
// is asked for once more and must be exactly that list: a message the customer must
// not see (an agents-only message, a consultant joining) changes the list.

// transcript turns the messages a customer read for the first time into an await step.
func (g *generator) transcript(c *genActor, x *fixture.Exchange) {
	doc, err := fixture.DecodeJSON(x.Response.Body.JSON)
	if err != nil {
		return
	}
	body, _ := normalizeNumbers(doc).(map[string]any)
	msgs, _ := body["messages"].([]any)
	g.lastRead[x.Account] = x
	ended := x.ChatState() == gws.CustomerIdle
	var items []any
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		idx, _ := mm["index"].(int)
		if idx <= g.seenIndex[x.Account] {
			continue
		}
		if ended && g.customerLeft[x.Account] {
			// The runner stops reading at the first read that finds the chat ended,
			// which it makes right after the customer's own leave: what this read
			// shows after that leave (an agent leaving later) depends on how late the
			// recorded read came, and a fresh run does not see it.
			break
		}
		if from, _ := mm["from"].(map[string]any); mm["type"] == "ParticipantLeft" && from["type"] == "Customer" {
			g.customerLeft[x.Account] = true
		}
		g.seenIndex[x.Account] = idx
		g.read[x.Account] = append(g.read[x.Account], mm)
		items = append(items, g.reduceObject(mm))
	}
	if len(items) > 0 && !g.completed[c.name] {
		g.steps = append(g.steps, scenarios.DocStep{Actor: c.name, Await: items})
	}
}

// snapshots adds, for every customer whose chat is still open at the end, a read of
// its whole transcript that must be exactly the messages it saw.
func (g *generator) snapshots() {
	for _, c := range g.actors {
		chat := c.chat
		if c.kind != scenarios.KindCustomer {
			continue
		}
		last := g.lastRead[chat]
		// Only a read made after the last change shows the final transcript (the
		// runner reads after every request; another client may not have).
		if last == nil || last.StartMs < g.lastChangeEnd || last.ChatState() == gws.CustomerIdle || g.completed[c.name] || len(g.read[chat]) == 0 {
			continue
		}
		var list []any
		for _, m := range g.read[chat] {
			list = append(list, g.reduceObject(m))
		}
		g.steps = append(g.steps, scenarios.DocStep{Actor: c.name, Op: gws.GetMessages.Name, Query: fields{{Key: "index", Value: "1"}},
			Expect: &scenarios.DocExpect{Status: fields{{Key: "$range", Value: []any{200, 299}}}, Body: fields{{Key: "messages", Value: list}}}})
	}
}
