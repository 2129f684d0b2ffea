package bayeux

// Interoperability with Bayeux code nobody here wrote: the official CometD JavaScript
// client against our Server, and our Client against faye and cometd-nodejs-server.
// They need Node.js and `npm ci --prefix internal/interop`; without them they fail (not skip)
// and say so, because a silent skip would hide that interop was never checked.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/gwsconform/gwsconform/internal/interop"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// interopScript returns the path of internal/interop/<name>, failing with the fix when Node or
// the npm packages are missing.
func interopScript(t *testing.T, name string, packages ...string) string {
	t.Helper()
	return interop.Script(t, name, packages...)
}

// lineReader delivers a process's output lines on a channel.
type lineReader struct {
	lines chan string
	mu    sync.Mutex
	all   []string
}

func readLines(r io.Reader) *lineReader {
	lr := &lineReader{lines: make(chan string, 256)}
	go func() {
		defer close(lr.lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lr.mu.Lock()
			lr.all = append(lr.all, sc.Text())
			lr.mu.Unlock()
			lr.lines <- sc.Text()
		}
	}()
	return lr
}

// waitFor returns the first line starting with prefix, failing at the deadline or EOF.
func (lr *lineReader) waitFor(t *testing.T, prefix string, stderr *bytes.Buffer) string {
	t.Helper()
	deadline := time.After(testDeadline)
	for {
		select {
		case line, ok := <-lr.lines:
			if !ok {
				t.Fatalf("output ended before a %q line; stderr: %s", prefix, stderr)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("no %q line after %v; stderr: %s", prefix, testDeadline, stderr)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writing process and a reading test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// node is one Node.js process started by a test.
type node struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *lineReader
	stderr *syncBuffer
	done   chan error
}

func startNode(t *testing.T, script string, args ...string) *node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*testDeadline)
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	n := &node{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = n.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if n.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting node %s: %v", script, err)
	}
	n.stdout = readLines(stdout)
	go func() {
		// Drain stdout before Wait, as os/exec requires for pipes.
		n.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		n.stdin.Close()
		cancel()
		<-n.done
	})
	return n
}

// wait returns the process's exit code, failing if it does not exit within the deadline.
func (n *node) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-n.done:
		n.done <- err // keep it for Cleanup
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatalf("node: %v", err)
		}
		return 0
	case <-time.After(testDeadline):
		t.Fatalf("node did not exit within %v; stderr: %s", testDeadline, n.stderr)
		return -1
	}
}

func (n *node) stderrBuffer() *bytes.Buffer { return bytes.NewBufferString(n.stderr.String()) }

// basicAuthServer is our Server behind Basic auth (alice/secret), allowing /v2/me/*,
// mounted at /api/v2/notifications like the GWS endpoint. seen records request paths
// and whether the BAYEUX_BROWSER cookie came back.
type basicAuthServer struct {
	*Server
	url string

	mu         sync.Mutex
	paths      []string
	cookieBack bool
}

