package embedded

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/target"
)

func TestStartAndPreflight(t *testing.T) {
	users := []refserver.User{{Username: "ann", Password: "pw"}, {Username: "ben", Password: "pw"}}
	tg, stop, err := Start(t.Context(), refserver.Config{Users: users, Queues: []string{"support"}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !reflect.DeepEqual(tg.Accounts, []target.Account{{Username: "ann", Password: "pw"}, {Username: "ben", Password: "pw"}}) || !reflect.DeepEqual(tg.Queues, []string{"support"}) {
		t.Errorf("embedded target = %+v", tg)
	}
	if !tg.HasFeature("chats.consult") {
		t.Error("the embedded target does not declare every feature")
	}
	if err := target.Preflight(t.Context(), tg); err != nil {
		t.Errorf("Preflight: %v", err)
	}

	tg.Accounts[1].Password = "wrong"
	err = target.Preflight(t.Context(), tg)
	var pe *target.PreflightError
	if !errors.As(err, &pe) || pe.Account != "ben" || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("Preflight with a wrong password = %v", err)
	}
}

// advisedTimeout handshakes on the target's notification endpoint and returns the
// advice.timeout of the reply, in milliseconds.
func advisedTimeout(t *testing.T, tg *target.Target) int64 {
	t.Helper()
	body := strings.NewReader(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, tg.NotificationsURL(), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(tg.Accounts[0].Username, tg.Accounts[0].Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply []struct {
		Successful bool
		Advice     struct{ Timeout int64 }
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil || len(reply) != 1 || !reply[0].Successful {
		t.Fatalf("handshake: HTTP %d, %+v, %v", resp.StatusCode, reply, err)
	}
	return reply[0].Advice.Timeout
}

func TestStartHoldsConnectsBriefly(t *testing.T) {
	tg, stop, err := Start(t.Context(), refserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if got, want := advisedTimeout(t, tg), ConnectTimeout.Milliseconds(); got != want {
		t.Errorf("advised connect timeout %dms, want %dms", got, want)
	}

	tg, stop, err = Start(t.Context(), refserver.Config{Bayeux: bayeux.ServerOptions{Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if got := advisedTimeout(t, tg); got != 2000 {
		t.Errorf("with Bayeux.Timeout 2s: advised connect timeout %dms, want 2000ms (the caller's choice)", got)
	}
}
