package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// rewritingProxy is a misbehaving target: a reverse proxy in front of a real one
// that passes everything through but the answers rewrite changes. rewrite gets
// the request's path and the answer's body and returns the body to send.
func rewritingProxy(t *testing.T, tg *target.Target, rewrite func(path string, body []byte) []byte) *target.Target {
	t.Helper()
	upstream, err := url.Parse(tg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		// A held connect cut by the end of a scenario is no news here.
		ErrorLog: log.New(io.Discard, "", 0),
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.Header.Del("Accept-Encoding") // bodies must stay readable here
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode != http.StatusOK {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			body = rewrite(resp.Request.URL.Path, body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	front := *tg
	front.BaseURL = srv.URL
	return &front
}

// bayeuxReplies applies edit to the decoded message array of every answer of the
// notification endpoint; other answers pass unchanged.
func bayeuxReplies(tg *target.Target, edit func(msgs []map[string]any) []map[string]any) func(string, []byte) []byte {
	return func(path string, body []byte) []byte {
		if !strings.HasPrefix(path, tg.NotificationsPath) {
			return body
		}
		var msgs []map[string]any
		if err := json.Unmarshal(body, &msgs); err != nil {
			return body
		}
		out, err := json.Marshal(edit(msgs))
		if err != nil {
			return body
		}
		return out
	}
}

func isEvent(m map[string]any) bool {
	ch, _ := m["channel"].(string)
	return ch != "" && !strings.HasPrefix(ch, "/meta/") && m["data"] != nil
}

// duplicator delivers every event of every reply twice, the second copy right
// after the first, and counts the copies it added.
func duplicator(tg *target.Target, count *dupCount, keepIDs bool) func(string, []byte) []byte {
	return bayeuxReplies(tg, func(msgs []map[string]any) []map[string]any {
		var out []map[string]any
		var added int64
		for _, m := range msgs {
			out = append(out, m)
			if isEvent(m) {
				again := map[string]any{}
				for k, v := range m {
					again[k] = v
				}
				if !keepIDs {
					delete(m, "id")
					delete(again, "id")
				}
				out = append(out, again)
				added++
			}
		}
		count.reply(msgs, added)
		return out
	})
}

// dupCount counts the copies a duplicator added and, of those, the ones that
// may have raced the runner's Bayeux disconnect. Cleanup's Disconnect abandons
// the held connect, so the copies in a client's last reply before its disconnect
// (cleanup's own NotReady notification, typically) may never reach the runner,
// and neither may a reply the proxy passes on after the disconnect (counted in
// the next scenario, when the target answered the abandoned connect late).
type dupCount struct {
	added, raced atomic.Int64

	mu   sync.Mutex
	last map[string]int64 // client id: copies in its latest reply
	gone map[string]bool  // client ids that disconnected
}

func (c *dupCount) reply(msgs []map[string]any, added int64) {
	c.added.Add(added)
	var client string
	disconnect := false
	for _, m := range msgs {
		if id, ok := m["clientId"].(string); ok && client == "" {
			client = id
		}
		disconnect = disconnect || m["channel"] == "/meta/disconnect"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last, c.gone = map[string]int64{}, map[string]bool{}
	}
	if disconnect || c.gone[client] {
		c.raced.Add(c.last[client] + added)
		delete(c.last, client)
		c.gone[client] = true
		return
	}
	c.last[client] = added
}

// take returns the counts since the last take and resets them.
func (c *dupCount) take() (added, raced int64) {
	return c.added.Swap(0), c.raced.Swap(0)
}

// playAll plays scs one after the other, each with its own deadline.
func playAll(t *testing.T, tg *target.Target, scs []*scenarios.Scenario, each func(sc *scenarios.Scenario, res Result)) {
	t.Helper()
	r := &Runner{Target: tg, Log: logTo(t)}
	for _, sc := range scs {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		res := r.Run(ctx, sc)
		cancel()
		each(sc, res)
	}
}

func catalogue(t *testing.T) []*scenarios.Scenario {
	t.Helper()
	scs, err := scenarios.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return scs
}

// redelivered reports whether res carries the redelivery deviation.
func redelivered(res Result) bool {
	for _, d := range res.Deviations {
		if strings.Contains(d.Reason, "wire/no-duplicate-notifications") {
			return true
		}
	}
	return false
}

// A target that sends every notification twice passed the whole catalogue (119 of
// 119 then, 1,186 duplicates). Every scenario in which one was duplicated must
// now fail on a repeated message index (documented) or report the redelivery
// (reference level); none may end in a harness error.
func TestEveryDuplicatedNotificationIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the whole catalogue")
	}
	var dups dupCount
	tg := embedded(t, refserver.Config{})
	front := rewritingProxy(t, tg, duplicator(tg, &dups, true))
	start := time.Now()
	failed, deviated, passedSilently, total := 0, 0, 0, int64(0)
	playAll(t, front, catalogue(t), func(sc *scenarios.Scenario, res Result) {
		n, raced := dups.take()
		total += n
		switch {
		case n == 0:
		case res.Outcome == report.Fail:
			failed++
		case res.Outcome == report.Pass && redelivered(res):
			deviated++
		case res.Outcome == report.Skip:
		case n == raced && res.Outcome == report.Pass:
			// Every copy came in a reply that raced the disconnect.
		default:
			passedSilently++
			t.Errorf("%s: %d notifications duplicated, yet %s with no redelivery deviation: %s %s\n%s", sc.Name, n, res.Outcome, res.Step, res.Reason, res.Detail)
		}
		if res.Outcome == report.Fail && strings.Contains(res.Reason, "message index") {
			requireContains(t, sc.Name+" reason", res.Reason, "again in #", "of chat ", "notes/message-indexes")
		}
	})
	t.Logf("%d duplicates: %d scenarios failed, %d passed with the redelivery deviation, %d missed, in %s",
		total, failed, deviated, passedSilently, time.Since(start).Round(time.Millisecond))
	if failed == 0 {
		t.Error("no scenario failed: the repeated message indexes went unnoticed")
	}
}

// The reference server's bayeux-duplicates-messages fault sends every
// notification again with the session's next connect; a chat scenario now fails
// on the repeated message index, a documented failure naming both notifications.
func TestRefserverDuplicatesFaultFailsOnTheRepeatedIndex(t *testing.T) {
	tg := embedded(t, refserver.Config{Faults: []string{"bayeux-duplicates-messages"}})
	sc := loadScenario(t, chatScenario(`
  - carol:
      op: SendMessage
      body: {text: first}
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: first}]}}
  - carol:
      op: SendMessage
      body: {text: second}
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{type: Text, text: second}]}}
`))
	res := play(t, tg, sc)
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "alice received message index", "again in #", "notes/message-indexes")
	requireContains(t, "detail", res.Detail, "REPEATS index")
}

