// Package target describes the server under test: where it is, which accounts and
// queues the harness may use, which optional features it declares, and how long to
// wait for it. A target comes from defaults, then a YAML file, then GWSCONFORM_*
// environment variables, then command-line flags (each layer overrides the previous).
package target

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// Account is one agent login the harness may use.
type Account struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Target is everything the runner knows about the server under test.
type Target struct {
	Name string

	BaseURL         string // agent API base, e.g. http://host:8090 (without /api/v2)
	CustomerBaseURL string // customer chat API base; zero = BaseURL

	// CustomerAPI is the API the target's customers use: CustomerGWS (the GWS
	// customer chat API, /api/v2/chats) or CustomerGMS (GMS Chat API v2,
	// /genesys/2/chat/{service}). The catalogue's customer actors are written
	// once; the runner plays them with this API. Zero = CustomerGWS.
	CustomerAPI string
	// GMSServiceName is the {serviceName} of the GMS chat service; zero =
	// DefaultGMSServiceName, the documentation's sample.
	GMSServiceName string
	// GMSBaseURL is where the GMS API is served (without /genesys); zero =
	// CustomerURL(). GMS often runs on its own host.
	GMSBaseURL string

	NotificationsPath string // CometD endpoint path; zero = /api/v2/notifications

	Accounts []Account
	Queues   []string

	ContactCenterID string // sent as the ContactCenterId header by customers
	RoutingKey      string // userData key naming who a customer chat is for; zero = "RouteTo"

	// Features the target declares. "*" declares every feature and "chats.*" every
	// feature under chats; "-name" (or "-prefix.*") withdraws what the others
	// declare. Scenarios requiring an undeclared feature are skipped.
	Features []string

	NotificationTimeout time.Duration // how long an expectation waits by default; zero = 5s
	RequestTimeout      time.Duration // one HTTP request's deadline; zero = 10s

	// KnownFailures names scenarios expected to fail on this target; the suite reports
	// them apart so a vendor can certify with documented exceptions.
	KnownFailures []string
	// KnownFailuresFrom says where KnownFailures was set (the target file's
	// path:line, GWSCONFORM_KNOWN_FAILURES, --known-failures), for messages.
	KnownFailuresFrom string

	// Product is what the run certifies; Profiles the profiles it claims
	// (internal/certify): each is certified only if every one of its scenarios
	// ran and passed. Zero and empty for a run that certifies nothing.
	Product  Product
	Profiles []string
	// KnownFlaky names scenarios that may pass only when retried (--retries):
	// such a pass still fails a claim unless the scenario is listed here.
	KnownFlaky []string

	// Strict judges every check as binding: one of inferred or reference evidence
	// that does not hold fails its scenario instead of being reported as a
	// deviation (docs/evidence.md). False = only documented checks can fail.
	Strict bool
}

// Defaults used when a target leaves a field zero. They match the reference
// server's defaults, so a bare URL works against `gwsconform serve`.
const (
	DefaultNotificationsPath   = "/api/v2/notifications"
	DefaultNotificationTimeout = 5 * time.Second
	DefaultRequestTimeout      = 10 * time.Second
	// AllFeatures, as a Features entry, declares every feature.
	AllFeatures = "*"

	CustomerGWS           = "gws"
	CustomerGMS           = "gms"
	DefaultGMSServiceName = "customer-support" // the ChatAPIv2 page's sample
)

// DefaultAccounts are the reference server's default users: agent1..agent8 with
// password "password".
func DefaultAccounts() []Account {
	accounts := make([]Account, 8)
	for i := range accounts {
		accounts[i] = Account{Username: fmt.Sprintf("agent%d", i+1), Password: "password"}
	}
	return accounts
}

// DefaultQueues are the reference server's default queues.
func DefaultQueues() []string { return []string{"queue1", "queue2"} }

// Default returns the target a bare `--target URL` describes: the reference server's
// accounts and queues, every feature, default timeouts. BaseURL is left empty.
func Default() *Target {
	return &Target{
		Name:                "default",
		NotificationsPath:   DefaultNotificationsPath,
		Accounts:            DefaultAccounts(),
		Queues:              DefaultQueues(),
		RoutingKey:          gws.DefaultRouteKey,
		Features:            []string{AllFeatures},
		NotificationTimeout: DefaultNotificationTimeout,
		RequestTimeout:      DefaultRequestTimeout,
	}
}

