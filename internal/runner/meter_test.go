package runner

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMayBeHeldCountsOnlyImmediateBayeuxRequests(t *testing.T) {
	cases := []struct {
		body string
		held bool
	}{
		{`[{"channel":"/meta/handshake","version":"1.0"}]`, false},
		{`[{"channel":"/meta/subscribe","subscription":"/v2/me/chats"}]`, false},
		{`[{"channel":"/meta/disconnect"}]`, false},
		{`[{"channel":"/meta/connect","advice":{"interval":0,"timeout":0}}]`, false},
		{`[{"channel":"/meta/connect"}]`, true},
		{`[{"channel":"/meta/connect","advice":{"interval":0,"timeout":30000}}]`, true},
		{`[{"channel":"/meta/subscribe"},{"channel":"/meta/connect"}]`, true},
		{`not json`, true},
	}
	for _, c := range cases {
		req, err := http.NewRequest(http.MethodPost, "http://target/api/v2/notifications", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := mayBeHeld(req); got != c.held {
			t.Errorf("mayBeHeld(%s) = %v, want %v", c.body, got, c.held)
		}
		// The body must still be there for the real request.
		rest, _ := io.ReadAll(req.Body)
		if string(rest) != c.body {
			t.Errorf("mayBeHeld consumed the body: %q left of %q", rest, c.body)
		}
	}
}

// fixedTransport answers every request with the same body.
type fixedTransport string

func (f fixedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader([]byte(f))), Request: req}, nil
}

func TestMeterCountsARoundTripWhenTheAnswerIsRead(t *testing.T) {
	m := &meter{base: fixedTransport(`{"statusCode":0}`)}
	req, _ := http.NewRequest(http.MethodGet, "http://target/api/v2/me", nil)
	resp, err := m.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, n := m.totals(); n != 0 {
		t.Fatalf("%d requests counted before the answer was read, want 0", n)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	total, n := m.totals()
	if n != 1 {
		t.Fatalf("%d requests counted, want 1", n)
	}
	if busy := m.busyTime(); busy != total {
		t.Errorf("one request alone: busy %s, want its round trip %s", busy, total)
	}

	// A connect the server may hold goes around the meter.
	held, _ := http.NewRequest(http.MethodPost, "http://target/api/v2/notifications", strings.NewReader(`[{"channel":"/meta/connect"}]`))
	resp, err = bayeuxMeter{m}.RoundTrip(held)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, n := m.totals(); n != 1 {
		t.Errorf("a held connect was counted: %d requests, want 1", n)
	}
}