// The same Bayeux event twice is a deviation at reference level: no page forbids
// it. With the ids taken away, a state notification repeated byte for byte with
// no request between is the same deviation; --strict fails both.
func TestRedeliveredStateNotificationIsAReferenceDeviation(t *testing.T) {
	sc := loadScenario(t, `
name: test
refs: [notes/agent-state]
actors:
  alice: agent
steps:
  - alice:
      op: NotReady
      then: [{messageType: ChannelStateChangeMessageV2, channels: {$contains: [{channel: chat, userState: {state: NotReady}}]}}]
  - alice:
      op: Ready
      then: [{messageType: ChannelStateChangeMessageV2, channels: {$contains: [{channel: chat, userState: {state: Ready}}]}}]
`)
	for _, keepIDs := range []bool{true, false} {
		t.Run(fmt.Sprintf("ids kept %v", keepIDs), func(t *testing.T) {
			var dups dupCount
			tg := embedded(t, refserver.Config{})
			front := rewritingProxy(t, tg, duplicator(tg, &dups, keepIDs))
			res := play(t, front, sc)
			requireOutcome(t, res, report.Pass)
			if len(res.Deviations) != 1 || !redelivered(res) || res.Deviations[0].Level != evidence.Reference {
				t.Fatalf("want one reference-level redelivery deviation, got %+v", res.Deviations)
			}
			want := "twice in a row, byte for byte"
			if keepIDs {
				want = "received Bayeux event id"
			}
			requireContains(t, "deviation", res.Deviations[0].Reason, want, "more redelivered")
			requireContains(t, "deviation detail", res.Deviations[0].Detail, "DELIVERED AGAIN")

			strict := (&Runner{Target: front, Strict: true}).Run(t.Context(), sc)
			requireOutcome(t, strict, report.Fail)
			requireContains(t, "strict reason", strict.Reason, "wire/no-duplicate-notifications")
		})
	}
}

