package suite

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
)

// progress tells a person how far a run is: on a terminal one line, redrawn
// in place (scenario n of N, elapsed, an estimate of what is left, what is
// playing now); elsewhere one line per finished scenario. A nil *progress
// says nothing, so callers need no check.
type progress struct {
	w       io.Writer
	inPlace bool
	total   int
	start   time.Time

	mu      sync.Mutex
	done    int
	playing map[string]string // scenario name -> its current step ("" before the first)
	latest  string            // the scenario that last started or stepped: the one shown
	drawn   bool
}

func newProgress(w io.Writer, inPlace bool, total int) *progress {
	if w == nil {
		return nil
	}
	return &progress{w: w, inPlace: inPlace, total: total, start: time.Now(), playing: map[string]string{}}
}

func (p *progress) started(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.playing[name], p.latest = "", name
	p.draw()
}

// step notes the step a scenario is at ("file:line: step 3 (alice Accept)").
func (p *progress) step(name, where string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.playing[name]; ok {
		p.playing[name], p.latest = where, name
		p.draw()
	}
}

func (p *progress) finished(name string, outcome report.Outcome, took time.Duration) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.playing, name)
	p.done++
	if !p.inPlace {
		width := len(strconv.Itoa(p.total))
		fmt.Fprintf(p.w, "[%*d/%d] %-5s %s (%s)\n", width, p.done, p.total, outcome, name, took.Round(time.Millisecond))
		return
	}
	p.draw()
}

// end clears the line drawn in place, so the summary starts on a clean one.
func (p *progress) end() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inPlace && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func (p *progress) draw() {
	if !p.inPlace {
		return
	}
	elapsed := time.Since(p.start)
	left := "?"
	if p.done > 0 {
		left = "~" + (elapsed / time.Duration(p.done) * time.Duration(p.total-p.done)).Round(time.Second).String()
	}
	line := fmt.Sprintf("[%d/%d] %s elapsed, %s left", p.done, p.total, elapsed.Round(time.Second), left)
	if where, ok := p.playing[p.latest]; ok {
		line += " | " + p.latest
		if where != "" {
			line += ": " + where
		}
		if len(p.playing) > 1 {
			line += fmt.Sprintf(" (+%d more)", len(p.playing)-1)
		}
	}
	const width = 160 // a terminal line; the rest would wrap and break the redraw
	if len(line) > width {
		line = line[:width-1] + "…"
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// The children of a sharded run tell their parent what they finished through
// the queue's claims directory: a file "done-N" beside the claim "N", holding
// the outcome and the duration. The parent watches the directory.
const doneMark = "done-"

// Done records that the child finished queue position i.
// The mark is written aside and renamed, so the parent never reads half of it.
func (c *Claims) Done(i int, outcome report.Outcome, took time.Duration) error {
	final := filepath.Join(c.Dir, doneMark+strconv.Itoa(i))
	if err := os.WriteFile(final+".tmp", fmt.Appendf(nil, "%s %d", outcome, took.Milliseconds()), 0o600); err != nil {
		return err
	}
	return os.Rename(final+".tmp", final)
}

// watchClaims reports, until stop is closed, the scenarios of queue the
// children claim and finish in dir.
func watchClaims(dir string, queue []string, p *progress, stop <-chan struct{}) {
	if p == nil {
		return
	}
	claimed, finished := map[int]bool{}, map[int]bool{}
	scan := func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			name := e.Name()
			done := strings.HasPrefix(name, doneMark)
			i, err := strconv.Atoi(strings.TrimPrefix(name, doneMark))
			if err != nil || i < 0 || i >= len(queue) {
				continue
			}
			switch {
			case done && !finished[i]:
				finished[i] = true
				data, _ := os.ReadFile(filepath.Join(dir, name))
				var outcome string
				var ms int64
				fmt.Sscanf(string(data), "%s %d", &outcome, &ms)
				p.finished(queue[i], report.Outcome(outcome), time.Duration(ms)*time.Millisecond)
			case !done && !claimed[i]:
				claimed[i] = true
				p.started(queue[i])
			}
		}
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		scan()
		select {
		case <-stop:
			scan() // what finished since the last tick
			return
		case <-tick.C:
		}
	}
}
