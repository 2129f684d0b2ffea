package suite

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
)

// syncBuffer is written by the watcher's goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Without a terminal, progress is one line per finished scenario, counted.
func TestProgressLinesCountFinishedScenarios(t *testing.T) {
	var out syncBuffer
	p := newProgress(&out, false, 12)
	p.started("a")
	p.step("a", "step 1 of 3, alice Accept")
	p.finished("a", report.Pass, 1500*time.Millisecond)
	p.finished("b", report.Fail, 20*time.Millisecond)
	want := "[ 1/12] pass  a (1.5s)\n[ 2/12] fail  b (20ms)\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// On a terminal the line is redrawn in place and names what plays now.
func TestProgressInPlaceNamesTheCurrentStep(t *testing.T) {
	var out syncBuffer
	p := newProgress(&out, true, 3)
	p.started("consult")
	p.step("consult", "step 2 of 9, alice Consult")
	p.end()
	got := out.String()
	if !strings.Contains(got, "\r\x1b[K[0/3]") || !strings.Contains(got, "consult: step 2 of 9, alice Consult") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("in-place output %q", got)
	}
}

// A sharded run's parent learns what its children finished from the claims
// directory alone.
func TestWatchClaimsReportsWhatTheChildrenFinished(t *testing.T) {
	dir := t.TempDir()
	claims := &Claims{Dir: dir}
	queue := []string{"first", "second"}
	var out syncBuffer
	p := newProgress(&out, false, len(queue))
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() { watchClaims(dir, queue, p, stop); close(watched) }()
	for i := range queue {
		if mine, err := claims.Take(i); !mine || err != nil {
			t.Fatalf("Take(%d) = %v, %v", i, mine, err)
		}
		if err := claims.Done(i, report.Pass, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	close(stop) // the watcher reads once more before it returns
	<-watched
	got := out.String()
	if !strings.Contains(got, "[1/2] pass  ") || !strings.Contains(got, "[2/2] pass  ") || !strings.Contains(got, "first") || !strings.Contains(got, "second") {
		t.Errorf("progress %q, want both scenarios finished", got)
	}
}