// A second, identical notification that a second request caused is legal (Ready
// twice notifies twice: wire/ready-always-notifies), and so is the history that
// repeats what an agent already has: after Accept, again after a transfer back,
// and on RequestChatHistory (split into one notification per message, too).
func TestLegalRepeatsAreNotDuplicates(t *testing.T) {
	sc := loadScenario(t, chatScenario(`
  - alice:
      op: Ready
      then: [{messageType: ChannelStateChangeMessageV2}]
  - alice:
      op: Ready
      then: [{messageType: ChannelStateChangeMessageV2}]
  - carol: {op: SendMessage, body: {text: before the transfer}}
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{text: before the transfer}]}}
  - alice:
      op: RequestChatHistory
      dialect: interactions
      chat: "{{chat}}"
      body: {eventId: 1}
      then: [{notificationType: NewMessages, messages: {$contains: [{index: 1}]}}]
  - alice:
      op: Transfer
      body: {targetUri: "{{bob.uri}}"}
  - bob:
      await: {notificationType: StatusChange, chat: {id: "{{chat}}", state: Invited}}
  - bob:
      op: Accept
      chat: "{{chat}}"
      body: {nickname: Bob}
      then: [{notificationType: StatusChange, chat: {state: Chatting}}]
  - alice:
      await: {notificationType: StatusChange, chat: {id: "{{chat}}", state: Completed}}
  - bob:
      op: Transfer
      body: {targetUri: "{{alice.uri}}"}
  - alice:
      await: {notificationType: StatusChange, chat: {id: "{{chat}}", state: Invited}}
  - alice:
      op: Accept
      chat: "{{chat}}"
      body: {nickname: Alice}
      then:
        - {notificationType: StatusChange, chat: {state: Chatting}}
        - {notificationType: NewMessages, messages: {$contains: [{text: before the transfer}]}}
  - carol: {op: SendMessage, body: {text: after the transfer}}
  - alice:
      await: {notificationType: NewMessages, messages: {$contains: [{text: after the transfer}]}}
`))
	for _, tolerate := range [][]string{nil, {"batched-differently"}, {"new-messages-merged"}, {"delayed-notifications"}} {
		t.Run(fmt.Sprint(tolerate), func(t *testing.T) {
			res := play(t, embedded(t, refserver.Config{Tolerate: tolerate}), sc)
			requireOutcome(t, res, report.Pass)
			if redelivered(res) {
				t.Errorf("legal traffic reported as redelivered: %+v", res.Deviations)
			}
		})
	}
}

