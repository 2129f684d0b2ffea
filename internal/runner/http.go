package runner

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/target"
)

// Auth modes of a request.
const (
	authBasic = "basic"
	authNone  = "none"
	authWrong = "wrong"
)

// request is one HTTP call an actor makes.
type request struct {
	method  string
	url     string // absolute, without query
	query   url.Values
	header  http.Header
	body    any // encoded as JSON; ignored when hasBody is false
	hasBody bool
	// form, when not nil, is the body instead, form-urlencoded: GMS requests
	// (gws.DialectGMS) are forms.
	form url.Values
	auth string // authBasic, authNone or authWrong
	csrf bool   // send the CSRF header and the session cookie
	// timeout is the request's deadline when longer than the target's request
	// timeout (a request step with a long `within`); zero = the target's.
	timeout time.Duration
	// purpose goes into the User-Agent (gws.UserAgent); zero = a scenario step.
	// A step's own User-Agent header wins.
	purpose gws.Purpose
}

// response is what came back, decoded when it is JSON.
type response struct {
	status    int
	header    http.Header
	raw       []byte
	body      any   // decoded JSON; nil when raw is empty or not JSON
	decodeErr error // why raw is not JSON (nil when it is, or when it is empty)
	elapsed   time.Duration
	// wire, when not nil, is the body as the target sent it, and body its
	// presentation to the step's expectations (a GMS answer in the GWS customer
	// API's spelling, gms.go); schemas check the wire form.
	wire any
}

// wireBody is the body as the target sent it, for the schemas.
func (r *response) wireBody() any {
	if r.wire != nil {
		return r.wire
	}
	return r.body
}

// maxBody bounds what the harness reads of one answer; a longer one is cut and
// reported as the target's failure (no GWS answer comes near it).
const maxBody = 4 << 20

// newClient builds every http.Client the runner uses on the target (REST,
// customer, raw and harness Bayeux): it follows no redirect, so a 3xx is the
// target's answer and nothing the actor holds (Basic credentials, session
// cookie, CSRF token) is sent to another origin.
func newClient(jar http.CookieJar, transport http.RoundTripper) *http.Client {
	return target.NewClient(jar, transport)
}

// send makes the request for actor a and decodes the answer. The error is for a
// request that got no usable answer: a target error when what the target sent
// is its failure (garbage, broken framing, a cut or oversized answer, a
// connection closed without one; its detail holds what was received), an
// environment error when the target could not be judged (unreachable, wrong
// scheme, the harness's own limit ran out, the run ended). Callers place it at
// their step (placed). Any HTTP answer, a 3xx included, is a response.
func (rn *run) send(ctx context.Context, a actor, req request) (*response, error) {
	parent := ctx
	timeout := max(rn.t.RequestWait(), req.timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx, wire := target.Trace(ctx)
	limit := fmt.Sprintf("the request timeout %s (requestTimeout)", timeout)
	if timeout > rn.t.RequestWait() {
		limit = fmt.Sprintf("the step's limit plus %s, %s", answerMargin, timeout)
	}
	full := req.url
	if len(req.query) > 0 {
		full += "?" + req.query.Encode()
	}
	var body io.Reader
	var encoded []byte
	contentType := "application/json"
	switch {
	case req.form != nil:
		encoded, contentType = []byte(req.form.Encode()), "application/x-www-form-urlencoded"
		body = bytes.NewReader(encoded)
	case req.hasBody:
		var err error
		if encoded, err = json.Marshal(req.body); err != nil {
			return nil, scenarioError(nil, "encoding the request body: %w", err)
		}
		body = bytes.NewReader(encoded)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, full, body)
	if err != nil {
		return nil, scenarioError(nil, "building %s %s: %w", req.method, full, err)
	}
	for name, values := range req.header {
		hreq.Header[http.CanonicalHeaderKey(name)] = values
	}
	if (req.hasBody || req.form != nil) && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", contentType)
	}
	hreq.Header.Set("Accept", "application/json")
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", gws.UserAgent(cmp.Or(req.purpose, gws.PurposeStep)))
	}
	client := a.authorize(rn, hreq, req)
	what := req.method + " " + displayURL(full)
	start := time.Now()
	resp, err := client.Do(hreq)
	if err != nil {
		err = wireFailure(what, wire.Explain(parent, err, limit), "")
		rn.logf("%s %v", a.name(), err)
		rn.transcript.exchange(a.name(), req, full, encoded, start, nil, err)
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := readBody(resp)
	elapsed := time.Since(start)
	if err != nil {
		we := target.ExplainBody(parent, err, limit, int64(len(raw)), resp.ContentLength)
		err = wireFailure(what, we, fmt.Sprintf("received: HTTP %d, then %d bytes of body: %s", resp.StatusCode, len(raw), abbreviate(string(raw), 300)))
		rn.logf("%s %v", a.name(), err)
		return nil, err
	}
	if len(raw) > maxBody {
		err := targetError(nil, "%s: answer larger than %d MiB, cut (HTTP %d, Content-Length %s)", what, maxBody>>20, resp.StatusCode, contentLength(resp)).
			withDetail(fmt.Sprintf("received: HTTP %d, starting %s", resp.StatusCode, abbreviate(string(raw[:300]), 300)))
		rn.logf("%s %v", a.name(), err)
		return nil, err
	}
	out := &response{status: resp.StatusCode, header: resp.Header, raw: raw, elapsed: elapsed}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			out.body, out.decodeErr = nil, jsonError(raw, err)
		}
	}
	rn.transcript.exchange(a.name(), req, full, encoded, start, out, nil)
	rn.logf("%s %s -> %d (%s) %s", a.name(), what, resp.StatusCode,
		elapsed.Round(time.Microsecond), abbreviate(redactBody(raw), 300))
	if req.hasBody {
		rn.logf("    request body: %s", abbreviate(redactBody(encoded), 300))
	}
	return out, nil
}

