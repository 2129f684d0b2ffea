package refserver

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The official CometD JavaScript client (interop/cometd-client.js) subscribes to
// /v2/me/chats as agent1 and receives the offer of a chat routed to agent1.
func TestOfficialCometDClientReceivesChatOffer(t *testing.T) {
	interop, err := filepath.Abs("../../interop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(interop, "node_modules", "cometd")); err != nil {
		t.Fatalf("interop peers missing (%v): run `npm ci --prefix interop` first", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the interop test: %v", err)
	}
	run := startServer(t, Config{})
	alice := newAgent(t, run.URL, "agent1")
	alice.do("GET", "/api/v2/me", nil)
	alice.ok("/api/v2/me", obj{"operationName": "StartContactCenterSession", "channels": []string{"chat"}})
	alice.ok("/api/v2/me/channels/chat", obj{"operationName": "Ready"})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(interop, "cometd-client.js"),
		"--url", run.URL+"/api/v2/notifications", "--user", "agent1", "--password", "password",
		"--channel", chatsChannel, "--expect", `{"notificationType":"StatusChange"}`, "--timeout-ms", "30000")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd, err)
	}
	lines := bufio.NewScanner(stdout)
	var output []string
	subscribed := false
	for !subscribed && lines.Scan() {
		output = append(output, lines.Text())
		subscribed = lines.Text() == "SUBSCRIBED"
	}
	if !subscribed {
		cmd.Wait()
		t.Fatalf("the CometD client never subscribed; stdout %q, stderr %s", output, stderr.String())
	}
	carol := requestChat(t, run.URL, "Carol", "agent1")
	for lines.Scan() {
		output = append(output, lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the CometD client failed: %v; stdout %q; stderr %s", err, output, stderr.String())
	}
	last := output[len(output)-1]
	if !strings.HasPrefix(last, "MESSAGE /v2/me/chats ") || !strings.Contains(last, `"state":"Invited"`) ||
		!strings.Contains(last, carol.id) {
		t.Errorf("the CometD client's last line is not the offer of %s: %q", carol.id, last)
	}
}
