package recorder

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// startRecorder serves a Recorder for target in a fresh directory and returns its URL;
// cleanup stops the server first (so held requests end), then closes the recorder.
func startRecorder(t *testing.T, target string, opts Options) (*Recorder, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	opts.Target = u
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	rec, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec)
	t.Cleanup(func() {
		srv.Close()
		rec.Close()
	})
	return rec, srv.URL
}

// stopRecorder ends the recording now (instead of at cleanup) so the files are final.
func stopRecorder(t *testing.T, rec *Recorder) {
	t.Helper()
	if err := rec.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

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

func readAllExchanges(t *testing.T, dir string) []*fixture.Exchange {
	t.Helper()
	var out []*fixture.Exchange
	warnings, err := fixture.ReadExchanges(dir, func(x *fixture.Exchange) error {
		out = append(out, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("unexpected warnings: %v", warnings)
	}
	return out
}

func readAllBayeux(t *testing.T, dir string) []*fixture.BayeuxMessage {
	t.Helper()
	var out []*fixture.BayeuxMessage
	if _, err := fixture.ReadBayeux(dir, func(m *fixture.BayeuxMessage) error {
		out = append(out, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

func urlParse(s string) (*url.URL, error) { return url.Parse(s) }
