package target

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables that override a target file (and are overridden by flags).
const (
	EnvTarget          = "GWSCONFORM_TARGET"            // base URL
	EnvAccounts        = "GWSCONFORM_ACCOUNTS"          // user:pass,user:pass
	EnvQueues          = "GWSCONFORM_QUEUES"            // queue1,queue2
	EnvContactCenterID = "GWSCONFORM_CONTACT_CENTER_ID" // ContactCenterId header value
	EnvFeatures        = "GWSCONFORM_FEATURES"          // chats.consult,interactions.*
	EnvTimeout         = "GWSCONFORM_TIMEOUT"           // notification timeout, e.g. 5s
	EnvKnownFailures   = "GWSCONFORM_KNOWN_FAILURES"    // scenario names, comma separated, or @file (one per line)
	EnvStrict          = "GWSCONFORM_STRICT"            // "true": deviations fail (see Target.Strict)
	EnvCustomerAPI     = "GWSCONFORM_CUSTOMER_API"      // gws or gms (see Target.CustomerAPI)
)

// Overrides are the values command-line flags set; zero values leave the target alone.
// The CLI parses flags into it with ParseAccounts, ParseList and time.ParseDuration.
type Overrides struct {
	BaseURL             string
	CustomerBaseURL     string
	CustomerAPI         string // gws or gms
	Accounts            []Account
	Queues              []string
	ContactCenterID     string
	RoutingKey          string
	Features            []string
	NotificationTimeout time.Duration
	RequestTimeout      time.Duration
	KnownFailures       []string
	KnownFailuresFrom   string // where KnownFailures came from; zero = "--known-failures"
	Strict              bool   // true sets Target.Strict; false leaves it alone
}

// Apply sets every non-zero field of o on t.
func (t *Target) Apply(o Overrides) {
	setString(&t.BaseURL, strings.TrimRight(o.BaseURL, "/"))
	setString(&t.CustomerBaseURL, strings.TrimRight(o.CustomerBaseURL, "/"))
	setString(&t.ContactCenterID, o.ContactCenterID)
	setString(&t.CustomerAPI, o.CustomerAPI)
	setString(&t.RoutingKey, o.RoutingKey)
	if o.Accounts != nil {
		t.Accounts = o.Accounts
	}
	if o.Queues != nil {
		t.Queues = o.Queues
	}
	if o.Features != nil {
		t.Features = o.Features
	}
	if o.KnownFailures != nil {
		t.KnownFailures = o.KnownFailures
		t.KnownFailuresFrom = o.KnownFailuresFrom
		if t.KnownFailuresFrom == "" {
			t.KnownFailuresFrom = "--known-failures"
		}
	}
	if o.NotificationTimeout > 0 {
		t.NotificationTimeout = o.NotificationTimeout
	}
	if o.RequestTimeout > 0 {
		t.RequestTimeout = o.RequestTimeout
	}
	if o.Strict {
		t.Strict = true
	}
}

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// EnvOverrides reads the GWSCONFORM_* variables through lookup (os.LookupEnv in
// production). Errors name the variable.
func EnvOverrides(lookup func(string) (string, bool)) (Overrides, error) {
	var o Overrides
	var errs []error
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	o.BaseURL = get(EnvTarget)
	o.ContactCenterID = get(EnvContactCenterID)
	o.CustomerAPI = get(EnvCustomerAPI)
	if v := get(EnvAccounts); v != "" {
		accounts, err := ParseAccounts(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvAccounts, err))
		}
		o.Accounts = accounts
	}
	if v := get(EnvQueues); v != "" {
		o.Queues = ParseList(v)
	}
	if v := get(EnvFeatures); v != "" {
		o.Features = ParseList(v)
	}
	if v := get(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive duration such as 5s", EnvTimeout, v))
		}
		o.NotificationTimeout = d
	}
	if v := get(EnvStrict); v != "" {
		strict, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not true or false", EnvStrict, v))
		}
		o.Strict = strict
	}
	if v := get(EnvKnownFailures); v != "" {
		names, err := ParseKnownFailures(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvKnownFailures, err))
		}
		o.KnownFailures = names
		o.KnownFailuresFrom = EnvKnownFailures
		if strings.HasPrefix(v, "@") {
			o.KnownFailuresFrom += "=" + v
		}
	}
	return o, errors.Join(errs...)
}

// ParseAccounts reads "user:pass,user:pass". The password may contain ':' (only the
// first one separates).
func ParseAccounts(s string) ([]Account, error) {
	var accounts []Account
	for i, item := range ParseList(s) {
		user, pass, ok := strings.Cut(item, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("account %d %q: want user:password", i+1, redactPassword(item))
		}
		accounts = append(accounts, Account{Username: user, Password: pass})
	}
	if len(accounts) == 0 {
		return nil, errors.New("no accounts in the list")
	}
	return accounts, nil
}

// redactPassword keeps a malformed account item out of logs in case it holds a secret.
func redactPassword(item string) string {
	if user, _, ok := strings.Cut(item, ":"); ok {
		return user + ":***"
	}
	if len(item) > 3 {
		return item[:3] + "..."
	}
	return item
}

// ParseList splits a comma-separated list, trimming spaces and dropping empty items.
func ParseList(s string) []string {
	list := []string{}
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	return list
}

// ParseKnownFailures reads scenario names: "@path" reads a file with one name per
// line (# starts a comment), anything else is a comma-separated list.
func ParseKnownFailures(s string) ([]string, error) {
	path, isFile := strings.CutPrefix(s, "@")
	if !isFile {
		return ParseList(s), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	return names, nil
}

// Resolve builds the target of a run: defaults, then the file at path (if any), then
// the environment (through lookup; nil = os.LookupEnv), then flags. The result is
// validated unless its BaseURL is empty, which means "start the embedded server":
// the caller then starts it (internal/embedded) and applies the same overrides to its target.
// Accounts or queues given for the embedded server are an error naming where
// they were given: that server has its own, and ignoring them silently would
// make a run test something other than what was asked.
func Resolve(path string, lookup func(string) (string, bool), flags Overrides) (*Target, error) {
	t := Default()
	var fileKeys map[string]int
	if path != "" {
		var err error
		if t, fileKeys, err = load(path); err != nil {
			return nil, err
		}
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	env, err := EnvOverrides(lookup)
	if err != nil {
		return nil, err
	}
	t.Apply(env)
	t.Apply(flags)
	t.fillZeroes()
	if err := t.validateCustomerAPI(); err != nil {
		return nil, err
	}
	if t.BaseURL == "" {
		var given []string
		for _, key := range []string{"accounts", "queues"} {
			if line, ok := fileKeys[key]; ok {
				given = append(given, fmt.Sprintf("%s:%d: %s", path, line, key))
			}
		}
		for _, g := range []struct {
			name string
			set  bool
		}{
			{EnvAccounts, env.Accounts != nil}, {EnvQueues, env.Queues != nil},
			{"--accounts", flags.Accounts != nil}, {"--queues", flags.Queues != nil},
		} {
			if g.set {
				given = append(given, g.name)
			}
		}
		if len(given) > 0 {
			return nil, fmt.Errorf("%s: no target is given, so the run starts the embedded reference server, which has its own accounts and queues; set baseURL in the target file, GWSCONFORM_TARGET or --target, or drop them",
				strings.Join(given, ", "))
		}
		return t, nil
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}
