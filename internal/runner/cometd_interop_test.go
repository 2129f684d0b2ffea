package runner_test

// The catalogue's Bayeux-level scenarios played against the CometD project's own Node
// server (cometd-nodejs-server, behind internal/interop/cometd-agent-target.js), not against our
// internal/bayeux server: a scenario that only our server passes tests our server, not
// the protocol. Needs Node.js and `npm ci --prefix internal/interop`; without them the test
// fails (it does not skip), because a silent skip would hide that interop was never
// checked.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/gwsconform/gwsconform/internal/interop"
	"github.com/gwsconform/gwsconform/internal/report"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/runner"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// What internal/interop/cometd-agent-target.js offers, and so what the target declares.
//
//	needed by a scenario               offered by the script               declared
//	agent actor (setup, barrier)       GET /api/v2/me + CSRF + JSESSIONID,  notifications
//	                                   StartContactCenterSession,
//	                                   Ready/NotReady -> ChannelStateChangeMessageV2
//	                                   on /v2/me/channels, CometD at
//	                                   /api/v2/notifications
//	chat operations                    none (404)                           no chats, chats.*
//	customer actors                    none                                 no customer
//	{{queueN}}                         no queues                            no queues
//	older interactions dialect         none                                 no interactions
//	asynchronous Error notifications   none                                 no errors.async
//
// Accounts: the script's fixed set, agent1..agent4 with password "pw".
var cometdTargetFeatures = []string{"notifications"}

const (
	cometdScript      = "cometd-agent-target.js"
	cometdPackage     = "cometd-nodejs-server"
	cometdAccounts    = 4
	cometdPassword    = "pw"
	cometdBayeuxDir   = "internal/scenarios/catalogue/bayeux/"
	cometdBayeuxLabel = "bayeux"
	// A connect is held this long. CometD's default is 30s; the scenario that waits out
	// a whole held connect would then take 30s. Only the hold time changes: advice,
	// cookies and everything else stay cometd-nodejs-server's defaults.
	cometdConnectTimeout = 3 * time.Second
	// minPlayed keeps the test from passing vacuously (a renamed directory or label, or
	// every scenario skipped).
	minPlayed = 5
	// cometdDeadline bounds waiting for the script's LISTENING line and its exit.
	cometdDeadline = 20 * time.Second
	// cometdRunDeadline bounds the whole run (seven scenarios take well under 10s).
	cometdRunDeadline = 3 * time.Minute
)

func TestCatalogueBayeuxScenariosAgainstCometDNodeServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), cometdRunDeadline)
	defer cancel()
	script := cometdTargetScript(t)
	base := startCometDTarget(t, script, "--timeout-ms", fmt.Sprint(cometdConnectTimeout.Milliseconds()))

	tg := &target.Target{
		Name:                "cometd-nodejs-server",
		BaseURL:             base,
		NotificationsPath:   target.DefaultNotificationsPath,
		Features:            cometdTargetFeatures,
		NotificationTimeout: target.DefaultNotificationTimeout,
		// A raw connect step's request deadline is at least this; a held connect lasts
		// cometdConnectTimeout.
		RequestTimeout: target.DefaultRequestTimeout,
	}
	for i := 1; i <= cometdAccounts; i++ {
		tg.Accounts = append(tg.Accounts, target.Account{Username: fmt.Sprintf("agent%d", i), Password: cometdPassword})
	}
	if err := tg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := target.Preflight(ctx, tg); err != nil {
		t.Fatalf("preflight: %v", err)
	}

	all, err := scenarios.LoadCatalogue()
	if err != nil {
		t.Fatalf("loading the catalogue: %v", err)
	}
	var selected []*scenarios.Scenario
	for _, sc := range all {
		if strings.HasPrefix(sc.File, cometdBayeuxDir) || slices.Contains(sc.Labels, cometdBayeuxLabel) {
			selected = append(selected, sc)
		}
	}
	played := 0
	var summary []string
	for _, sc := range selected {
		var trace syncBuffer
		r := &runner.Runner{Target: tg, Log: &trace}
		res := r.Run(ctx, sc)
		line := fmt.Sprintf("%-50s %-5s %s", sc.Name, res.Outcome, res.Reason)
		summary = append(summary, line)
		if res.Outcome != report.Skip {
			played++
		}
		complain := func(format string, args ...any) {
			t.Errorf("%s (%s): "+format+"\nstep: %s\n%s\ntrace:\n%s", append(append([]any{sc.Name, sc.File}, args...), res.Step, res.Detail, trace.String())...)
		}
		// Deviations are allowed: CometD's own choices (no advice on a held
		// connect, any channel may be subscribed) differ from the reference
		// server's, and the catalogue checks those only at reference level.
		for _, d := range res.Deviations {
			t.Logf("%s: deviation (%s) %s: %s", sc.Name, d.Level, d.Place, d.Reason)
		}
		switch res.Outcome {
		case report.Pass:
		case report.Skip:
			// Only a feature the target does not declare may skip a scenario.
			if missing := tg.MissingFeatures(sc.Requires); len(missing) == 0 {
				complain("skipped although the target declares every feature it requires (%v): %s", sc.Requires, res.Reason)
			}
		case report.Fail:
			complain("fails against cometd-nodejs-server at documented level: %s", res.Reason)
		default: // error: the harness or the environment broke
			complain("ended in %s: %s", res.Outcome, res.Reason)
		}
	}
	t.Logf("Bayeux-level scenarios against cometd-nodejs-server (%d selected, %d played):\n%s",
		len(selected), played, strings.Join(summary, "\n"))
	if played < minPlayed {
		t.Fatalf("only %d Bayeux-level scenarios were played (%d selected), want at least %d: the selection (%s or label %q) or the declared features %v no longer reach them",
			played, len(selected), minPlayed, cometdBayeuxDir, cometdBayeuxLabel, cometdTargetFeatures)
	}
}

// cometdTargetScript returns internal/interop/cometd-agent-target.js, failing with the fix when
// Node.js or the npm package is missing.
func cometdTargetScript(t *testing.T) string {
	t.Helper()
	return interop.Script(t, cometdScript, cometdPackage)
}

// startCometDTarget starts the script and returns its base URL once it prints
// LISTENING. Cleanup closes its stdin (which stops it) and waits for it to exit.
func startCometDTarget(t *testing.T, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command("node", append([]string{script}, args...)...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting node %s: %v", script, err)
	}
	listening := make(chan string, 1)
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if port, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				select {
				case listening <- port:
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-outDone // os/exec: read the pipe to the end before Wait
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case err := <-exited:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("%s: %v", cometdScript, err)
			} else if err != nil {
				t.Errorf("%s exited %d; stderr: %s", cometdScript, exit.ExitCode(), stderr.String())
			}
		case <-time.After(cometdDeadline):
			cmd.Process.Kill()
			<-exited
			t.Errorf("%s did not stop within %v of its stdin closing; killed it", cometdScript, cometdDeadline)
		}
	})
	select {
	case port := <-listening:
		return "http://127.0.0.1:" + port
	case err := <-exited:
		exited <- err // for Cleanup
		t.Fatalf("%s exited before listening (%v); stderr: %s", cometdScript, err, stderr.String())
	case <-time.After(cometdDeadline):
		t.Fatalf("%s printed no LISTENING line within %v; stderr: %s", cometdScript, cometdDeadline, stderr.String())
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (a process, the runner's
// goroutines) and a reading test.
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
