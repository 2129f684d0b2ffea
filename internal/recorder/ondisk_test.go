package recorder

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// A recorder killed mid-session leaves every finished exchange readable: each line is
// written through as its exchange completes, before Close.
func TestExchangesAreOnDiskBeforeClose(t *testing.T) {
	up := fakeUpstream(t, nil)
	rec, proxy := startRecorder(t, up.URL, Options{})
	for range 3 {
		do(t, httpClient(), proxy, call{Method: "GET", Path: "/api/v2/me", User: "agent1", Password: "pw"})
	}
	rec.Sync()
	xs := readAllExchanges(t, rec.Dir()) // not closed yet
	if len(xs) != 3 || xs[2].Seq != 3 {
		t.Fatalf("read %d exchanges before Close, want 3", len(xs))
	}
	if _, err := os.Stat(filepath.Join(rec.Dir(), fixture.HARFile)); err == nil {
		t.Fatalf("HAR exists before Close")
	}
}
