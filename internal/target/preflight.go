package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// PreflightTimeout bounds each request Preflight makes, so a dead target is reported
// in seconds, not after the suite's request timeout per scenario.
const PreflightTimeout = 3 * time.Second

// PreflightError is the one error a run reports when the target cannot be used at all.
type PreflightError struct {
	URL     string
	Account string // empty when the target itself is unreachable
	Reason  string
}

func (e *PreflightError) Error() string {
	if e.Account == "" {
		return fmt.Sprintf("target %s is unreachable: %s", e.URL, e.Reason)
	}
	return fmt.Sprintf("target %s: account %q: %s", e.URL, e.Account, e.Reason)
}

// Preflight checks, within a few seconds, that the target answers and that every
// account logs in (GET /api/v2/me with Basic auth answers 200). It returns one
// *PreflightError for the first problem: the suite turns it into a single error
// outcome instead of one failure per scenario.
func Preflight(ctx context.Context, t *Target) error {
	return PreflightAccounts(ctx, t, t.Accounts)
}

// PreflightAccounts is Preflight for a subset of the accounts (a process's share).
func PreflightAccounts(ctx context.Context, t *Target, accounts []Account) error {
	if err := t.Validate(); err != nil {
		return err
	}
	client := &http.Client{Timeout: PreflightTimeout}
	meURL := t.BaseURL + "/api/v2/me"
	for _, a := range accounts {
		if err := checkLogin(ctx, client, meURL, a); err != nil {
			return err
		}
	}
	return nil
}

func checkLogin(ctx context.Context, client *http.Client, meURL string, a Account) error {
	ctx, cancel := context.WithTimeout(ctx, PreflightTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, meURL, nil)
	if err != nil {
		return &PreflightError{URL: meURL, Reason: err.Error()}
	}
	req.SetBasicAuth(a.Username, a.Password)
	resp, err := client.Do(req)
	if err != nil {
		return &PreflightError{URL: meURL, Reason: describeNetError(err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return &PreflightError{URL: meURL, Account: a.Username,
			Reason: fmt.Sprintf("login refused (HTTP %d %s); check the username and password", resp.StatusCode, strings.TrimSpace(string(body)))}
	default:
		return &PreflightError{URL: meURL, Account: a.Username,
			Reason: fmt.Sprintf("GET /api/v2/me answered HTTP %d (want 200): %s", resp.StatusCode, strings.TrimSpace(string(body)))}
	}
}

// describeNetError names the usual causes plainly.
func describeNetError(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve host %q (%v)", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no answer within %s", PreflightTimeout)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Sprintf("connection failed: %v", opErr.Err)
	default:
		return err.Error()
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
