package replay

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A small HTTP client for the tests (the recorder tests have the same).

type call struct {
	method, path, body string
	header             map[string]string
	user, password     string
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, client *http.Client, base string, c call) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", c.method, c.path, err)
	}
	return answer{resp.StatusCode, resp.Header, string(data)}
}

func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
