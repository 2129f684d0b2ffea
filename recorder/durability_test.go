package recorder

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Every exchange is on disk before its handler returns: once the client has its answer
// and its connection is free again (the server marks it idle only after the handler
// returned), another reader of exchanges.jsonl finds the exchange's line. Nothing is
// killed; the guarantee this proves is what makes a kill lose at most the exchanges in
// flight.
func TestEachExchangeIsReadableOnceAnswered(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"statusCode":0,"path":%q}`, r.URL.Path)
	}))
	defer upstream.Close()
	u, _ := urlParse(upstream.URL)
	rec, err := New(Options{Target: u, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	idle := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(rec)
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateIdle {
			idle <- struct{}{}
		}
	}
	srv.Start()
	defer func() {
		srv.Close()
		rec.Close()
	}()
	proxy := srv.URL
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}, Timeout: 10 * time.Second}
	for i := 1; i <= 50; i++ {
		path := fmt.Sprintf("/api/v2/me/chats/c%d", i)
		got := do(t, client, proxy, call{method: http.MethodPost, path: path, body: `{"operationName":"SendMessage","text":"hi"}`, user: "agent1", password: "pw"})
		if got.status != http.StatusOK {
			t.Fatalf("exchange %d: status %d", i, got.status)
		}
		select {
		case <-idle:
		case <-time.After(10 * time.Second):
			t.Fatalf("exchange %d: the connection never became idle", i)
		}
		// A separate reader, as a crash-recovery tool would open the file: the last
		// line must be this exchange, complete.
		xs := readAllExchanges(t, rec.Dir())
		if len(xs) != i {
			t.Fatalf("after exchange %d answered, the file holds %d exchanges", i, len(xs))
		}
		last := xs[len(xs)-1]
		var body struct{ Path string }
		json.Unmarshal(last.Response.Body.JSON, &body)
		if last.Request.Path != path || body.Path != path || last.Seq != int64(i) {
			t.Fatalf("after exchange %d answered, the last line is seq %d %s (answer %s)", i, last.Seq, last.Request.Path, last.Response.Body.JSON)
		}
	}
}
