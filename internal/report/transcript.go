package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TranscriptDir is where a bundle keeps one transcript per scenario played.
const TranscriptDir = "transcripts"

// Transcript is what the harness sent and received while playing one
// scenario, redacted: no credentials (they travel in headers, which it does
// not keep) and no secureKey. Times are milliseconds since the scenario
// started, so a reviewer can line the answers and notifications up.
type Transcript struct {
	Scenario      string         `json:"scenario"`
	Exchanges     []Exchange     `json:"exchanges"`
	Notifications []Notification `json:"notifications"`
}

// Exchange is one HTTP request of a scenario and its answer.
type Exchange struct {
	AtMs       float64         `json:"atMs"`
	DurationMs float64         `json:"durationMs"`
	Actor      string          `json:"actor"`
	Purpose    string          `json:"purpose"` // step, setup, poll, barrier, cleanup (internal/gws)
	Method     string          `json:"method"`
	URL        string          `json:"url"`
	Request    json.RawMessage `json:"request,omitempty"`
	Status     int             `json:"status,omitempty"`
	Answer     json.RawMessage `json:"answer,omitempty"`
	AnswerText string          `json:"answerText,omitempty"` // an answer that is not JSON
	Error      string          `json:"error,omitempty"`      // no answer: why
}

// Notification is one event an actor received: a Bayeux message's data, or
// a customer transcript message.
type Notification struct {
	AtMs    float64 `json:"atMs"`
	Actor   string  `json:"actor"`
	Channel string  `json:"channel"`
	Data    any     `json:"data"`
}

// TranscriptFile is the path, inside a bundle, of the transcript of the
// scenario of that name.
func TranscriptFile(scenario string) string {
	var b strings.Builder
	for _, r := range scenario {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	return TranscriptDir + "/" + b.String() + ".json"
}

// WriteTranscript writes t into the bundle dir at TranscriptFile.
func WriteTranscript(dir string, t *Transcript) (string, error) {
	rel := TranscriptFile(t.Scenario)
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return "", fmt.Errorf("transcript of %q: %w", t.Scenario, err)
	}
	return rel, os.WriteFile(path, append(data, '\n'), 0o644)
}
