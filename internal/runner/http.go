package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
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
	auth    string // authBasic, authNone or authWrong
	csrf    bool   // send the CSRF header and the session cookie
	// timeout is the request's deadline when longer than the target's request
	// timeout (a request step with a long `within`); zero = the target's.
	timeout time.Duration
}

// response is what came back, decoded when it is JSON.
type response struct {
	status    int
	header    http.Header
	raw       []byte
	body      any   // decoded JSON; nil when raw is empty or not JSON
	decodeErr error // why raw is not JSON (nil when it is, or when it is empty)
	elapsed   time.Duration
}

// maxBody bounds what the harness reads of one answer.
const maxBody = 4 << 20

// send makes the request for actor a and decodes the answer. The error is only for
// a request that got no answer (network, timeout); any answer is a response.
func (rn *run) send(ctx context.Context, a *actor, req request) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, max(rn.t.RequestWait(), req.timeout))
	defer cancel()
	target := req.url
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	var body io.Reader
	var encoded []byte
	if req.hasBody {
		var err error
		if encoded, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("encoding the request body: %w", err)
		}
		body = bytes.NewReader(encoded)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", req.method, target, err)
	}
	for name, values := range req.header {
		hreq.Header[http.CanonicalHeaderKey(name)] = values
	}
	if req.hasBody && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	client := a.client
	if a.isAgent() {
		switch req.auth {
		case authBasic:
			hreq.SetBasicAuth(a.account.Username, a.account.Password)
		case authWrong:
			hreq.SetBasicAuth(a.account.Username, a.account.Password+"-wrong")
		}
		if req.csrf {
			if a.csrfHeader != "" && hreq.Header.Get(a.csrfHeader) == "" {
				hreq.Header.Set(a.csrfHeader, a.csrfToken)
			}
			if rn.isRawBayeux(req.url) {
				client = rn.rawBayeuxClient(a, req.url)
			}
		} else {
			client = a.bareClient // no cookie jar: no session cookie either
		}
	}
	start := time.Now()
	resp, err := client.Do(hreq)
	if err != nil {
		rn.logf("%s %s %s: %v", a.name(), req.method, displayURL(target), err)
		return nil, &envError{fmt.Errorf("%s %s: %w", req.method, displayURL(target), err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	elapsed := time.Since(start)
	if err != nil {
		return nil, &envError{fmt.Errorf("%s %s: reading the answer: %w", req.method, displayURL(target), err)}
	}
	out := &response{status: resp.StatusCode, header: resp.Header, raw: raw, elapsed: elapsed}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			out.body, out.decodeErr = nil, err
		}
	}
	rn.logf("%s %s %s -> %d (%s) %s", a.name(), req.method, displayURL(target), resp.StatusCode,
		elapsed.Round(time.Microsecond), abbreviate(redactBody(raw), 300))
	if req.hasBody {
		rn.logf("    request body: %s", abbreviate(redactBody(encoded), 300))
	}
	return out, nil
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
	fmt.Fprintf(&b, "HTTP %d", resp.status)
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
