// Package embedded runs the reference server as the default target of a run. It
// is the one place where the harness side meets the reference server: the
// runner, the scenario model and the suite depend on neither (the layering test
// in internal/modcheck says so), so one mistake cannot pass both sides.
package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/target"
)

// ConnectTimeout is how long the embedded server holds a Bayeux connect
// when cfg.Bayeux.Timeout is zero. The reference server's own default is 30s,
// like CometD's; a scenario proving that a connect is answered by the advised
// timeout then waits 30s. A short timeout keeps the catalogue fast and changes
// nothing else: the agents' CometD clients re-poll more often.
const ConnectTimeout = time.Second

// Accounts is how many agents the embedded server has when cfg.Users is
// nil: enough for the suite.AutoProcesses processes of `run -p auto` to have
// a share each for the widest scenario (the reference server's own default is
// eight in all).
const Accounts = 32

// withdrawnBy names the feature a variation of the reference server takes away:
// under it the server no longer offers what the feature claims, so the embedded
// target does not declare it.
var withdrawnBy = map[string]string{
	"customer-without-secure-key":    "customer.secure-key",
	"unknown-target-answers-success": "errors.sync-unknown-target",
	"refusals-by-error-notification": "errors.sync-unknown-target",
}

// StartWith starts the reference server with the named faults and tolerated
// variations; it is what the entry points give suite.Options.StartEmbedded.
func StartWith(ctx context.Context, faults, tolerate []string) (*target.Target, func(), error) {
	return Start(ctx, refserver.Config{Faults: faults, Tolerate: tolerate})
}

// Start starts the reference server on 127.0.0.1:0 and returns a target
// for it that declares every feature (but those a toleration withdraws, see
// withdrawnBy), with the server's users as accounts and its
// queues. A zero cfg.Bayeux.Timeout becomes ConnectTimeout, nil
// cfg.Users Accounts users. stop shuts the server down; call it once the
// run is over.
func Start(ctx context.Context, cfg refserver.Config) (*target.Target, func(), error) {
	if cfg.Bayeux.Timeout == 0 {
		cfg.Bayeux.Timeout = ConnectTimeout
	}
	if cfg.Users == nil {
		cfg.Users = refserver.NumberedUsers(Accounts)
	}
	running, err := refserver.Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the embedded reference server: %w", err)
	}
	t := target.Default()
	t.Name = "embedded reference server"
	t.BaseURL = running.URL
	t.ContactCenterID = cfg.ContactCenterID
	t.Accounts = make([]target.Account, len(cfg.Users))
	for i, u := range cfg.Users {
		t.Accounts[i] = target.Account{Username: u.Username, Password: u.Password}
	}
	if cfg.Queues != nil {
		t.Queues = append([]string(nil), cfg.Queues...)
	}
	tolerated, err := refserver.ExpandTolerations(cfg.Tolerate)
	if err != nil {
		_ = running.Close()
		return nil, nil, err
	}
	for _, name := range tolerated {
		if feature, ok := withdrawnBy[name]; ok {
			t.Features = append(t.Features, "-"+feature)
		}
	}
	stop := func() { _ = running.Close() }
	return t, stop, nil
}
