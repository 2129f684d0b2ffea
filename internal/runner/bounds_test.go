package runner

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// Bounded resources: whatever a target sends, an actor's stream, a failure's
// timeline and a scenario's trace stay within fixed bounds, and an exceeded
// bound is the target's failure with the figure.

// floodEvents is what a flooding target puts in front of every connect reply: n
// events on /v2/me/chats, as the bytes of array elements. Each is a valid
// notification of a type no scenario waits for (an invalid one would end the
// scenario at the first), and 140,000 of them fit in the Bayeux client's reply
// cap, so each reply is delivered whole.
func floodEvents(n int) []byte {
	event := `{"channel":"/v2/me/chats","data":{"messageType":"F"}}`
	return []byte(strings.TrimSuffix(strings.Repeat(event+",", n), ","))
}

// heapSampler records the largest live heap it sees until stopped.
func heapSampler() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(20 * time.Millisecond)
		defer ticker.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-ticker.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// A target that puts 200,000 junk events in every connect reply took the harness to
// 851 MiB (here 140,000 valid ones, each reply under the client's cap). Now the agent's stream stops at maxStreamEvents: the scenario fails on
// the flood, with the figure, in seconds, and the heap stays under 100 MiB
// throughout (the bound is on RSS; the heap is what the harness controls).
func TestNotificationFloodFailsWithTheFigureAndBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the harness")
	}
	junk := floodEvents(140_000)
	tg := embedded(t, refserver.Config{})
	front := rewritingProxy(t, tg, func(path string, body []byte) []byte {
		if !strings.HasPrefix(path, tg.NotificationsPath) || !bytes.Contains(body, []byte(`"/meta/connect"`)) || len(body) < 2 {
			return body
		}
		out := make([]byte, 0, len(junk)+len(body)+1)
		out = append(append(append(out, '['), junk...), ',')
		return append(out, body[1:]...)
	})
	sc := loadScenario(t, chatScenario(`
  - alice: {op: SendMessage, body: {text: hi}}
`))
	runtime.GC()
	stopSampling := heapSampler()
	start := time.Now()
	res := play(t, front, sc)
	took := time.Since(start)
	peak := stopSampling()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("flood: %s in %s, peak heap %d MiB, heap after GC %d MiB, reason %q, detail %d bytes",
		res.Outcome, took.Round(time.Millisecond), peak>>20, ms.HeapAlloc>>20, res.Reason, len(res.Detail))
	requireOutcome(t, res, report.Fail)
	requireContains(t, "reason", res.Reason, "notification stream stopped: more than 10000 notifications arrived in this scenario (a flood")
	if took > 60*time.Second {
		t.Errorf("the flood took %s to report, want well under a minute", took)
	}
	// The peak is sampled (every 20ms), so it can only be lower than the truth
	// between samples; without the stream's bound it passed 500 MiB.
	if peak > 100<<20 || ms.HeapAlloc > 100<<20 {
		t.Errorf("heap peaked at %d MiB and is %d MiB after GC, want both under 100 MiB", peak>>20, ms.HeapAlloc>>20)
	}
	if len(res.Detail) > 128<<10 {
		t.Errorf("detail is %d bytes, want it bounded", len(res.Detail))
	}
}

// The byte bound stops a stream of few but large notifications the same way.
func TestStreamByteBound(t *testing.T) {
	s := newStream(nil)
	big := strings.Repeat("x", 1<<20)
	for range 5 {
		s.add(time.Now(), "transcript", map[string]any{"text": big}, nil)
	}
	events, _, closed, err := s.snapshot()
	if !closed || len(events) != 3 || err == nil {
		t.Fatalf("want the stream ended after 3 events of 1 MiB, got %d events, closed %v, %v", len(events), closed, err)
	}
	requireContains(t, "error", err.Error(), "more than 4 MiB of transcript messages arrived in this scenario (a flood")
}

// A timeline of a flooded stream shows a bounded number of rows, keeps the ones
// with something to say, and says how many it left out.
func TestTimelineIsBounded(t *testing.T) {
	tl := timeline{actor: "alice", kind: "notifications", deadline: 5 * time.Second}
	for i := range maxStreamEvents {
		e := timelineEntry{seq: i, at: time.Duration(i) * time.Millisecond, summary: fmt.Sprintf("junk %d", i), mark: "unexpected"}
		if i == 5000 {
			e.mark = "matched x.yaml:3"
		}
		tl.entries = append(tl.entries, e)
	}
	out := renderTimeline(tl)
	rows := strings.Count(out, "\n  #")
	if rows > timelineRows {
		t.Errorf("%d rows, want at most %d", rows, timelineRows)
	}
	if len(out) > timelineBytes+4<<10 {
		t.Errorf("%d bytes, want about %d at most", len(out), timelineBytes)
	}
	requireContains(t, "timeline", out, "#1 ", "#10000", "#5001", "matched x.yaml:3", "more notifications not shown", "deadline")

	long := timeline{actor: "alice", kind: "notifications"}
	for i := range timelineRows {
		long.entries = append(long.entries, timelineEntry{seq: i, summary: strings.Repeat("y", 64), mark: strings.Repeat("m", 2000)})
	}
	out = renderTimeline(long)
	if len(out) > timelineBytes+4<<10 {
		t.Errorf("%d bytes with long marks, want about %d at most", len(out), timelineBytes)
	}
	requireContains(t, "timeline", out, "not shown (the timeline is cut at 64 KiB)")
}

// The trace (Runner.Log) of one scenario is bounded too: a flood wrote one line
// per junk notification.
func TestTraceIsBounded(t *testing.T) {
	var b bytes.Buffer
	rn := &run{r: &Runner{Log: &b}, start: time.Now()}
	for i := range 100_000 {
		rn.logf("alice <- /v2/me/chats %d", i)
	}
	if b.Len() > maxTraceBytes+1<<10 {
		t.Errorf("trace is %d bytes, want about %d", b.Len(), maxTraceBytes)
	}
	requireContains(t, "trace", b.String(), "the trace of this scenario is cut at 64 KiB")
}