// The index rule on the stream as a sequence: what restarts it and what does not.
func TestIndexRule(t *testing.T) {
	news := func(chat string, indexes ...int) any {
		var msgs []any
		for _, i := range indexes {
			msgs = append(msgs, map[string]any{"index": float64(i), "type": "Text"})
		}
		return map[string]any{"messageType": "MessageLogUpdated", "notificationType": "NewMessages",
			"chatUri": "http://h/api/v2/chats/" + chat, "messages": msgs}
	}
	accept := &scenarios.Step{Actor: "alice", Action: &scenarios.OpStep{Op: gws.Op{Name: "Accept"}}}
	refusedAccept := &scenarios.Step{Actor: "alice", Action: &scenarios.OpStep{Op: gws.Op{Name: "Accept"}, Request: scenarios.Request{Expect: &scenarios.ResponseExpect{Refused: true}}}}
	type batch struct {
		step   *scenarios.Step // the step after which the events are checked
		events []any
	}
	for _, c := range []struct {
		name    string
		batches []batch
		want    string // "" = no failure
	}{
		{"increasing with skips", []batch{{nil, []any{news("A", 1, 2), news("A", 5), news("B", 1), news("A", 9)}}}, ""},
		{"repeated across notifications", []batch{{nil, []any{news("A", 1, 2), news("A", 2)}}}, "message index 2 of chat A in notification #1 and again in #2"},
		{"repeated in one notification", []batch{{nil, []any{news("A", 3, 3)}}}, "twice in notification #1"},
		{"decreasing", []batch{{nil, []any{news("A", 4), news("A", 2)}}}, "index 2 of chat A in notification #2, after index 4 in #1"},
		{"history after Accept restarts", []batch{{nil, []any{news("A", 1, 2, 3)}}, {accept, []any{news("A", 1, 2, 3), news("A", 4)}}}, ""},
		{"live message before the history", []batch{{nil, []any{news("A", 1, 2)}}, {accept, []any{news("A", 3), news("A", 1, 2, 3), news("A", 4)}}}, ""},
		{"a redelivered first history", []batch{{accept, []any{news("A", 1, 2), news("A", 1, 2)}}}, "index 1 of chat A in notification #1 and again in #2"},
		{"one history per request", []batch{{nil, []any{news("A", 1, 2)}}, {accept, []any{news("A", 1, 2), news("A", 1, 2)}}}, "index 1 of chat A in notification #2 and again in #3"},
		{"a refused Accept asks for nothing", []batch{{nil, []any{news("A", 1, 2)}}, {refusedAccept, []any{news("A", 1, 2)}}}, "index 1 of chat A in notification #1 and again in #2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rn := &run{r: &Runner{}, sc: &scenarios.Scenario{}, start: time.Now(), meter: &meter{}}
			a := &agent{actorCore: actorCore{spec: scenarios.Actor{Name: "alice", Kind: scenarios.KindAgent}, stream: newStream(nil), matched: map[int]string{}}}
			rn.order, rn.agents = []actor{a}, []*agent{a}
			var got string
			for _, b := range c.batches {
				if b.step != nil {
					rn.grantHistories(b.step)
				}
				for _, v := range b.events {
					a.stream.add(time.Now(), "/v2/me/chats", v, nil)
				}
				events, _, _, _ := a.stream.snapshot()
				if err := rn.checkDuplicates(b.step, a, events); err != nil && got == "" {
					got = err.Error()
				}
			}
			switch {
			case c.want == "" && got != "":
				t.Errorf("legal sequence flagged: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("want a failure containing %q, got %q", c.want, got)
			}
		})
	}
}

// A customer's transcript read that repeats an index within one answer fails the
// scenario; one that repeats messages of an earlier read is legal (it was asked
// for more than the customer had, or a target that answers from the start).
func TestCustomerTranscriptRepeatWithinAnAnswerFails(t *testing.T) {
	sc := loadScenario(t, chatScenario(`
  - alice: {op: SendMessage, body: {text: hi}}
  - carol:
      await: {type: Text, text: hi}
`))
	for _, c := range []struct {
		name string
		edit func(msgs []any) []any
		want report.Outcome
	}{
		{"every message twice", func(msgs []any) []any {
			var out []any
			for _, m := range msgs {
				out = append(out, m, m)
			}
			return out
		}, report.Fail},
		{"an older message after a newer one", func(msgs []any) []any {
			last, _ := messageIndex(msgs[len(msgs)-1])
			if last < 2 {
				return msgs
			}
			older := map[string]any{}
			for k, v := range asObject(msgs[len(msgs)-1]) {
				older[k] = v
			}
			older["index"] = float64(last - 1)
			return append(msgs, older)
		}, report.Fail},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := embedded(t, refserver.Config{})
			front := rewritingProxy(t, tg, func(path string, body []byte) []byte {
				if !strings.HasSuffix(path, "/messages") || strings.HasPrefix(path, "/api/v2/me/") {
					return body
				}
				var answer map[string]any
				if json.Unmarshal(body, &answer) != nil {
					return body
				}
				msgs, _ := answer["messages"].([]any)
				if len(msgs) == 0 {
					return body
				}
				answer["messages"] = c.edit(msgs)
				out, _ := json.Marshal(answer)
				return out
			})
			res := play(t, front, sc)
			requireOutcome(t, res, c.want)
			requireContains(t, "reason", res.Reason, "carol's transcript stopped", "a repeated or decreasing index", "notes/message-indexes")
		})
	}
}

func TestNoDuplicatesStatementIsReferenceLevel(t *testing.T) {
	st, err := evidence.LoadStatements()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := st.Lookup(noDuplicates)
	if !ok || s.Level != evidence.Reference {
		t.Fatalf("%s: listed %v, level %s; want a reference-level statement", noDuplicates, ok, s.Level)
	}
	if l := statementLevel(noDuplicates); l != evidence.Reference {
		t.Errorf("statementLevel = %s", l)
	}
}
