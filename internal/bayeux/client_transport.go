package bayeux

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gwsconform/gwsconform/internal/bytesize"
	"io"
	"net/http"
	"strings"
)

// DefaultMaxReplyBytes is the largest response body the client reads when
// ClientOptions.MaxReplyBytes is zero. A connect reply of the GWS API carries a few
// notifications of a few KiB each; 8 MiB is thousands of them, and keeps a hostile
// or broken server from taking the harness's memory.
const DefaultMaxReplyBytes = 8 << 20

// maxExtraReplies is how many non-event messages a response may hold beyond one per
// request message. A conforming server sends exactly one reply per request; the
// margin tolerates chatty peers while bounding what is kept in memory.
const maxExtraReplies = 8

// StatusError is an HTTP answer other than 200 from the Bayeux endpoint.
type StatusError struct {
	URL    string
	Status int
	Body   string // the first 512 bytes, for the error message
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("POST %s: HTTP %d: %s", e.URL, e.Status, strings.TrimSpace(e.Body))
}

// fatal reports whether retrying cannot help: the server refuses who we are.
func (e *StatusError) fatal() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// ProtocolError is a 200 answer that is not a Bayeux response: not a JSON array of
// messages, larger than the client's cap, or holding a message no Bayeux peer
// sends. Retrying cannot help, so the connect loop stops on it; the text says what
// was received, for the target's vendor.
type ProtocolError struct {
	URL  string
	Text string // what is wrong, e.g. "connect reply larger than 8 MiB"
}

func (e *ProtocolError) Error() string { return e.Text + " (POST " + e.URL + ")" }

// errTooLarge is returned by capReader past the cap.
var errTooLarge = errors.New("reply exceeds the client's cap")

// capReader reads at most limit bytes of r, then fails with errTooLarge unless r is
// at its end: a body of exactly limit bytes is accepted.
type capReader struct {
	r    io.Reader
	left int64
	read int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n == 0 && err != nil {
			return 0, err
		}
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.read += int64(n)
	return n, err
}

// exchange posts a batch of messages and returns the replies that are not events,
// and how many events it delivered. Events go to Messages in the order they appear,
// wherever they are in the array (before or after the connect reply), as the body
// is decoded: a reply is never held whole in memory.
func (c *Client) exchange(ctx context.Context, batch []Message) ([]Message, int, error) {
	body, err := json.Marshal(batch)
	if err != nil {
		return nil, 0, fmt.Errorf("encoding request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("building request for %q: %w", c.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if c.prepare != nil {
		c.prepare(req)
	}
	resp, err := c.httpc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, 0, &StatusError{URL: c.endpoint, Status: resp.StatusCode, Body: string(data)}
	}
	d := replyDecoder{c: c, what: replyName(batch), contentType: resp.Header.Get("Content-Type"), requests: len(batch)}
	return d.decode(&capReader{r: resp.Body, left: c.maxReply})
}

// replyName names the response for error texts by the batch's first request:
// "connect reply", "handshake reply", "subscribe reply", or "reply on /channel".
func replyName(batch []Message) string {
	if len(batch) == 0 {
		return "reply"
	}
	if name, ok := strings.CutPrefix(batch[0].Channel, "/meta/"); ok {
		return name + " reply"
	}
	return "reply on " + batch[0].Channel
}

// replyDecoder walks one response body message by message.
type replyDecoder struct {
	c           *Client
	what        string // e.g. "connect reply"
	contentType string
	requests    int
}

func (d *replyDecoder) protocol(format string, args ...any) error {
	return &ProtocolError{URL: d.c.endpoint, Text: d.what + " " + fmt.Sprintf(format, args...)}
}

func (d *replyDecoder) decode(body *capReader) ([]Message, int, error) {
	br := bufio.NewReader(body)
	if err := d.checkStart(br, body); err != nil {
		return nil, 0, err
	}
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // the '[' checkStart saw
		return nil, 0, d.readError(err, body)
	}
	var replies []Message
	events, n := 0, 0
	for dec.More() {
		var m Message
		if err := dec.Decode(&m); err != nil {
			return nil, events, d.readError(err, body)
		}
		n++
		switch {
		case m.Channel == "":
			// Neither a reply (no meta channel to match) nor an event (no channel
			// to deliver on): a subscriber would receive it on no channel at all.
			return nil, events, d.protocol("holds a message without a channel (message %d, ending at byte %d)", n, dec.InputOffset())
		case m.IsData():
			if !d.c.deliver(m) {
				return nil, events, errors.New("client stopped")
			}
			events++
		default:
			if len(replies) >= d.requests+maxExtraReplies {
				return nil, events, d.protocol("holds more than %d replies to %d request message(s)", d.requests+maxExtraReplies, d.requests)
			}
			replies = append(replies, m)
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, events, d.readError(err, body)
	}
	// Only whitespace may follow the array.
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, events, d.readError(err, body)
		}
		return nil, events, d.protocol("has data after its JSON array, at byte %d: %v", dec.InputOffset(), tok)
	}
	return replies, events, nil
}

// checkStart looks at the first non-space byte, so that what is not a JSON array is
// named for what it is rather than by a decoder message.
func (d *replyDecoder) checkStart(br *bufio.Reader, body *capReader) error {
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return d.protocol("is empty (%d bytes, whitespace only): expected a JSON array of Bayeux messages", body.read)
		}
		if err != nil {
			return d.readError(err, body)
		}
		if b == ' ' || b == '\t' || b == '\r' || b == '\n' {
			continue
		}
		_ = br.UnreadByte()
		head, _ := br.Peek(80)
		switch {
		case b == '[':
			return nil
		case b == '<':
			return &ProtocolError{URL: d.c.endpoint, Text: fmt.Sprintf(
				"the notification endpoint answered HTML instead of a JSON array (%s, Content-Type %q): %q",
				d.what, d.contentType, truncate(string(head), 60))}
		case b == '{':
			return d.protocol("is a JSON object, not an array (Bayeux sends messages as a JSON array): %q", truncate(string(head), 60))
		default:
			return d.protocol("is not a JSON array (Content-Type %q): it begins %q", d.contentType, truncate(string(head), 60))
		}
	}
}

// readError classifies an error met while decoding: past the cap, or malformed JSON,
// is the server's protocol error; anything else (a cut connection, a deadline) is
// the transport's and may be retried.
func (d *replyDecoder) readError(err error, body *capReader) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errTooLarge):
		return d.protocol("larger than %s (the client's cap): stopped reading after %d bytes",
			bytesize.Format(d.c.maxReply), body.read)
	case errors.As(err, &syntax):
		return d.protocol("is malformed JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(a message)"
		}
		return d.protocol("holds an invalid Bayeux message at byte %d: field %s: got JSON %s, want %s",
			typeErr.Offset, field, typeErr.Value, typeErr.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("POST %s: %s cut after %d bytes: %w", d.c.endpoint, d.what, body.read, err)
	}
	return fmt.Errorf("POST %s: reading the %s after %d bytes: %w", d.c.endpoint, d.what, body.read, err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// isFatal reports whether an error means the client must stop instead of retrying:
// the server refuses who we are, or does not speak Bayeux.
func isFatal(err error) bool {
	var se *StatusError
	var pe *ProtocolError
	return (errors.As(err, &se) && se.fatal()) || errors.As(err, &pe)
}
