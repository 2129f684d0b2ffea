// Package recorder records GWS traffic through a reverse proxy into versioned fixtures,
// exports them as HAR 1.2, generates scenarios from them, and replays them as a mock target.
//
// A recording is a directory:
//
//	meta.json        {"format":"gwsconform.recording","version":1,"target","started","stopped"}
//	exchanges.jsonl  a header line, then one Exchange per line, appended as each completes
//	bayeux.jsonl     a header line, then one BayeuxMessage per line (Bayeux exchanges split up)
//	recording.har    HAR 1.2, written from exchanges.jsonl when the recording stops
//
// Secrets are redacted before anything reaches disk (see Redactor).
package recorder

import (
	"encoding/json"
	"net/http"
	"time"
)

// Version is the fixture format version this build writes and reads.
const Version = 1

// File names inside a recording directory.
const (
	MetaFile      = "meta.json"
	ExchangesFile = "exchanges.jsonl"
	BayeuxFile    = "bayeux.jsonl"
	HARFile       = "recording.har"
)

// Format names carried by each file's header, so a file is recognised on its own.
const (
	metaFormat      = "gwsconform.recording"
	exchangesFormat = "gwsconform.exchanges"
	bayeuxFormat    = "gwsconform.bayeux"
)

// Exchange kinds.
const (
	KindAgent    = "agent"
	KindCustomer = "customer"
	KindBayeux   = "bayeux"
)

// Bayeux message directions.
const (
	ToServer = "toServer"
	ToClient = "toClient"
)

// Meta describes a recording as a whole.
type Meta struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Target  string    `json:"target"`
	Started time.Time `json:"started"`
	Stopped time.Time `json:"stopped,omitzero"` // zero while recording (or after a crash)
}

// header is the first line of each .jsonl file.
type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// Exchange is one HTTP request and its response, as seen by the proxy, after redaction.
type Exchange struct {
	Seq        int64   `json:"seq"`        // 1, 2, ... in completion order
	StartMs    float64 `json:"startMs"`    // request arrival, ms since the recording started
	DurationMs float64 `json:"durationMs"` // until the response body was fully sent
	// AnswerMs is when the target's answer (its status and headers) reached the proxy, ms
	// since the start: before the client could see any of it, and after the target had
	// done what the request asked. Zero when the target never answered (and in older
	// recordings): see AnsweredMs.
	AnswerMs float64  `json:"answerMs,omitempty"`
	Kind     string   `json:"kind"`    // agent | customer | bayeux
	Account  string   `json:"account"` // agent username (never a password), or the customer's chat id
	Request  Request  `json:"request"`
	Response Response `json:"response"`
	Error    string   `json:"error,omitempty"` // why the proxy answered itself (e.g. target unreachable)
}

// EndMs is when the client had the whole response, ms since the recording started.
func (x *Exchange) EndMs() float64 { return x.StartMs + x.DurationMs }

// AnsweredMs is when the target's answer reached the proxy (AnswerMs), or EndMs when
// that was not recorded. It is the instant that orders the exchange against others
// causally: whatever the answer shows was done by the target before it, and whatever the
// client did in reaction to the answer started after it. EndMs cannot serve: the client
// may read the answer and send its next request before the proxy's handler notes the end.
func (x *Exchange) AnsweredMs() float64 {
	if x.AnswerMs > 0 {
		return x.AnswerMs
	}
	return x.EndMs()
}

// Request is the recorded request. Host is the client's Host header (the proxy's address as
// the client saw it), which the target used to build URIs.
type Request struct {
	Method string      `json:"method"`
	Host   string      `json:"host"`
	Path   string      `json:"path"`
	Query  string      `json:"query,omitempty"` // raw query, redacted
	Header http.Header `json:"headers"`
	Body   Body        `json:"body"`
}

// Response is the recorded response.
type Response struct {
	Status int         `json:"status"`
	Header http.Header `json:"headers"`
	Body   Body        `json:"body"`
}

// Body holds a captured body: JSON when it parsed as JSON, else Text (valid UTF-8) or
// Base64. Size is the full size on the wire; Truncated says the capture stopped at the cap.
// Encoding is the Content-Encoding (gzip or deflate) the body was decoded from for the
// record; absent when the bytes are recorded as they travelled (and in recordings made
// before it existed, which decoded gzip without saying so).
type Body struct {
	JSON      json.RawMessage `json:"json,omitempty"`
	Text      string          `json:"text,omitempty"`
	Base64    string          `json:"base64,omitempty"`
	Size      int64           `json:"size"`
	Truncated bool            `json:"truncated,omitempty"`
	Encoding  string          `json:"encoding,omitempty"`
}

// Bytes returns the body as captured (after redaction).
func (b Body) Bytes() []byte {
	switch {
	case b.JSON != nil:
		return b.JSON
	case b.Base64 != "":
		data, _ := base64Decode(b.Base64)
		return data
	default:
		return []byte(b.Text)
	}
}

// BayeuxMessage is one Bayeux message of a recorded Bayeux exchange.
type BayeuxMessage struct {
	Seq        int64           `json:"seq"`   // the exchange it travelled in
	Index      int             `json:"index"` // position in that exchange's messages of this direction
	AtMs       float64         `json:"atMs"`  // when it arrived at its receiver, ms since the start
	Account    string          `json:"account"`
	Direction  string          `json:"direction"` // toServer | toClient
	ClientID   string          `json:"clientId,omitempty"`
	Channel    string          `json:"channel"`
	ID         string          `json:"id,omitempty"`
	Successful *bool           `json:"successful,omitempty"`
	Error      string          `json:"error,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// IsMeta reports whether the message is Bayeux protocol traffic (handshake, connect, ...).
func (m *BayeuxMessage) IsMeta() bool {
	return len(m.Channel) >= 6 && m.Channel[:6] == "/meta/"
}