// readBody reads at most maxBody+1 bytes: one more than the cap tells a cut
// answer from one of exactly maxBody. The buffer is sized from Content-Length
// (within the cap) so a large answer is not copied while it grows.
func readBody(resp *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(min(resp.ContentLength, maxBody+1)))
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	return buf.Bytes(), err
}

func contentLength(resp *http.Response) string {
	if resp.ContentLength < 0 {
		return "none"
	}
	return strconv.FormatInt(resp.ContentLength, 10)
}

// wireFailure classifies a WireError for send's callers: the target's failure
// when it answered badly, an environment error otherwise.
func wireFailure(what string, we *target.WireError, detail string) error {
	if we.Kind == target.WireBroken {
		return targetError(nil, "%s: %w", what, we).withDetail(detail)
	}
	return envError(nil, "%s: %w", what, we)
}

// jsonError says where an answer stops being JSON: the byte offset and what
// precedes it.
func jsonError(raw []byte, err error) error {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return err
	}
	at := int(min(max(syntax.Offset, 0), int64(len(raw))))
	return fmt.Errorf("invalid JSON at byte %d of %d (%q ends there): %v", syntax.Offset, len(raw), raw[max(0, at-24):at], err)
}

// statusText renders an answer's status for a reason: a redirect names where it
// pointed and that the harness does not go there.
func statusText(resp *response) string {
	if resp.status >= 300 && resp.status < 400 {
		return fmt.Sprintf("HTTP %d, a redirect to %q (not followed: a 3xx is the target's answer)", resp.status, resp.header.Get("Location"))
	}
	return fmt.Sprintf("HTTP %d", resp.status)
}

// answerText renders an answer's body for a reason: an empty one and one that
// is not JSON say so.
func answerText(resp *response, limit int) string {
	switch {
	case len(bytes.TrimSpace(resp.raw)) == 0:
		return fmt.Sprintf("an empty body (%s)", statusText(resp))
	case resp.decodeErr != nil:
		return fmt.Sprintf("%s (not JSON: %v)", abbreviate(string(resp.raw), limit), resp.decodeErr)
	}
	return abbreviate(string(resp.raw), limit)
}

// displayURL drops the scheme and host: logs and reports name paths.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.RawQuery != "" {
		return u.Path + "?" + redactQuery(u.Query())
	}
	return u.Path
}

// redactQuery hides the customer's secureKey in logs and reports.
func redactQuery(q url.Values) string {
	if q.Has("secureKey") {
		q.Set("secureKey", "***")
	}
	return q.Encode()
}

// secureKeyField matches a JSON secureKey member, kept out of logs.
var secureKeyField = regexp.MustCompile(`"secureKey"\s*:\s*"[^"]*"`)

func redactBody(raw []byte) string {
	return secureKeyField.ReplaceAllString(string(raw), `"secureKey":"***"`)
}

func abbreviate(s string, limit int) string {
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// describeResponse renders an answer for a failure report.
func describeResponse(resp *response) string {
	var b strings.Builder
	b.WriteString(statusText(resp))
	if len(resp.raw) == 0 {
		b.WriteString(" (empty body)")
		return b.String()
	}
	b.WriteString("\n")
	if resp.body != nil {
		pretty, _ := json.MarshalIndent(resp.body, "    ", "  ")
		b.WriteString("    " + abbreviate(string(pretty), 2000))
	} else {
		b.WriteString("    " + abbreviate(string(resp.raw), 2000))
	}
	return b.String()
}
