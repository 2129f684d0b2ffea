package runner

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
)

// maxTranscriptAnswer bounds one answer kept whole in a transcript; a larger
// one is kept as its beginning, as text.
const maxTranscriptAnswer = 64 << 10

// transcriber collects a run's transcript when the Runner asks for one; the
// zero value (nil) records nothing.
type transcriber struct {
	mu    sync.Mutex
	start time.Time
	t     report.Transcript
}

func newTranscriber(want bool, name string, start time.Time) *transcriber {
	if !want {
		return nil
	}
	return &transcriber{start: start, t: report.Transcript{Scenario: name, Exchanges: []report.Exchange{}, Notifications: []report.Notification{}}}
}

func (tr *transcriber) ms(at time.Time) float64 {
	return float64(at.Sub(tr.start).Microseconds()) / 1000
}

// exchange records one request: body is what was sent (nil: none), resp nil
// when no answer came (err says why).
func (tr *transcriber) exchange(actor string, req request, url string, body []byte, started time.Time, resp *response, err error) {
	if tr == nil {
		return
	}
	x := report.Exchange{
		AtMs: tr.ms(started), Actor: actor, Purpose: string(req.purpose), Method: req.method, URL: displayURL(url),
	}
	if x.Purpose == "" {
		x.Purpose = "step"
	}
	if body != nil {
		x.Request = json.RawMessage(redactBody(body))
	}
	switch {
	case resp != nil:
		x.Status, x.DurationMs = resp.status, float64(resp.elapsed.Microseconds())/1000
		if resp.decodeErr == nil && len(resp.raw) > 0 && len(resp.raw) <= maxTranscriptAnswer {
			x.Answer = json.RawMessage(redactBody(resp.raw))
		} else if len(resp.raw) > 0 {
			x.AnswerText = abbreviate(redactBody(resp.raw), maxTranscriptAnswer)
		}
	case err != nil:
		x.Error = err.Error()
		x.DurationMs = float64(time.Since(started).Microseconds()) / 1000
	}
	tr.mu.Lock()
	tr.t.Exchanges = append(tr.t.Exchanges, x)
	tr.mu.Unlock()
}

// finish adds what every actor received, from where the scenario's part of
// its stream starts, and returns the transcript.
func (tr *transcriber) finish(actors []actor) *report.Transcript {
	if tr == nil {
		return nil
	}
	for _, a := range actors {
		c := a.core()
		if c.stream == nil {
			continue
		}
		c.stream.mu.Lock()
		for _, e := range c.stream.events[min(c.origin, len(c.stream.events)):] {
			tr.t.Notifications = append(tr.t.Notifications, report.Notification{
				AtMs: tr.ms(e.at), Actor: a.name(), Channel: e.channel, Data: e.value,
			})
		}
		c.stream.mu.Unlock()
	}
	return &tr.t
}
