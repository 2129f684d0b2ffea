package runner

import (
	"context"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	embeddedserver "github.com/gwsconform/gwsconform/internal/embedded"
	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// embedded starts the reference server for one test.
func embedded(t *testing.T, cfg refserver.Config) *target.Target {
	t.Helper()
	tg, stop, err := embeddedserver.Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("embedded.Start: %v", err)
	}
	t.Cleanup(stop)
	return tg
}

// loadScenario loads one inline scenario; the catalogue's fragments are available.
func loadScenario(t *testing.T, text string) *scenarios.Scenario {
	t.Helper()
	fsys := fstest.MapFS{"test.yaml": &fstest.MapFile{Data: []byte(strings.TrimLeft(text, "\n"))}}
	for _, name := range []string{"chat-in-progress", "agent-ready"} {
		data, err := fs.ReadFile(scenarios.Catalogue, "catalogue/fragments/"+name+".yaml")
		if err != nil {
			t.Fatalf("reading fragment %s: %v", name, err)
		}
		fsys["fragments/"+name+".yaml"] = &fstest.MapFile{Data: data}
	}
	scs, err := scenarios.Load(fsys)
	if err != nil {
		t.Fatalf("loading the test scenario: %v", err)
	}
	if len(scs) != 1 {
		t.Fatalf("loaded %d scenarios, want 1", len(scs))
	}
	return scs[0]
}

// logTo returns a writer for the run's trace: the test log when -v is set.
func logTo(t *testing.T) io.Writer {
	if os.Getenv("RUNNER_TRACE") != "" {
		return os.Stderr
	}
	return nil
}

func play(t *testing.T, tg *target.Target, sc *scenarios.Scenario) Result {
	t.Helper()
	r := &Runner{Target: tg, Log: logTo(t)}
	return r.Run(context.Background(), sc)
}