// fillZeroes replaces zero fields with their defaults (never accounts, queues or
// features: an explicit empty list there is the user's choice).
func (t *Target) fillZeroes() {
	if t.NotificationsPath == "" {
		t.NotificationsPath = DefaultNotificationsPath
	}
	if t.RoutingKey == "" {
		t.RoutingKey = gws.DefaultRouteKey
	}
	if t.NotificationTimeout == 0 {
		t.NotificationTimeout = DefaultNotificationTimeout
	}
	if t.RequestTimeout == 0 {
		t.RequestTimeout = DefaultRequestTimeout
	}
	t.BaseURL = strings.TrimRight(t.BaseURL, "/")
	t.CustomerBaseURL = strings.TrimRight(t.CustomerBaseURL, "/")
	t.GMSBaseURL = strings.TrimRight(t.GMSBaseURL, "/")
	if t.CustomerAPI == "" {
		t.CustomerAPI = CustomerGWS
	}
	if t.GMSServiceName == "" {
		t.GMSServiceName = DefaultGMSServiceName
	}
}

// Validate reports a target the harness cannot use, naming the field.
func (t *Target) Validate() error {
	if t.BaseURL == "" {
		return fmt.Errorf("target %q: baseURL is empty (set it in the target file, GWSCONFORM_TARGET or --target)", t.Name)
	}
	if err := t.validateCustomerAPI(); err != nil {
		return err
	}
	for field, raw := range map[string]string{"baseURL": t.BaseURL, "customerBaseURL": t.CustomerBaseURL, "gmsBaseURL": t.GMSBaseURL} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("target %q: %s %q is not an http(s) URL with a host", t.Name, field, raw)
		}
	}
	if !strings.HasPrefix(t.NotificationsPath, "/") {
		return fmt.Errorf("target %q: notificationsPath %q must start with /", t.Name, t.NotificationsPath)
	}
	if len(t.Accounts) == 0 {
		return fmt.Errorf("target %q: no accounts (set accounts in the target file, GWSCONFORM_ACCOUNTS or --accounts)", t.Name)
	}
	seen := map[string]bool{}
	for i, a := range t.Accounts {
		if a.Username == "" {
			return fmt.Errorf("target %q: accounts[%d] has no username", t.Name, i)
		}
		if seen[a.Username] {
			return fmt.Errorf("target %q: account %q is listed twice", t.Name, a.Username)
		}
		seen[a.Username] = true
	}
	if t.NotificationTimeout < 0 || t.RequestTimeout < 0 {
		return fmt.Errorf("target %q: timeouts must not be negative", t.Name)
	}
	return nil
}

// CustomerURL is the customer API base: CustomerBaseURL, or BaseURL when unset.
func (t *Target) CustomerURL() string {
	if t.CustomerBaseURL != "" {
		return t.CustomerBaseURL
	}
	return t.BaseURL
}

// validateCustomerAPI checks the customer API settings, which the embedded
// server's target takes from the run too.
func (t *Target) validateCustomerAPI() error {
	if t.CustomerAPI != "" && t.CustomerAPI != CustomerGWS && t.CustomerAPI != CustomerGMS {
		return fmt.Errorf("target %q: customerAPI %q: want %s or %s", t.Name, t.CustomerAPI, CustomerGWS, CustomerGMS)
	}
	if strings.Contains(t.GMSServiceName, "/") {
		return fmt.Errorf("target %q: gmsServiceName %q must be one path segment", t.Name, t.GMSServiceName)
	}
	return nil
}

// UsesGMS reports whether the target's customers use GMS Chat API v2.
func (t *Target) UsesGMS() bool { return t.CustomerAPI == CustomerGMS }

// CustomerKind is the customer API the target's customers use: CustomerGWS
// unless it says CustomerGMS.
func (t *Target) CustomerKind() string {
	if t.UsesGMS() {
		return CustomerGMS
	}
	return CustomerGWS
}

