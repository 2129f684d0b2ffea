// Package bayeux implements the Bayeux 1.0 protocol over HTTP long-polling: a Server
// (an http.Handler) and a Client. It is the notification transport of the GWS API:
// CometD-compatible on the wire, with the behaviours real peers depend on (see
// docs/bayeux.md).
package bayeux

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Meta channel names.
const (
	ChannelHandshake   = "/meta/handshake"
	ChannelConnect     = "/meta/connect"
	ChannelSubscribe   = "/meta/subscribe"
	ChannelUnsubscribe = "/meta/unsubscribe"
	ChannelDisconnect  = "/meta/disconnect"
)

// Reconnect advice values; the CometD JavaScript client throws on any other value.
const (
	ReconnectRetry     = "retry"
	ReconnectHandshake = "handshake"
	ReconnectNone      = "none"
)

// ConnectionLongPolling is the only connection type this package speaks.
const ConnectionLongPolling = "long-polling"

// Message is one Bayeux message, in either direction.
type Message struct {
	Channel                  string          `json:"channel"`
	ID                       string          `json:"id,omitempty"`
	ClientID                 string          `json:"clientId,omitempty"`
	Version                  string          `json:"version,omitempty"`
	MinimumVersion           string          `json:"minimumVersion,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	ConnectionType           string          `json:"connectionType,omitempty"`
	Subscription             string          `json:"subscription,omitempty"`
	Successful               *bool           `json:"successful,omitempty"`
	Error                    string          `json:"error,omitempty"`
	Advice                   *Advice         `json:"advice,omitempty"`
	Data                     json.RawMessage `json:"data,omitempty"`
	Ext                      map[string]any  `json:"ext,omitempty"`
}

// Advice tells a client how to reconnect. Interval and Timeout are milliseconds.
// Both are always written, because an explicit `timeout: 0` is meaningful: a client
// sends it to ask for an immediate connect reply.
type Advice struct {
	Reconnect string `json:"reconnect,omitempty"`
	Interval  int64  `json:"interval"`
	Timeout   int64  `json:"timeout"`
}

// IsMeta reports whether the message is on a /meta/ channel.
func (m Message) IsMeta() bool { return strings.HasPrefix(m.Channel, "/meta/") }

// IsData reports whether the message carries an event for subscribers rather than
// a reply to a request: a non-meta channel, data present and no `successful` field.
// A message without a channel is no event: there is no channel to deliver it on.
func (m Message) IsData() bool {
	return m.Channel != "" && !m.IsMeta() && m.Successful == nil && m.Data != nil
}

// succeeded is the `successful` field with absent meaning false.
func (m Message) succeeded() bool { return m.Successful != nil && *m.Successful }

func boolPtr(b bool) *bool { return &b }

// decodeMessages reads a request or response body: a JSON array of messages, or a
// single message object (accepted for lenient peers).
func decodeMessages(body []byte) ([]Message, error) {
	trimmed := strings.TrimLeft(string(body), " \t\r\n")
	if trimmed == "" {
		return nil, fmt.Errorf("empty body: expected a JSON array of Bayeux messages")
	}
	if trimmed[0] == '{' {
		var one Message
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, describeJSONError(err)
		}
		return []Message{one}, nil
	}
	var many []Message
	if err := json.Unmarshal(body, &many); err != nil {
		return nil, describeJSONError(err)
	}
	return many, nil
}

// describeJSONError adds the byte offset of the problem so the peer can find it.
func describeJSONError(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("malformed JSON at byte %d: %v", syntax.Offset, err)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("invalid Bayeux message at byte %d: field %s: got JSON %s, want %s",
			typeErr.Offset, field, typeErr.Value, typeErr.Type)
	}
	return fmt.Errorf("invalid Bayeux body: %v", err)
}

// channelMatches reports whether channel matches a subscription pattern: an exact
// name, `/a/*` (one more segment) or `/a/**` (any number of further segments).
func channelMatches(pattern, channel string) bool {
	if pattern == channel {
		return true
	}
	switch {
	case strings.HasSuffix(pattern, "/**"):
		prefix := strings.TrimSuffix(pattern, "**")
		return strings.HasPrefix(channel, prefix) && len(channel) > len(prefix)
	case strings.HasSuffix(pattern, "/*"):
		prefix := strings.TrimSuffix(pattern, "*")
		rest, ok := strings.CutPrefix(channel, prefix)
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	return false
}

// validChannel reports whether name is a syntactically valid channel name or pattern.
func validChannel(name string) bool {
	if !strings.HasPrefix(name, "/") || len(name) < 2 || strings.HasSuffix(name, "/") {
		return false
	}
	segments := strings.Split(name[1:], "/")
	for i, seg := range segments {
		if seg == "" {
			return false
		}
		if strings.Contains(seg, "*") && (i != len(segments)-1 || (seg != "*" && seg != "**")) {
			return false
		}
	}
	return true
}
