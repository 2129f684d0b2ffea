package replay

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/fixture"
)

// writeRecording writes a recording made of xs and notes to a fresh directory, as the
// recorder would (for replay tests that need exact timings).
func writeRecording(t *testing.T, xs []*fixture.Exchange, notes []*fixture.BayeuxMessage) string {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.WriteMeta(dir, fixture.Meta{Target: "http://target.invalid", Started: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	ex, err := fixture.CreateExchanges(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	for _, x := range xs {
		if err := ex.Write(x); err != nil {
			t.Fatal(err)
		}
	}
	bx, err := fixture.CreateBayeux(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer bx.Close()
	for _, n := range notes {
		if err := bx.Write(n); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func jsonBody(s string) fixture.Body {
	return fixture.Body{JSON: json.RawMessage(s), Size: int64(len(s))}
}

func customerExchange(seq int64, startMs, answerMs float64, method, path, query, reqBody, respBody string) *fixture.Exchange {
	return &fixture.Exchange{Seq: seq, StartMs: startMs, AnswerMs: answerMs, DurationMs: answerMs - startMs + 0.1,
		Kind: fixture.KindCustomer, Account: "c1",
		Request:  fixture.Request{Method: method, Host: "recorded.invalid", Path: path, Query: query, Header: http.Header{}, Body: jsonBody(reqBody)},
		Response: fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: jsonBody(respBody)}}
}

// A notification caused by one account's request (a customer's RequestChat offers the
// chat to an agent) reaches the agent even when the agent's CometD session subscribes
// only after that request was replayed: it waits for the subscription instead of being
// dropped.
func TestReplayKeepsNotificationsUntilTheAccountSubscribes(t *testing.T) {
	invited := `{"messageType":"ChatStateChangeMessage","notificationType":"StatusChange","chat":{"id":"c1","state":"Invited"}}`
	dir := writeRecording(t,
		[]*fixture.Exchange{customerExchange(1, 1, 2, http.MethodPost, fixture.CustomerPath, "", `{"nickname":"Carol"}`, `{"statusCode":0,"id":"c1","secureKey":"k"}`)},
		[]*fixture.BayeuxMessage{{Seq: 2, AtMs: 3, Account: "agent1", Direction: fixture.ToClient, ClientID: "s1", Channel: "/v2/me/chats", Data: json.RawMessage(invited)}})
	rp, base := startReplay(t, dir)

	got := do(t, httpClient(), base, call{Method: http.MethodPost, Path: fixture.CustomerPath, Body: `{"nickname":"Carol"}`})
	if got.Status != http.StatusOK {
		t.Fatalf("RequestChat: %d %s", got.Status, got.Body)
	}
	if waiting := rp.Undelivered()["agent1"]; waiting != 1 {
		t.Fatalf("before agent1 subscribed, %d notifications wait for it, want 1", waiting)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := bayeux.NewClient(base+fixture.DefaultNotificationsPath, bayeux.ClientOptions{
		Prepare: func(r *http.Request) { r.SetBasicAuth("agent1", "pw") },
	})
	defer client.Disconnect(context.Background())
	if err := client.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	if err := client.Subscribe(ctx, "/v2/me/chats"); err != nil {
		t.Fatal(err)
	}
	select {
	case m, ok := <-client.Messages():
		if !ok || !strings.Contains(string(m.Data), `"Invited"`) {
			t.Fatalf("agent1 got %v %s, want the Invited offer", ok, m.Data)
		}
		if waiting := rp.Undelivered()["agent1"]; waiting != 0 {
			t.Fatalf("after agent1 got its offer, %d notifications still wait for it", waiting)
		}
	case <-ctx.Done():
		t.Fatal("agent1 never got the Invited offer recorded for it")
	}
}

// A transcript read that started before the customer's typing notice but was answered
// after it shows the notice; the replay must not show it before the notice is sent
// (a barrier waits for its own TypingStarted to appear), and must show it after.
func TestReplayReadsFollowAnswerTimes(t *testing.T) {
	hello := `{"index":1,"type":"Message","text":"hello"}`
	typing := `{"index":2,"type":"TypingStarted"}`
	read := func(seq int64, start, answer float64, msgs string) *fixture.Exchange {
		return customerExchange(seq, start, answer, http.MethodGet, fixture.CustomerPath+"/c1/messages", "index=1&secureKey=k",
			"", `{"statusCode":0,"chatEnded":false,"messages":[`+msgs+`]}`)
	}
	dir := writeRecording(t, []*fixture.Exchange{
		customerExchange(1, 1, 1.5, http.MethodPost, fixture.CustomerPath, "", `{"nickname":"Carol"}`, `{"statusCode":0,"id":"c1","secureKey":"k"}`),
		read(2, 2, 2.5, hello),
		read(3, 3.5, 6, hello+","+typing), // started before the typing notice, answered after
		customerExchange(4, 4, 5, http.MethodPost, fixture.CustomerPath+"/c1", "", `{"operationName":"SendStartTypingNotification"}`, `{"statusCode":0}`),
		customerExchange(5, 10, 11, http.MethodPost, fixture.CustomerPath+"/c1", "", `{"operationName":"Complete"}`, `{"statusCode":0}`),
	}, nil)
	_, base := startReplay(t, dir)
	c := httpClient()
	transcript := func() string {
		t.Helper()
		got := do(t, c, base, call{Method: http.MethodGet, Path: fixture.CustomerPath + "/c1/messages?index=1&secureKey=k"})
		if got.Status != http.StatusOK {
			t.Fatalf("read: %d %s", got.Status, got.Body)
		}
		return got.Body
	}
	if got := do(t, c, base, call{Method: http.MethodPost, Path: fixture.CustomerPath, Body: `{"nickname":"Carol"}`}); got.Status != http.StatusOK {
		t.Fatalf("RequestChat: %d %s", got.Status, got.Body)
	}
	if body := transcript(); strings.Contains(body, "TypingStarted") || !strings.Contains(body, "hello") {
		t.Fatalf("before the typing notice the transcript is %s, want hello only", body)
	}
	if got := do(t, c, base, call{Method: http.MethodPost, Path: fixture.CustomerPath + "/c1", Body: `{"operationName":"SendStartTypingNotification"}`}); got.Status != http.StatusOK {
		t.Fatalf("typing notice: %d %s", got.Status, got.Body)
	}
	if body := transcript(); !strings.Contains(body, "TypingStarted") {
		t.Fatalf("after the typing notice the transcript is %s, want its TypingStarted", body)
	}
}

func startReplay(t *testing.T, dir string) (*Server, string) {
	t.Helper()
	rp, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, rp)
	t.Cleanup(rp.Close) // before the server's Close, which waits for held connects
	return rp, url
}

func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
