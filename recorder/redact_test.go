package recorder

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestRedactionRulesAndStablePlaceholders(t *testing.T) {
	r, err := NewRedactor(RedactRules{
		Headers:      []string{"X-Api-Key"},
		JSONPointers: []string{"/userData/ssn", "/items/*/token"},
		Hooks: []func(*Exchange, *Redactor){func(x *Exchange, r *Redactor) {
			x.Request.Path = strings.ReplaceAll(x.Request.Path, "hook-secret", r.Placeholder("hook-secret"))
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := &Exchange{
		Kind: KindCustomer,
		Request: Request{
			Path:   "/api/v2/chats/hook-secret",
			Query:  "index=2&secureKey=sk-123456789",
			Header: http.Header{"X-Api-Key": {"key-abcdef"}, "Cookie": {"JSESSIONID=js-0000001; other=o-7777777"}},
			Body:   Body{JSON: []byte(`{"Password":"pw","userData":{"ssn":"123-45-6789"},"items":[{"token":"t-1111111"},{"token":"t-2222222"}]}`)},
		},
		Response: Response{
			Header: http.Header{"Set-Cookie": {"JSESSIONID=js-0000001; Path=/; HttpOnly"}},
			Body:   Body{JSON: []byte(`{"statusCode":0,"secureKey":"sk-123456789","note":"echo sk-123456789"}`)},
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
