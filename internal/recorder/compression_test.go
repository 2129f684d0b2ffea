package recorder

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// plainAnswer is long and repetitive enough that compressing it changes its size a lot.
var plainAnswer = []byte(`{"statusCode":0,"user":{"id":"u1","userName":"agent1"},"chats":[` +
	strings.Repeat(`{"id":"chat-0001","state":"Connected","participants":[{"nickname":"Alice"},{"nickname":"Bob"}]},`, 30) +
	`{"id":"last"}]}`)

// compressingUpstream is a target that compresses its JSON answers when the request asks
// for it (gzip first, then deflate, as servers commonly prefer), or with ?force=gzip
// whether asked or not (as a misbehaving target may), and hands the test the
// Accept-Encoding each request arrived with (nil: none).
func compressingUpstream(t *testing.T) (*httptest.Server, <-chan []string) {
	seen := make(chan []string, 16)
	encode := func(w http.ResponseWriter, r *http.Request, plain []byte) {
		seen <- r.Header.Values("Accept-Encoding")
		ae := strings.ToLower(r.Header.Get("Accept-Encoding")) + "," + r.URL.Query().Get("force")
		var buf bytes.Buffer
		switch {
		case strings.Contains(ae, "gzip"):
			zw := gzip.NewWriter(&buf)
			zw.Write(plain)
			zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
		case strings.Contains(ae, "deflate"):
			zw := zlib.NewWriter(&buf)
			zw.Write(plain)
			zw.Close()
			w.Header().Set("Content-Encoding", "deflate")
		default:
			buf.Write(plain)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Vary", "Accept-Encoding")
		w.Write(buf.Bytes())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/me", func(w http.ResponseWriter, r *http.Request) { encode(w, r, plainAnswer) })
	mux.HandleFunc("POST /api/v2/notifications/connect", func(w http.ResponseWriter, r *http.Request) {
		encode(w, r, []byte(`[{"channel":"/v2/me/chats","clientId":"c1","data":{"messageType":"ChatStateChangeMessage"}},{"channel":"/meta/connect","successful":true,"clientId":"c1"}]`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, seen
}

// rawClient neither adds Accept-Encoding nor decodes what comes back: it sees the bytes
// as they travelled.
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
}

// fetchRaw sends one request with exactly the Accept-Encoding given ("" = none).
func fetchRaw(t *testing.T, base, method, path, acceptEncoding, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	req.SetBasicAuth("agent1", "pw")
	resp, err := rawClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

// encodingCase is a client's Accept-Encoding, the Content-Encoding the target answers
// with, and a query asking the target to compress unasked.
type encodingCase struct{ accept, want, query string }

func (c encodingCase) name() string { return fmt.Sprintf("%q%s", c.accept, c.query) }

// The client gets the target's bytes and headers exactly, compressed or not, and the
// target gets the client's Accept-Encoding exactly (none added); the recording holds the
// decoded JSON, says what it was decoded from, and replays.
func TestCompressedAnswersPassThroughUnchanged(t *testing.T) {
	up, seen := compressingUpstream(t)
	rec, proxy := startRecorder(t, up.URL, Options{})
	encodings := []encodingCase{{"", "", ""}, {"gzip", "gzip", ""}, {"deflate", "deflate", ""},
		{"gzip, deflate, br", "gzip", ""}, {"", "gzip", "?force=gzip"}}
	var wire [][]byte
	for _, enc := range encodings {
		direct := fetchRaw(t, up.URL, "GET", "/api/v2/me"+enc.query, enc.accept, "")
		gotDirect := <-seen
		proxied := fetchRaw(t, proxy, "GET", "/api/v2/me"+enc.query, enc.accept, "")
		gotProxied := <-seen
		if !slices.Equal(gotProxied, gotDirect) {
			t.Errorf("client Accept-Encoding %s: the target got %q through the proxy, %q direct", enc.name(), gotProxied, gotDirect)
		}
		if proxied.Status != direct.Status || proxied.Body != direct.Body {
			t.Errorf("client Accept-Encoding %s: %d, %d bytes through the proxy; %d, %d bytes direct (bodies differ: %v)",
				enc.name(), proxied.Status, len(proxied.Body), direct.Status, len(direct.Body), proxied.Body != direct.Body)
		}
		if got := proxied.Header.Get("Content-Encoding"); got != enc.want {
			t.Errorf("client Accept-Encoding %s: Content-Encoding %q through the proxy, want %q", enc.name(), got, enc.want)
		}
		for name := range mergeHeaderNames(direct.Header, proxied.Header) {
			if name == "Date" {
				continue
			}
			if got, want := strings.Join(proxied.Header.Values(name), "|"), strings.Join(direct.Header.Values(name), "|"); got != want {
				t.Errorf("client Accept-Encoding %s: header %s = %q through the proxy, %q direct", enc.name(), name, got, want)
			}
		}
		wire = append(wire, []byte(direct.Body))
	}
	stopRecorder(t, rec)

	xs := readAllExchanges(t, rec.Dir())
	if len(xs) != len(encodings) {
		t.Fatalf("%d exchanges recorded, want %d", len(xs), len(encodings))
	}
	// Seq is completion order: the client may have its answer, and send the next
	// request, before the proxy notes the end of the previous one.
	slices.SortFunc(xs, func(a, b *fixture.Exchange) int { return cmp.Compare(a.StartMs, b.StartMs) })
	for i, x := range xs {
		enc := encodings[i]
		b := x.Response.Body
		if string(b.JSON) != string(plainAnswer) || b.Truncated {
			t.Errorf("client Accept-Encoding %s: recorded body %s, want the decoded JSON", enc.name(), short(b))
		}
		if b.Size != int64(len(wire[i])) {
			t.Errorf("client Accept-Encoding %s: recorded size %d, want %d (the size on the wire)", enc.name(), b.Size, len(wire[i]))
		}
		if got := x.Response.Header.Get("Content-Encoding"); got != enc.want {
			t.Errorf("client Accept-Encoding %s: recorded Content-Encoding %q, want %q", enc.name(), got, enc.want)
		}
		if b.Encoding != enc.want {
			t.Errorf("client Accept-Encoding %s: recorded body encoding %q, want %q (what it was decoded from)", enc.name(), b.Encoding, enc.want)
		}
	}

	// Replay serves the decoded body, without the Content-Encoding it no longer has.
	_, base := startReplay(t, rec.Dir())
	got := fetchRaw(t, base, "GET", "/api/v2/me", "", "")
	if got.Status != 200 || got.Body != string(plainAnswer) || got.Header.Get("Content-Encoding") != "" {
		t.Fatalf("replay answered %d, Content-Encoding %q, %d bytes; want 200 with the decoded JSON", got.Status, got.Header.Get("Content-Encoding"), len(got.Body))
	}
}

// A compressed connect reply streams through compressed, and bayeux.jsonl holds its
// messages, which only the decoded body shows.
func TestCompressedLongPollIsRecordedReadable(t *testing.T) {
	up, seen := compressingUpstream(t)
	rec, proxy := startRecorder(t, up.URL, Options{})
	for _, accept := range []string{"", "gzip"} {
		got := fetchRaw(t, proxy, "POST", "/api/v2/notifications/connect", accept, `[{"channel":"/meta/connect","clientId":"c1"}]`)
		if upstream := <-seen; !slices.Equal(upstream, nilIfEmpty(accept)) {
			t.Errorf("client Accept-Encoding %q: the target got %q", accept, upstream)
		}
		if got.Header.Get("Content-Encoding") != accept {
			t.Errorf("client Accept-Encoding %q: Content-Encoding %q", accept, got.Header.Get("Content-Encoding"))
		}
	}
	stopRecorder(t, rec)
	var channels []string
	for _, m := range readAllBayeux(t, rec.Dir()) {
		channels = append(channels, m.Direction+" "+m.Channel)
	}
	one := []string{"toServer /meta/connect", "toClient /v2/me/chats", "toClient /meta/connect"}
	if want := append(slices.Clone(one), one...); !slices.Equal(channels, want) {
		t.Fatalf("bayeux.jsonl:\n%s\nwant:\n%s", strings.Join(channels, "\n"), strings.Join(want, "\n"))
	}
}

// A compressed body that inflates past the capture cap, or is itself over it, is recorded
// decoded as far as the cap (or as far as the captured bytes go), truncated, with its
// size on the wire; the client still gets every byte.
func TestCompressedBodyOverTheCap(t *testing.T) {
	up, seen := compressingUpstream(t)
	direct := fetchRaw(t, up.URL, "GET", "/api/v2/me", "gzip", "")
	<-seen
	if len(direct.Body) >= 256 || len(plainAnswer) <= 256 {
		t.Fatalf("the test wants a gzip answer under 256 bytes that inflates past it: %d -> %d", len(direct.Body), len(plainAnswer))
	}
	for _, max := range []int64{256, 64} {
		rec, proxy := startRecorder(t, up.URL, Options{MaxBody: max})
		got := fetchRaw(t, proxy, "GET", "/api/v2/me", "gzip", "")
		<-seen
		if got.Body != direct.Body {
			t.Fatalf("cap %d: the client got %d bytes, the target sent %d", max, len(got.Body), len(direct.Body))
		}
		stopRecorder(t, rec)
		b := readAllExchanges(t, rec.Dir())[0].Response.Body
		if !b.Truncated || b.Size != int64(len(direct.Body)) || b.Encoding != "gzip" || b.Text == "" ||
			int64(len(b.Text)) > max || !strings.HasPrefix(string(plainAnswer), b.Text) {
			t.Errorf("cap %d: recorded %s, want a decoded prefix of at most %d bytes, truncated, gzip, size %d", max, short(b), max, len(direct.Body))
		}
		if max == 256 && len(b.Text) != 256 {
			t.Errorf("cap 256: %d decoded bytes recorded, want 256", len(b.Text))
		}
	}
}

// A request the proxy cuts because its server shuts down is recorded as cut by the
// recorder's shutdown; one whose client went away still says so.
func TestShutdownCutIsNamed(t *testing.T) {
	held := make(chan struct{}, 4)
	mux := http.NewServeMux()
	// A held read: no answer at all until the request ends.
	// (Each handler reads the body first: until it has, the server would not notice the
	// proxy closing the connection.)
	mux.HandleFunc("GET /api/v2/me/chats", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		held <- struct{}{}
		<-r.Context().Done()
	})
	// A held connect that has already streamed part of its reply.
	mux.HandleFunc("POST /api/v2/notifications/connect", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"channel":"/v2/me/chats","data":{}}`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	up := httptest.NewServer(mux)
	defer up.Close()
	u, _ := urlParse(up.URL)
	rec, err := New(Options{Target: u, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// As `gwsconform record` serves it: an http.Server that is shut down, then closed.
	srv := &http.Server{Handler: rec}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	deadline := time.After(30 * time.Second)
	waitHeld := func() {
		t.Helper()
		select {
		case <-held:
		case <-deadline:
			t.Fatal("the target never got the held request")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// send starts a request; once the client has the answer's status and its first
	// part (the connect's streamed message), it signals held too.
	send := func(ctx context.Context, method, path string) <-chan error {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(`[{"channel":"/meta/connect","clientId":"c1"}]`))
		req.SetBasicAuth("agent1", "pw")
		done := make(chan error, 1)
		go func() {
			resp, err := httpClient().Do(req)
			if err == nil {
				r := bufio.NewReader(resp.Body)
				if _, err = r.ReadString('}'); err == nil {
					held <- struct{}{}
					_, err = io.Copy(io.Discard, r)
				}
				resp.Body.Close()
			}
			done <- err
		}()
		return done
	}

	// The client gives up first: that one the client cut.
	clientCtx, clientCancel := context.WithCancel(ctx)
	gone := send(clientCtx, "GET", "/api/v2/me/chats")
	waitHeld()
	clientCancel()
	<-gone
	for rec.Count() < 1 {
		select {
		case <-deadline:
			t.Fatal("the exchange the client cut was never recorded")
		case <-time.After(5 * time.Millisecond):
		}
	}

	// Then two held requests are cut by the shutdown.
	read := send(ctx, "GET", "/api/v2/me/chats")
	waitHeld()
	poll := send(ctx, "POST", "/api/v2/notifications/connect")
	waitHeld()
	shutdownCtx, stopWaiting := context.WithCancel(ctx)
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(shutdownCtx) }()
	// Shutdown starts its hooks in goroutines: wait until the recorder has heard, then
	// end the grace period and cut what is still held, as serveUntil does after 2 s.
	for !rec.stopping.Load() {
		select {
		case <-deadline:
			t.Fatal("the recorder never heard of its server's shutdown")
		case <-time.After(time.Millisecond):
		}
	}
	stopWaiting()
	if err := <-shut; !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want it to give up on the held requests", err)
	}
	srv.Close()
	<-read
	<-poll
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	xs := readAllExchanges(t, rec.Dir())
	if len(xs) != 3 {
		t.Fatalf("%d exchanges, want 3", len(xs))
	}
	for _, x := range xs {
		t.Logf("%s %s: status %d, error %q", x.Request.Method, x.Request.Path, x.Response.Status, x.Error)
	}
	if e := xs[0].Error; !strings.Contains(e, "the client went away") {
		t.Errorf("exchange the client cut: error %q, want it to say the client went away", e)
	}
	for _, x := range xs[1:] {
		if !strings.Contains(x.Error, "recorder shutting down") || strings.Contains(x.Error, "client went away") {
			t.Errorf("%s %s cut by the shutdown: error %q, want it to name the recorder shutting down", x.Request.Method, x.Request.Path, x.Error)
		}
	}
}

func mergeHeaderNames(hs ...http.Header) map[string]bool {
	names := map[string]bool{}
	for _, h := range hs {
		for name := range h {
			names[name] = true
		}
	}
	return names
}

func nilIfEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// The hand-written encoder writes the encoding mark as json.Marshal does.
func TestLineEncoderWritesBodyEncoding(t *testing.T) {
	x := encodeCases()[0].exchange(t, newTestRedactor(t))
	x.Response.Body.Encoding = "gzip"
	x.Response.Body.Truncated = true
	checkSameLine(t, &lineEncoder{trustBodies: true}, x)
	x.Response.Body.Truncated = false
	checkSameLine(t, &lineEncoder{}, x)
}

func short(b fixture.Body) string {
	s := fmt.Sprintf("%+v", b)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
