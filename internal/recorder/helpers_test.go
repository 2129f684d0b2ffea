package recorder

import (
	"github.com/gwsconform/gwsconform/internal/testhttp"
	"net/http"
	"net/http/httptest"
	"net/url"
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

type (
	call   = testhttp.Call
	answer = testhttp.Answer
)

func do(t *testing.T, client *http.Client, base string, c call) answer {
	t.Helper()
	return testhttp.Do(t, client, base, c)
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
