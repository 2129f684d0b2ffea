package recorder

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// Each exchange goes to one writer goroutine through an unbuffered handoff, so a handler
// returns once the writer has taken its exchange, which the writer does only after the
// previous one is written. Two checks after every answer, each by a separate reader of
// exchanges.jsonl (as a crash-recovery tool would open it):
//   - once the server marks the connection idle (after the handler returned), every
//     exchange but this one, at most, is complete on disk: at most one finished exchange
//     is ever waiting to be written;
//   - once the recorder's Sync returns (its own signal that this answered exchange is
//     written), this exchange is the last line, complete.
//
// Nothing is killed; these are what make a kill lose at most the exchange being written
// and those still in flight.
func TestEachExchangeIsReadableOnceAnswered(t *testing.T) {
	upstream := pathEchoUpstream()
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
		got := do(t, client, proxy, call{Method: http.MethodPost, Path: path, Body: `{"operationName":"SendMessage","text":"hi"}`, User: "agent1", Password: "pw"})
		if got.Status != http.StatusOK {
			t.Fatalf("exchange %d: status %d", i, got.Status)
		}
		select {
		case <-idle:
		case <-time.After(10 * time.Second):
			t.Fatalf("exchange %d: the connection never became idle", i)
		}
		// Exchange i itself may be half written: only an incomplete last line may warn.
		n := 0
		warnings, err := fixture.ReadExchanges(rec.Dir(), func(*fixture.Exchange) error { n++; return nil })
		if err != nil || len(warnings) > 1 || (len(warnings) == 1 && !strings.Contains(warnings[0], "incomplete last line")) {
			t.Fatalf("exchange %d: reading the recording: %v %v", i, err, warnings)
		}
		if n < i-1 {
			t.Fatalf("exchange %d's handler returned with %d exchanges on disk, want at least %d", i, n, i-1)
		}
		synced := make(chan struct{})
		go func() {
			rec.Sync()
			close(synced)
		}()
		select {
		case <-synced:
		case <-time.After(10 * time.Second):
			t.Fatalf("exchange %d: Sync did not return", i)
		}
		xs := readAllExchanges(t, rec.Dir())
		if len(xs) != i {
			t.Fatalf("after exchange %d answered and synced, the file holds %d exchanges", i, len(xs))
		}
		last := xs[len(xs)-1]
		var body struct{ Path string }
		json.Unmarshal(last.Response.Body.JSON, &body)
		if last.Request.Path != path || body.Path != path || last.Seq != int64(i) {
			t.Fatalf("after exchange %d answered, the last line is seq %d %s (answer %s)", i, last.Seq, last.Request.Path, last.Response.Body.JSON)
		}
	}
}

// A recorder killed outright (SIGKILL, no chance to flush) loses at most the exchange it
// was writing and the one in flight: the recorder runs in a child process; one
// sequential client, which the child answers while recording, is stopped by the kill at
// a random point after 100 answers. When the client has its last answer, that exchange's
// handler may not have handed it over yet, and the writer may still be writing the one
// before: of the exchanges answered, only those two may be missing. The file reads back
// (a line cut short is reported, not an error) and holds nothing the client did not send.
func TestKilledRecorderLosesAtMostTheExchangeInFlight(t *testing.T) {
	upstream := pathEchoUpstream()
	defer upstream.Close()
	child := startProxiesProcess(t, upstream.URL)
	defer child.cmd.Process.Kill()

	killAfter := 100 + rand.IntN(100)
	var answered []string
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}, Timeout: 10 * time.Second}
	for i := 1; ; i++ {
		path := fmt.Sprintf("/api/v2/me/chats/k%d", i)
		req, _ := http.NewRequest(http.MethodPost, child.recordingURL+path, strings.NewReader(`{"operationName":"SendMessage","text":"hi"}`))
		req.SetBasicAuth("agent1", "pw")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("exchange %d, before the kill: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered = append(answered, path)
		if i == killAfter {
			break
		}
	}
	if err := child.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.cmd.Wait()

	recorded := map[string]bool{}
	warnings, err := fixture.ReadExchanges(child.dir, func(x *fixture.Exchange) error {
		recorded[x.Request.Path] = true
		return nil
	})
	if err != nil {
		t.Fatalf("the recording of a killed recorder does not read back: %v", err)
	}
	var missing []string
	for _, path := range answered {
		if !recorded[path] {
			missing = append(missing, path)
		}
	}
	lastTwo := answered[len(answered)-2:]
	for _, path := range missing {
		if !slices.Contains(lastTwo, path) {
			t.Errorf("killed after %d answers, %s is not in the recording (missing: %v; warnings %v)", len(answered), path, missing, warnings)
		}
	}
	if len(recorded) > len(answered) {
		t.Errorf("the recording holds %d exchanges, the client sent %d", len(recorded), len(answered))
	}
}

// pathEchoUpstream answers every request with its path, so each recorded exchange can be
// told from the others.
func pathEchoUpstream() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"statusCode":0,"path":%q}`, r.URL.Path)
	}))
}
