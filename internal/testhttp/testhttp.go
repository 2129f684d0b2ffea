// Package testhttp is the small HTTP client of the recording and replay tests:
// one request with a JSON body and Basic credentials, its answer read whole.
// It is test support, imported only by _test files.
package testhttp

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Call is one request; an empty Body sends none, an empty User no credentials.
type Call struct {
	Method, Path, Body string
	Header             map[string]string
	User, Password     string
}

// Answer is what came back.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends c to base+c.Path with client within 10 s; any failure ends the test.
func Do(t testing.TB, client *http.Client, base string, c Call) Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, base+c.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.Method, c.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", c.Method, c.Path, err)
	}
	return Answer{resp.StatusCode, resp.Header, string(data)}
}
