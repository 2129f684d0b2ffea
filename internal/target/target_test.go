package target

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.TrimLeft(text, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadReadsEveryKeyOverTheDefaults(t *testing.T) {
	t.Setenv("TEST_PW", "from-env")
	path := writeFile(t, "acme.yaml", `
name: acme
baseURL: https://gws.example.com/
customerBaseURL: https://chat.example.com
customerAPI: gms
gmsServiceName: web-chat
gmsBaseURL: https://gms.example.com/
accounts:
  - {username: a1, password: p1}
  - {username: a2, passwordEnv: TEST_PW}
queues: [sales]
contactCenterId: cc-1
routingKey: Target
features: [chats, customer]
notificationTimeout: 2s
requestTimeout: 1500ms
knownFailures: [Leave from a conference completes only the leaver]
strict: true
`)
	tg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Target{
		Name: "acme", BaseURL: "https://gws.example.com", CustomerBaseURL: "https://chat.example.com",
		NotificationsPath: DefaultNotificationsPath,
		Accounts:          []Account{{"a1", "p1"}, {"a2", "from-env"}},
		Queues:            []string{"sales"}, ContactCenterID: "cc-1", RoutingKey: "Target",
		Features:            []string{"chats", "customer"},
		NotificationTimeout: 2 * time.Second, RequestTimeout: 1500 * time.Millisecond,
		KnownFailures:     []string{"Leave from a conference completes only the leaver"},
		KnownFailuresFrom: path + ":16",
		Strict:            true,
		CustomerAPI:       CustomerGMS, GMSServiceName: "web-chat", GMSBaseURL: "https://gms.example.com",
	}
	if !reflect.DeepEqual(tg, want) {
		t.Errorf("Load =\n%+v\nwant\n%+v", tg, want)
	}
	if err := tg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	path := writeFile(t, "bad.yaml", `
name: bad
baseUrl: http://x
notificationTimeout: soon
accounts:
  - {username: a1, pasword: p}
`)
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	for _, want := range []string{
		path + `:2: unknown key "baseUrl"`,
		path + `:3: notificationTimeout: "soon" is not a duration`,
		path + `:5: accounts: unknown account key "pasword"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
}

func TestLoadRejectsANonMapping(t *testing.T) {
	_, err := Load(writeFile(t, "list.yaml", "- a\n- b\n"))
	if err == nil || !strings.Contains(err.Error(), "list.yaml:1: a target file is a mapping") {
		t.Errorf("err = %v", err)
	}
}

func TestResolveLayersFileEnvAndFlags(t *testing.T) {
	path := writeFile(t, "t.yaml", `
baseURL: http://file:1
queues: [q-file]
features: [chats]
`)
	env := map[string]string{
		EnvTarget:        "http://env:2",
		EnvAccounts:      "u1:p:with:colons, u2:p2",
		EnvFeatures:      "chats.*, customer",
		EnvTimeout:       "3s",
		EnvKnownFailures: "one, two",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tg, err := Resolve(path, lookup, Overrides{BaseURL: "http://flag:3/", Queues: []string{"q-flag"}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.BaseURL != "http://flag:3" {
		t.Errorf("BaseURL = %q, want the flag's", tg.BaseURL)
	}
	if !reflect.DeepEqual(tg.Queues, []string{"q-flag"}) {
		t.Errorf("Queues = %v", tg.Queues)
	}
	if !reflect.DeepEqual(tg.Accounts, []Account{{"u1", "p:with:colons"}, {"u2", "p2"}}) {
		t.Errorf("Accounts = %v", tg.Accounts)
	}
	if tg.NotificationTimeout != 3*time.Second || tg.RequestTimeout != DefaultRequestTimeout {
		t.Errorf("timeouts = %s, %s", tg.NotificationTimeout, tg.RequestTimeout)
	}
	if !tg.HasFeature("chats.consult") || !tg.HasFeature("customer") || tg.HasFeature("interactions") {
		t.Errorf("features %v: wildcard handling wrong", tg.Features)
	}
	if !tg.IsKnownFailure("two") {
		t.Errorf("KnownFailures = %v", tg.KnownFailures)
	}
}

func TestResolveWithoutAnythingIsTheEmbeddedDefault(t *testing.T) {
	tg, err := Resolve("", func(string) (string, bool) { return "", false }, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if tg.BaseURL != "" || len(tg.Accounts) != 8 || tg.Accounts[7].Username != "agent8" || !tg.HasFeature("anything") {
		t.Errorf("default target = %+v", tg)
	}
}

func TestStrictFromTheEnvironment(t *testing.T) {
	o, err := EnvOverrides(func(k string) (string, bool) { return map[string]string{EnvStrict: "true"}[k], k == EnvStrict })
	if err != nil || !o.Strict {
		t.Fatalf("GWSCONFORM_STRICT=true: %+v, %v", o, err)
	}
	tg := Default()
	tg.Apply(o)
	if !tg.Strict {
		t.Error("Apply did not set Strict")
	}
}

func TestEnvErrorsNameTheVariable(t *testing.T) {
	env := map[string]string{EnvAccounts: "nopassword", EnvTimeout: "-1s", EnvStrict: "yes please"}
	_, err := EnvOverrides(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{EnvAccounts + `: account 1 "nop..."`, EnvTimeout + `: "-1s"`, EnvStrict + `: "yes please" is not true or false`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q: %v", want, err)
		}
	}
}

func TestKnownFailuresFromAFile(t *testing.T) {
	path := writeFile(t, "known.txt", "# vendor exceptions\nfirst, with a comma\n\nsecond\n")
	names, err := ParseKnownFailures("@" + path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"first, with a comma", "second"}) {
		t.Errorf("names = %q", names)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	tg := Default()
	tg.BaseURL = "gws.example.com"
	if err := tg.Validate(); err == nil || !strings.Contains(err.Error(), "baseURL") {
		t.Errorf("Validate = %v", err)
	}
	tg.BaseURL = "http://h"
	tg.Accounts = append(tg.Accounts, Account{Username: "agent1"})
	if err := tg.Validate(); err == nil || !strings.Contains(err.Error(), `"agent1" is listed twice`) {
		t.Errorf("Validate = %v", err)
	}
}

func TestPartitionIsRoundRobin(t *testing.T) {
	tg := Default() // agent1..agent8
	var got [][]string
	for p := 1; p <= 3; p++ {
		share, err := tg.Partition(p, 3)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Split(usernames(share), ", "))
	}
	want := [][]string{{"agent1", "agent4", "agent7"}, {"agent2", "agent5", "agent8"}, {"agent3", "agent6"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shares = %v, want %v", got, want)
	}
	if _, err := tg.Partition(9, 9); err == nil || !strings.Contains(err.Error(), "run at most 8 processes") {
		t.Errorf("Partition(9, 9) = %v", err)
	}
	if _, err := tg.Partition(0, 2); err == nil {
		t.Error("Partition(0, 2) succeeded")
	}
}

func TestPreflightReportsAnUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tg := Default()
	tg.BaseURL = "http://" + addr
	err = Preflight(context.Background(), tg)
	var pe *PreflightError
	if !errors.As(err, &pe) || pe.Account != "" || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), addr) {
		t.Errorf("Preflight = %v", err)
	}
}

// The customer-kind features follow customerAPI whatever the target declares:
// one target has one kind of customer.
func TestCustomerKindFeaturesFollowTheCustomerAPI(t *testing.T) {
	tg := Default()
	tg.BaseURL = "http://gws"
	tg.fillZeroes()
	if !tg.HasFeature("customer.gws-api") || tg.HasFeature("customer.gms") {
		t.Errorf("a gws target: gws-api %v, gms %v", tg.HasFeature("customer.gws-api"), tg.HasFeature("customer.gms"))
	}
	tg.CustomerAPI = CustomerGMS
	if tg.HasFeature("customer.gws-api") || !tg.HasFeature("customer.gms") {
		t.Errorf("a gms target: gws-api %v, gms %v", tg.HasFeature("customer.gws-api"), tg.HasFeature("customer.gms"))
	}
	if got, want := tg.GMSServiceURL(), "http://gws/genesys/2/chat/customer-support"; got != want {
		t.Errorf("GMSServiceURL = %q, want %q", got, want)
	}
	tg.CustomerAPI = "xmpp"
	if err := tg.Validate(); err == nil {
		t.Error("customerAPI xmpp validated")
	}
}