// GMSServiceURL is the base of the GMS chat service's requests:
// {gmsBaseURL}/genesys/2/chat/{serviceName}.
func (t *Target) GMSServiceURL() string {
	base := cmp.Or(t.GMSBaseURL, t.CustomerURL())
	return base + gws.GMSServicePath(cmp.Or(t.GMSServiceName, DefaultGMSServiceName))
}

// NotificationsURL is the absolute CometD endpoint.
func (t *Target) NotificationsURL() string {
	path := t.NotificationsPath
	if path == "" {
		path = DefaultNotificationsPath
	}
	return t.BaseURL + path
}

// NotificationWait is the default wait for an expectation (NotificationTimeout or its default).
func (t *Target) NotificationWait() time.Duration {
	if t.NotificationTimeout > 0 {
		return t.NotificationTimeout
	}
	return DefaultNotificationTimeout
}

// RequestWait is the deadline of one HTTP request (RequestTimeout or its default).
func (t *Target) RequestWait() time.Duration {
	if t.RequestTimeout > 0 {
		return t.RequestTimeout
	}
	return DefaultRequestTimeout
}

// RouteKey is the userData key customers use to name who a chat is for.
func (t *Target) RouteKey() string {
	if t.RoutingKey != "" {
		return t.RoutingKey
	}
	return gws.DefaultRouteKey
}

// HasFeature reports whether the target declares feature, directly, by a "prefix.*"
// entry, or by "*", and does not withdraw it with a "-feature" or "-prefix.*" entry
// (so ["*", "-customer.secure-key"] declares everything but that).
//
// The customer-kind features (gws.CustomerKindFeatures) follow CustomerAPI as
// well: a target whose customers use GMS cannot play what only the GWS customer
// API expresses, whatever it declares, and the other way round.
func (t *Target) HasFeature(feature string) bool {
	if kind, ok := gws.CustomerKindFeatures[gws.Feature(feature)]; ok && kind != cmp.Or(t.CustomerAPI, CustomerGWS) {
		return false
	}
	declared := false
	for _, entry := range t.Features {
		if name, withdrawn := strings.CutPrefix(entry, "-"); withdrawn {
			if featureMatches(name, feature) {
				return false
			}
			continue
		}
		declared = declared || featureMatches(entry, feature)
	}
	return declared
}

// featureMatches reports whether a Features entry (without its "-") names feature.
func featureMatches(entry, feature string) bool {
	switch {
	case entry == AllFeatures, entry == feature:
		return true
	case strings.HasSuffix(entry, ".*") && strings.HasPrefix(feature, strings.TrimSuffix(entry, "*")):
		return true
	}
	return false
}

// MissingFeatures returns the features of required the target does not declare, in order.
func (t *Target) MissingFeatures(required []string) []string {
	var missing []string
	for _, f := range required {
		if !t.HasFeature(f) && !slices.Contains(missing, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

// IsKnownFailure reports whether the scenario name is listed as a known failure.
func (t *Target) IsKnownFailure(scenario string) bool {
	return slices.Contains(t.KnownFailures, scenario)
}

// Partition returns the accounts of parallel process number process (1-based, as
// Ginkgo numbers them) out of total: every total-th account starting at process-1,
// so shares differ by at most one account and never overlap.
func (t *Target) Partition(process, total int) ([]Account, error) {
	if total < 1 || process < 1 || process > total {
		return nil, fmt.Errorf("target %q: parallel process %d of %d is out of range", t.Name, process, total)
	}
	var share []Account
	for i := process - 1; i < len(t.Accounts); i += total {
		share = append(share, t.Accounts[i])
	}
	if len(share) == 0 {
		return nil, fmt.Errorf("target %q: %d accounts cannot be shared by %d parallel processes (process %d gets none); add accounts or run at most %d processes",
			t.Name, len(t.Accounts), total, process, len(t.Accounts))
	}
	return share, nil
}

// ShareTooSmall is the error for a scenario that needs more distinct agent accounts
// than the running process has.
func ShareTooSmall(need int, share []Account) error {
	return fmt.Errorf("scenario needs %d distinct agent accounts but this process has %d (%s); add accounts to the target or run fewer parallel processes",
		need, len(share), usernames(share))
}

func usernames(accounts []Account) string {
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = a.Username
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
