package recorder

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/jsonptr"
)

// RedactRules adds to the default redaction. The defaults always apply: the Authorization
// and Proxy-Authorization credentials, every Cookie and Set-Cookie value, X-CSRF-TOKEN
// header values, JSON fields named password or secureKey (any depth, any case) and the
// query parameters password and secureKey.
type RedactRules struct {
	// Headers are more header names whose values are replaced, in requests and responses.
	Headers []string
	// JSONPointers (RFC 6901; a "*" segment matches every key or index) are applied to
	// every JSON body, and for Bayeux bodies to each message's data.
	JSONPointers []string
	// Hooks run last on every exchange, after the rules above; a hook replaces secrets
	// with r.Placeholder(secret). nil = none.
	Hooks []func(x *fixture.Exchange, r *Redactor)
}

// defaultSecretHeaders are replaced whole (Authorization keeps its scheme word).
var defaultSecretHeaders = []string{"Authorization", "Proxy-Authorization", "X-Csrf-Token"}

// defaultSecretFields are JSON keys and query parameters, compared case-insensitively.
var defaultSecretFields = []string{"password", "securekey"}

// minSweepLen: secrets at least this long are also replaced wherever else they occur in a
// written line (a token echoed in an unexpected place). Passwords are not swept: a
// password such as "password" would also rewrite ordinary words and keys.
const minSweepLen = 6

// A Redactor replaces secrets with placeholders "REDACTED-1", "REDACTED-2", ...: the same
// secret always gets the same placeholder within one recording, so a replayed client hands
// back the placeholder it was given and the replay still matches.
type Redactor struct {
	headers  []string // canonical names of the headers whose values are secret
	pointers [][]string
	// pointerKeys holds, for each pointer, an object key every match must pass through,
	// quoted as it appears in raw JSON ("\"ssn\""); "" when a byte scan cannot tell
	// (only "*" and index segments, or a key JSON may spell in more than one way).
	pointerKeys []string
	hooks       []func(x *fixture.Exchange, r *Redactor)

	mu           sync.Mutex
	placeholders map[string]string
	headerMemo   map[headerValue]string // secret header value -> its redacted form
	swept        []string               // secrets replaced anywhere in a line
	replacer     *strings.Replacer
}

// NewRedactor checks the extra rules and returns a Redactor with an empty secret table.
func NewRedactor(rules RedactRules) (*Redactor, error) {
	r := &Redactor{placeholders: map[string]string{}, headerMemo: map[headerValue]string{}, hooks: rules.Hooks}
	for _, h := range slices.Concat(defaultSecretHeaders, []string{"Cookie", "Set-Cookie"}, rules.Headers) {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " :\t") {
			return nil, fmt.Errorf("redact header %q: not a header name", h)
		}
		if name := http.CanonicalHeaderKey(h); !slices.Contains(r.headers, name) {
			r.headers = append(r.headers, name)
		}
	}
	for _, p := range rules.JSONPointers {
		segs, err := parsePointer(p)
		if err != nil {
			return nil, fmt.Errorf("redact JSON pointer %q: %w", p, err)
		}
		r.pointers = append(r.pointers, segs)
		r.pointerKeys = append(r.pointerKeys, scannableKey(segs))
	}
	return r, nil
}

// Placeholder returns the stable placeholder for secret ("" stays "").
func (r *Redactor) Placeholder(secret string) string {
	return r.placeholder(secret, true)
}

