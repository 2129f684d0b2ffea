package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// PreflightTimeout bounds each request Preflight makes, so a dead target is reported
// in seconds, not after the suite's request timeout per scenario.
const PreflightTimeout = 3 * time.Second

// PreflightError is the one error a run reports when the target cannot be used at all.
type PreflightError struct {
	URL     string
	Account string // empty when the problem is the target's, not one account's
	Reason  string
	// Unreachable: no TCP connection was made. A target that accepted one and
	// then answered TLS bytes, garbage or nothing is not called unreachable.
	Unreachable bool
}

func (e *PreflightError) Error() string {
	switch {
	case e.Account != "":
		return fmt.Sprintf("target %s: account %q: %s", e.URL, e.Account, e.Reason)
	case e.Unreachable:
		return fmt.Sprintf("target %s is unreachable: %s", e.URL, e.Reason)
	}
	return fmt.Sprintf("target %s: %s", e.URL, e.Reason)
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
	// The deadline is each request's context (checkLogin), so that a timeout
	// is told apart from the other failures and names the limit.
	client := NewClient(nil, NewTransport())
	defer client.CloseIdleConnections()
	meURL := t.BaseURL + "/api/v2/me"
	for _, a := range accounts {
		if err := checkLogin(ctx, client, meURL, a); err != nil {
			return err
		}
	}
	return nil
}

func checkLogin(ctx context.Context, client *http.Client, meURL string, a Account) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, PreflightTimeout)
	defer cancel()
	ctx, wire := Trace(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, meURL, nil)
	if err != nil {
		return &PreflightError{URL: meURL, Reason: err.Error()}
	}
	req.SetBasicAuth(a.Username, a.Password)
	req.Header.Set("User-Agent", gws.UserAgent(gws.PurposePreflight))
	resp, err := client.Do(req)
	if err != nil {
		return wireProblem(meURL, wire.Explain(parent, err, preflightLimit))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512))
	if err != nil && resp.StatusCode == http.StatusOK {
		return wireProblem(meURL, ExplainBody(parent, err, preflightLimit, int64(len(body)), resp.ContentLength))
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return &PreflightError{URL: meURL, Account: a.Username,
			Reason: fmt.Sprintf("login refused (HTTP %d%s); check the username and password", resp.StatusCode, quoteBody(body))}
	case isRedirect(resp.StatusCode):
		return &PreflightError{URL: meURL, Account: a.Username,
			Reason: fmt.Sprintf("GET /api/v2/me answered HTTP %d (want 200), a redirect to %q: the harness follows no redirect (credentials stay with the target's origin); give the final URL as the target",
				resp.StatusCode, resp.Header.Get("Location"))}
	case isHTML(resp.Header.Get("Content-Type"), body):
		// A web server or proxy, not GWS: the account is not the problem.
		return &PreflightError{URL: meURL,
			Reason: fmt.Sprintf("GET /api/v2/me answered HTTP %d with an HTML page, not JSON: is this a GWS server (check the base URL)?%s", resp.StatusCode, quoteBody(body))}
	default:
		return &PreflightError{URL: meURL, Account: a.Username,
			Reason: fmt.Sprintf("GET /api/v2/me answered HTTP %d (want 200)%s", resp.StatusCode, quoteBody(body))}
	}
}

// maxQuotedBody bounds the part of an answer a preflight error quotes: enough
// to recognise the page, short enough for a one-line summary.
const maxQuotedBody = 200

// quoteBody is ": "first bytes..."" of an answer, on one line, or "" when empty.
func quoteBody(body []byte) string {
	text := strings.Join(strings.Fields(string(body)), " ")
	if text == "" {
		return ""
	}
	if len(text) > maxQuotedBody {
		cut := maxQuotedBody
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		return fmt.Sprintf(": %q... (the first %d bytes)", text[:cut], cut)
	}
	return fmt.Sprintf(": %q", text)
}

// isHTML reports an answer that is a web page: by its type, or by its first bytes
// for a server that does not say.
func isHTML(contentType string, body []byte) bool {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/html") {
		return true
	}
	start := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 64)])))
	return strings.HasPrefix(start, "<!doctype html") || strings.HasPrefix(start, "<html")
}

// preflightLimit names the preflight's limit in its reasons.
var preflightLimit = fmt.Sprintf("the preflight's limit %s per request", PreflightTimeout)

// wireProblem is the preflight's one error for a request that got no usable
// answer: always an error (the run cannot start), worded as Explain says.
func wireProblem(meURL string, we *WireError) error {
	return &PreflightError{URL: meURL, Reason: we.Reason, Unreachable: we.Kind == WireUnreachable}
}

func isRedirect(status int) bool { return status >= 300 && status < 400 }

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
