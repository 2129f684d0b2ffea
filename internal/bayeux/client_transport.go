package bayeux

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxResponseBody bounds what the client reads from one response.
const maxResponseBody = 64 << 20

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

// exchange posts a batch of messages and returns the replies that are not events;
// events are delivered to Messages in the order they appear, wherever they are in
// the array (before or after the connect reply).
func (c *Client) exchange(ctx context.Context, batch []Message) ([]Message, error) {
	body, err := json.Marshal(batch)
	if err != nil {
		return nil, fmt.Errorf("encoding request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request for %q: %w", c.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if c.prepare != nil {
		c.prepare(req)
	}
	resp, err := c.httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return nil, fmt.Errorf("POST %s: reading response: %w", c.endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{URL: c.endpoint, Status: resp.StatusCode, Body: string(data[:min(len(data), 512)])}
	}
	if len(data) > maxResponseBody {
		return nil, fmt.Errorf("POST %s: response exceeds %d bytes", c.endpoint, maxResponseBody)
	}
	msgs, err := decodeMessages(data)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", c.endpoint, err)
	}
	replies := msgs[:0:0]
	for _, m := range msgs {
		if m.IsData() {
			c.deliver(m)
			continue
		}
		replies = append(replies, m)
	}
	return replies, nil
}

// isFatal reports whether an error means the client must stop instead of retrying.
func isFatal(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.fatal()
}
