package recorder

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

func TestRedactionRulesAndStablePlaceholders(t *testing.T) {
	r, err := NewRedactor(RedactRules{
		Headers:      []string{"X-Api-Key"},
		JSONPointers: []string{"/userData/ssn", "/items/*/token"},
		Hooks: []func(*fixture.Exchange, *Redactor){func(x *fixture.Exchange, r *Redactor) {
			x.Request.Path = strings.ReplaceAll(x.Request.Path, "hook-secret", r.Placeholder("hook-secret"))
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := &fixture.Exchange{
		Kind: fixture.KindCustomer,
		Request: fixture.Request{
			Path:   "/api/v2/chats/hook-secret",
			Query:  "index=2&secureKey=sk-123456789",
			Header: http.Header{"X-Api-Key": {"key-abcdef"}, "Cookie": {"JSESSIONID=js-0000001; other=o-7777777"}},
			Body:   fixture.Body{JSON: []byte(`{"Password":"pw","userData":{"ssn":"123-45-6789"},"items":[{"token":"t-1111111"},{"token":"t-2222222"}]}`)},
		},
		Response: fixture.Response{
			Header: http.Header{"Set-Cookie": {"JSESSIONID=js-0000001; Path=/; HttpOnly"}},
			Body:   fixture.Body{JSON: []byte(`{"statusCode":0,"secureKey":"sk-123456789","note":"echo sk-123456789"}`)},
		},
	}
	r.Redact(x)
	line, _ := json.Marshal(x)
	line = r.Sweep(line)
	for _, secret := range []string{"key-abcdef", "js-0000001", "o-7777777", "sk-123456789", "123-45-6789", "t-1111111", "t-2222222", "hook-secret", `"pw"`} {
		if strings.Contains(string(line), secret) {
			t.Errorf("%q survived redaction: %s", secret, line)
		}
	}
	// The same secret gets the same placeholder everywhere.
	cookiePH := r.Placeholder("js-0000001")
	if x.Request.Header.Get("Cookie") != "JSESSIONID="+cookiePH+"; other="+r.Placeholder("o-7777777") ||
		x.Response.Header.Get("Set-Cookie") != "JSESSIONID="+cookiePH+"; Path=/; HttpOnly" {
		t.Errorf("cookies: %q / %q", x.Request.Header.Get("Cookie"), x.Response.Header.Get("Set-Cookie"))
	}
	keyPH := r.Placeholder("sk-123456789")
	if x.Request.Query != "index=2&secureKey="+keyPH || !strings.Contains(string(x.Response.Body.JSON), `"secureKey":"`+keyPH+`"`) {
		t.Errorf("secureKey: query %q, body %s", x.Request.Query, x.Response.Body.JSON)
	}
	if !strings.Contains(string(line), "echo "+keyPH) {
		t.Errorf("the sweep did not replace the echoed secureKey: %s", line)
	}
	if _, err := NewRedactor(RedactRules{JSONPointers: []string{"no-slash"}}); err == nil {
		t.Errorf("a pointer without a leading / was accepted")
	}
}

// Most JSON bodies are written as captured after a byte scan finds nothing any rule could
// match. A secret must never slip past that scan: each body below holds one behind a key
// the scan has to recognise (plain, in another case, \u-escaped, Unicode-folded, named by a
// pointer, under an array index), and the upstream echoes it back, so it is in the
// request and the response. None reaches the file; the body without one is kept byte for
// byte.
func TestFastPathDecisionStillRedacts(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.Copy(w, r.Body)
	}))
	defer upstream.Close()
	rec, proxy := startRecorder(t, upstream.URL, Options{Redact: RedactRules{JSONPointers: []string{"/userData/ssn", "/tokens/1", "/*/deep"}}})
	bodies := map[string]string{
		"fold-Secret-1":    `{"PASSWORD":"fold-Secret-1"}`,
		"escaped-Secret-2": `{"pass\u0077ord":"escaped-Secret-2"}`,
		"kelvin-Secret-3":  `{"secure` + "\u212a" + `ey":"kelvin-Secret-3"}`,
		"long-s-Secret-4":  `{"` + "\u017f" + `ecurekey":"long-s-Secret-4"}`,
		"pointer-Secret-5": `{"userData":{"ssn":"pointer-Secret-5"},"text":"hi"}`,
		"index-Secret-6":   `{"tokens":["public","index-Secret-6"]}`,
		"wild-Secret-7":    `{"a":{"deep":"wild-Secret-7"}}`,
		"escaped-Secret-8": `{"userData":{"s\u0073n":"escaped-Secret-8"}}`,
		"spaced-Secret-9":  "{ \"userData\" : { \"ssn\" : \"spaced-Secret-9\" } }",
		"mixed-Secret-10":  `{"a":[{"SeCuReKeY":"mixed-Secret-10"}]}`,
		"end-Secret-11":    `["x",{"b":1,"Password":"end-Secret-11"}]`,
	}
	// Holds the pointer keys' names and "<&>" (written escaped), but not as keys.
	clean := `{"operationName":"SendMessage","text":"ssn, deep and tokens are not keys & <b>here</b>"}`
	for _, body := range bodies {
		do(t, http.DefaultClient, proxy, call{Method: "POST", Path: "/api/v2/me/chats/1", Body: body})
	}
	do(t, http.DefaultClient, proxy, call{Method: "POST", Path: "/api/v2/me/chats/1", Body: clean})
	stopRecorder(t, rec)
	data, err := os.ReadFile(filepath.Join(rec.Dir(), fixture.ExchangesFile))
	if err != nil {
		t.Fatal(err)
	}
	for secret := range bodies {
		if strings.Contains(string(data), secret) {
			t.Errorf("%q reached the recording:\n%s", secret, data)
		}
	}
	xs := readAllExchanges(t, rec.Dir())
	last := xs[len(xs)-1]
	if !sameJSON(last.Request.Body.JSON, clean) || !sameJSON(last.Response.Body.JSON, clean) {
		t.Errorf("a body without secrets was changed: %s / %s", last.Request.Body.JSON, last.Response.Body.JSON)
	}
	// ... and it took the fast path: the very bytes are kept, not a re-encoding.
	r := rec.Redactor()
	raw := []byte(clean)
	if r.mayNeedRedaction(raw) {
		t.Errorf("%s: the scan asked for a decode though no rule can match", raw)
	}
	if got := r.redactJSON(raw, false); &got[0] != &raw[0] {
		t.Errorf("%s: redaction copied a body it had nothing to do on", raw)
	}
}

func sameJSON(a []byte, b string) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal([]byte(b), &vb) == nil && reflect.DeepEqual(va, vb)
}

// Header values are remembered in a bounded memo; past the bound (here, more distinct
// tokens than it holds) a value still gets the placeholder it had, and no two values
// share one.
func TestHeaderPlaceholdersStableBeyondTheMemo(t *testing.T) {
	r, err := NewRedactor(RedactRules{})
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]string{}
	seen := map[string]string{}
	for pass := range 2 {
		for i := range maxHeaderMemo + 50 {
			token := fmt.Sprintf("csrf-token-%04d", i)
			h := http.Header{"X-Csrf-Token": {token}}
			r.redactHeader(h)
			got := h["X-Csrf-Token"][0]
			if pass == 0 {
				if other, dup := seen[got]; dup {
					t.Fatalf("%s and %s both became %s", other, token, got)
				}
				seen[got], first[token] = token, got
				continue
			}
			if got != first[token] {
				t.Fatalf("%s became %s, then %s", token, first[token], got)
			}
		}
	}
}