func (r *Redactor) placeholder(secret string, sweep bool) string {
	if secret == "" || isPlaceholder(secret) {
		return secret
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.placeholders[secret]
	if !ok {
		p = "REDACTED-" + strconv.Itoa(len(r.placeholders)+1)
		r.placeholders[secret] = p
		if sweep && len(secret) >= minSweepLen {
			r.swept = append(r.swept, secret)
			r.replacer = nil
		}
	}
	return p
}

func isPlaceholder(s string) bool {
	n, ok := strings.CutPrefix(s, "REDACTED-")
	if !ok {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// Sweep replaces every known secret still present in line (defence in depth: a token
// echoed somewhere no rule looks).
func (r *Redactor) Sweep(line []byte) []byte {
	r.mu.Lock()
	if len(r.swept) == 0 {
		r.mu.Unlock()
		return line
	}
	if r.replacer == nil {
		pairs := make([]string, 0, 2*len(r.swept))
		for _, s := range r.swept {
			pairs = append(pairs, s, r.placeholders[s])
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	rep, swept := r.replacer, r.swept
	r.mu.Unlock()
	for _, s := range swept {
		if bytes.Contains(line, []byte(s)) {
			return []byte(rep.Replace(string(line)))
		}
	}
	return line
}

// Redact applies the default rules, the extra rules and the hooks to x in place.
func (r *Redactor) Redact(x *fixture.Exchange) {
	r.redactHeader(x.Request.Header)
	r.redactHeader(x.Response.Header)
	x.Request.Query = r.redactQuery(x.Request.Query)
	bayeux := x.Kind == fixture.KindBayeux
	x.Request.Body.JSON = r.redactJSON(x.Request.Body.JSON, bayeux)
	x.Response.Body.JSON = r.redactJSON(x.Response.Body.JSON, bayeux)
	for _, hook := range r.hooks {
		hook(x, r)
	}
}

func (r *Redactor) redactHeader(h http.Header) {
	for _, name := range r.headers {
		for i, v := range h[name] {
			h[name][i] = r.redactHeaderValue(name, v)
		}
	}
}

// maxHeaderMemo bounds the memo of redacted header values (a recording has a few per
// account; values that change on every exchange only churn it); it starts afresh when full.
const maxHeaderMemo = 256

// redactHeaderValue redacts one value of a secret header. The same few values (an
// agent's credentials, a session cookie, a CSRF token) come back on every exchange, so
// the answer is remembered: a placeholder, once given, never changes.
func (r *Redactor) redactHeaderValue(name, v string) string {
	key := headerValue{name, v}
	r.mu.Lock()
	redacted, ok := r.headerMemo[key]
	r.mu.Unlock()
	if ok {
		return redacted
	}
	switch name {
	case "Authorization", "Proxy-Authorization":
		redacted = r.redactCredentials(v)
	case "Cookie":
		redacted = r.redactCookieHeader(v)
	case "Set-Cookie":
		redacted = r.redactSetCookie(v)
	default:
		redacted = r.Placeholder(v)
	}
	r.mu.Lock()
	if len(r.headerMemo) >= maxHeaderMemo {
		clear(r.headerMemo)
	}
	r.headerMemo[key] = redacted
	r.mu.Unlock()
	return redacted
}

type headerValue struct{ name, value string }

// redactCredentials keeps the scheme word ("Basic REDACTED-1"); for Basic it also learns
// the password, so a JSON field or query parameter carrying it gets the same placeholder.
func (r *Redactor) redactCredentials(v string) string {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return r.Placeholder(v)
	}
	if strings.EqualFold(scheme, "Basic") {
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
			if _, pw, ok := strings.Cut(string(raw), ":"); ok {
				r.placeholder(pw, false)
			}
		}
	}
	return scheme + " " + r.Placeholder(strings.TrimSpace(cred))
}

func (r *Redactor) redactCookieHeader(v string) string {
	parts := strings.Split(v, ";")
	for i, part := range parts {
		name, val, ok := strings.Cut(part, "=")
		if ok {
			parts[i] = name + "=" + r.Placeholder(val)
		}
	}
	return strings.Join(parts, ";")
}

func (r *Redactor) redactSetCookie(v string) string {
	first, attrs, _ := strings.Cut(v, ";")
	name, val, ok := strings.Cut(first, "=")
	if !ok {
		return v
	}
	out := name + "=" + r.Placeholder(val)
	if attrs != "" {
		out += ";" + attrs
	}
	return out
}

func (r *Redactor) redactQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, part := range parts {
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(key)
		if err != nil || !isSecretField(name) {
			continue
		}
		plain, err := url.QueryUnescape(val)
		if err != nil {
			plain = val
		}
		parts[i] = key + "=" + url.QueryEscape(r.Placeholder(plain))
	}
	return strings.Join(parts, "&")
}

func isSecretField(name string) bool {
	for _, f := range defaultSecretFields {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

// scannableKey picks the last segment of a pointer that can only be an object key and
// has one spelling in JSON text (printable ASCII without ", \ or /, which a writer may
// escape), quoted; "" when there is none.
func scannableKey(segs []string) string {
	for i := len(segs) - 1; i >= 0; i-- {
		seg := segs[i]
		if _, err := strconv.Atoi(seg); seg == "*" || err == nil {
			continue // matches an array index (or anything)
		}
		for j := 0; j < len(seg); j++ {
			if c := seg[j]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' {
				return ""
			}
		}
		return strconv.Quote(seg)
	}
	return ""
}

// mayNeedRedaction is the fast decision taken on every JSON body: false only when a byte
// scan proves no rule can match, so the body is kept as it is without being decoded.
// A rule's key can hide from a plain scan only behind a \u escape, or (for the fields
// compared with Unicode case folding) behind U+017F or U+212A, which fold to s and k:
// any of those sends the body down the full decode-redact-encode path. One pass looks
// for all of them, as it runs on every body recorded.
func (r *Redactor) mayNeedRedaction(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		for i < len(raw) && !mayStartSecretKey[raw[i]] {
			i++
		}
		if i == len(raw) {
			break
		}
		switch c := raw[i]; {
		case c == '\\':
			if i+1 < len(raw) && raw[i+1] == 'u' {
				return true
			}
		case c == 0xC5: // U+017F is C5 BF
			if i+1 < len(raw) && raw[i+1] == 0xBF {
				return true
			}
		case c == 0xE2: // U+212A is E2 84 AA
			if i+2 < len(raw) && raw[i+1] == 0x84 && raw[i+2] == 0xAA {
				return true
			}
		case secretFieldStart[c]:
			for _, f := range defaultSecretFields {
				if hasPrefixFoldASCII(raw[i:], f) {
					return true
				}
			}
		}
	}
	for _, key := range r.pointerKeys {
		if key == "" || bytes.Contains(raw, []byte(key)) {
			return true
		}
	}
	return false
}

// hasPrefixFoldASCII reports whether b starts with the lower-case ASCII letters of word in
// either case. (Setting bit 0x20 also folds a few non-letters onto letters: a false match
// only costs the body a full decode.)
func hasPrefixFoldASCII(b []byte, word string) bool {
	if len(b) < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		if b[j]|0x20 != word[j] {
			return false
		}
	}
	return true
}

// secretFieldStart marks the bytes a secret field name can start with, in either case;
// mayStartSecretKey adds the bytes mayNeedRedaction looks at for the other reasons.
var secretFieldStart, mayStartSecretKey = func() (fieldStart, watched [256]bool) {
	for _, f := range defaultSecretFields {
		fieldStart[f[0]], fieldStart[f[0]&^0x20] = true, true
	}
	watched = fieldStart
	watched['\\'], watched[0xC5], watched[0xE2] = true, true, true
	return fieldStart, watched
}()

// redactJSON rewrites a JSON body; it is left byte for byte when nothing matched.
func (r *Redactor) redactJSON(raw []byte, bayeux bool) []byte {
	if len(raw) == 0 || !r.mayNeedRedaction(raw) {
		return raw
	}
	doc, err := fixture.DecodeJSON(raw)
	if err != nil {
		return raw
	}
	changed := r.redactFields(doc)
	for _, p := range r.pointers {
		if bayeux {
			if msgs, ok := doc.([]any); ok {
				for _, m := range msgs {
					if obj, ok := m.(map[string]any); ok && obj["data"] != nil {
						var c bool
						obj["data"], c = r.redactPointer(obj["data"], p)
						changed = changed || c
					}
				}
				continue
			}
		}
		var c bool
		doc, c = r.redactPointer(doc, p)
		changed = changed || c
	}
	if !changed {
		return raw
	}
	out, err := encodeJSON(doc)
	if err != nil {
		return raw
	}
	return out
}

func (r *Redactor) redactFields(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if isSecretField(k) && child != nil {
				v[k] = r.secretValue(child)
				changed = true
				continue
			}
			changed = r.redactFields(child) || changed
		}
	case []any:
		for _, child := range v {
			changed = r.redactFields(child) || changed
		}
	}
	return changed
}

// secretValue replaces a JSON value by the placeholder of its text.
func (r *Redactor) secretValue(v any) any {
	if s, ok := v.(string); ok {
		return r.Placeholder(s)
	}
	text, _ := encodeJSON(v)
	return r.Placeholder(string(text))
}

func (r *Redactor) redactPointer(v any, segs []string) (any, bool) {
	if len(segs) == 0 {
		if v == nil {
			return v, false
		}
		return r.secretValue(v), true
	}
	seg, rest := segs[0], segs[1:]
	changed := false
	switch node := v.(type) {
	case map[string]any:
		for k, child := range node {
			if seg == "*" || seg == k {
				var c bool
				node[k], c = r.redactPointer(child, rest)
				changed = changed || c
			}
		}
	case []any:
		for i, child := range node {
			if seg == "*" || seg == strconv.Itoa(i) {
				var c bool
				node[i], c = r.redactPointer(child, rest)
				changed = changed || c
			}
		}
	}
	return v, changed
}

// parsePointer splits an RFC 6901 pointer into unescaped segments.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, fmt.Errorf("empty pointer (the whole body cannot be redacted this way)")
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("must start with /")
	}
	return jsonptr.Split(p), nil
}