func newBasicAuthServer(t *testing.T) *basicAuthServer {
	b := &basicAuthServer{}
	b.Server = NewServer(ServerOptions{
		Timeout: 2 * time.Second,
		Authenticate: func(r *http.Request) (string, error) {
			b.mu.Lock()
			b.paths = append(b.paths, r.URL.Path)
			if _, err := r.Cookie(BrowserCookie); err == nil {
				b.cookieBack = true
			}
			b.mu.Unlock()
			user, pass, ok := r.BasicAuth()
			if !ok || user != "alice" || pass != "secret" {
				return "", fmt.Errorf("bad credentials for %q", user)
			}
			return user, nil
		},
		AuthorizeSubscribe: func(principal, channel string) error {
			if !strings.HasPrefix(channel, "/v2/me/") {
				return fmt.Errorf("%s may only subscribe to /v2/me/*", principal)
			}
			return nil
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/api/v2/notifications", b.Server)
	mux.Handle("/api/v2/notifications/", b.Server)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		b.Server.Close()
		hs.Close()
	})
	b.url = hs.URL + "/api/v2/notifications"
	return b
}

func TestInteropCometDJSClientReceivesDeliveredMessage(t *testing.T) {
	script := interopScript(t, "cometd-client.js", "cometd", "cometd-nodejs-client")
	srv := newBasicAuthServer(t)
	n := startNode(t, script, "--url", srv.url, "--user", "alice", "--password", "secret",
		"--channel", "/v2/me/chats", "--channel", "/v2/me/channels",
		"--expect", `{"notificationType":"StatusChange","chat":{"state":"Chatting"}}`, "--timeout-ms", "20000")
	n.stdout.waitFor(t, "SUBSCRIBED", n.stderrBuffer())

	srv.Deliver("alice", "/v2/me/channels", map[string]any{"messageType": "ChannelStateChangeMessageV2"})
	srv.Deliver("alice", "/v2/me/chats", map[string]any{"notificationType": "StatusChange", "chat": map[string]any{"id": "c1", "state": "Chatting"}})

	first := n.stdout.waitFor(t, "MESSAGE", n.stderrBuffer())
	if first != `MESSAGE /v2/me/channels {"messageType":"ChannelStateChangeMessageV2"}` {
		t.Errorf("first line %q", first)
	}
	second := n.stdout.waitFor(t, "MESSAGE", n.stderrBuffer())
	if !strings.HasPrefix(second, "MESSAGE /v2/me/chats ") || !strings.Contains(second, `"state":"Chatting"`) {
		t.Errorf("second line %q", second)
	}
	if code := n.wait(t); code != 0 {
		t.Fatalf("cometd-client exited %d after the expected message; stderr: %s", code, n.stderr)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	joined := strings.Join(srv.paths, " ")
	if !containsAll(joined, "/api/v2/notifications/handshake", "/api/v2/notifications/connect") {
		t.Errorf("the JS client's sub-paths were not all served: %s", joined)
	}
	if !srv.cookieBack {
		t.Errorf("the JS client never sent the %s cookie back", BrowserCookie)
	}
}

func TestInteropCometDJSClientReportsRefusals(t *testing.T) {
	script := interopScript(t, "cometd-client.js", "cometd", "cometd-nodejs-client")
	srv := newBasicAuthServer(t)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"wrong password", []string{"--password", "wrong", "--channel", "/v2/me/chats"}, []string{"handshake", "refused", "401"}},
		{"refused channel", []string{"--password", "secret", "--channel", "/v2/me/chats", "--channel", "/other"}, []string{"subscription to /other refused", "403::alice may only subscribe"}},
		{"timeout", []string{"--password", "secret", "--channel", "/v2/me/chats", "--timeout-ms", "300"}, []string{"timed out after 300 ms"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, script, append([]string{"--url", srv.url, "--user", "alice"}, tc.args...)...)
			if code := n.wait(t); code != 1 {
				t.Fatalf("exit code %d, want 1; stderr: %s", code, n.stderr)
			}
			if got := n.stderr.String(); !containsAll(got, tc.want...) {
				t.Fatalf("stderr %q does not mention %q", got, tc.want)
			}
		})
	}
}

// foreignServer is a Node Bayeux server started from an interop script.
type foreignServer struct {
	base     string // http://127.0.0.1:port
	endpoint string
}

func startForeignServer(t *testing.T, script, mount string, packages ...string) foreignServer {
	t.Helper()
	n := startNode(t, interopScript(t, script, packages...), "--timeout-s", "2")
	line := n.stdout.waitFor(t, "LISTENING ", n.stderrBuffer())
	base := "http://127.0.0.1:" + strings.TrimPrefix(line, "LISTENING ")
	return foreignServer{base: base, endpoint: base + mount}
}

// publish asks the foreign server to publish data on channel itself.
func (f foreignServer) publish(t *testing.T, channel, data string) {
	t.Helper()
	body := fmt.Sprintf(`{"channel":%q,"data":%s}`, channel, data)
	resp, err := http.Post(f.base+"/publish", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s/publish: HTTP %d %s", f.base, resp.StatusCode, text)
	}
}

// exerciseClient runs our Client against a foreign server: a server-side publication
// and a client publication must both arrive, and Disconnect must end cleanly.
func exerciseClient(t *testing.T, f foreignServer) {
	c := NewClient(f.endpoint, ClientOptions{ConnectMargin: 5 * time.Second})
	ctx := testCtx(t)
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"/v2/me/chats", "/room"} {
		if err := c.Subscribe(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	f.publish(t, "/v2/me/chats", `{"notificationType":"StatusChange","n":1}`)
	if m := nextMessage(t, c, "the server's publication"); m.Channel != "/v2/me/chats" || !strings.Contains(string(m.Data), `"n":1`) {
		t.Fatalf("got %s", mustJSON(m))
	}
	if err := c.Publish(ctx, "/room", map[string]string{"from": "go"}); err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(t, c, "the client's own publication"); m.Channel != "/room" || string(m.Data) != `{"from":"go"}` {
		t.Fatalf("got %s", mustJSON(m))
	}
	if err := c.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, c)
	if c.Err() != nil {
		t.Fatalf("Err() = %v after Disconnect", c.Err())
	}
}

func TestInteropClientAgainstFaye(t *testing.T) {
	exerciseClient(t, startForeignServer(t, "faye-server.js", "/faye", "faye"))
}

func TestInteropClientAgainstCometDNodeServer(t *testing.T) {
	exerciseClient(t, startForeignServer(t, "cometd-server.js", "/cometd", "cometd-nodejs-server"))
}
