package bayeux

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// MaxRequestBody is the largest request body the server reads; larger ones get HTTP 400.
const MaxRequestBody = 1 << 20

// MaxRequestMessages is the most messages one request may carry; more get HTTP 400.
// A client sends one to a handful (a handshake, a connect, a batch of subscribes);
// unbounded, a 1 MiB body of `{},` is 350,000 messages, 800 MiB of allocation and a
// 25 MB reply.
const MaxRequestMessages = 1000

// maxRequestContainers bounds the JSON objects and arrays of one request: each
// message is one, and ext values decode into maps and slices, which costs about 170
// bytes per object, so 1 MiB of `{}` in an ext would cost some 60 MiB.
const maxRequestContainers = 10000

// BrowserCookie is the cookie CometD servers use to recognise one browser.
const BrowserCookie = "BAYEUX_BROWSER"

// ServerOptions configures a Server. Zero values select the documented defaults.
type ServerOptions struct {
	Timeout     time.Duration // how long a connect is held; zero = 30s
	Interval    time.Duration // advised interval between connects; zero = 0
	MaxInterval time.Duration // a session with no connect for this long expires; zero = 10s

	// Authenticate runs on every HTTP request; an error answers HTTP 401. nil = everyone is "".
	Authenticate func(r *http.Request) (principal string, err error)
	// AuthorizeSubscribe refuses a subscription with "403::<error>". nil = any channel.
	AuthorizeSubscribe func(principal, channel string) error
	// AuthorizePublish refuses a client publish with "403::<error>". nil = any channel.
	AuthorizePublish func(principal, channel string) error
	// ConnectAdviceOnRequest sends advice on a successful /meta/connect reply only
	// when that connect carried advice, as cometd-nodejs-server does (the CometD JS
	// client sends advice on its first connect and keeps the last advice it got).
	// Handshake replies, refusals and reconnect "none" keep their advice.
	ConnectAdviceOnRequest bool
	// Rewrite gets the last look at every reply array before it is written (faults use it).
	Rewrite func(clientID string, reply []Message) []Message
	Logger  *slog.Logger
}

// Server is a Bayeux 1.0 long-polling server. It serves the path it is mounted on and
// every path below it, because the CometD JavaScript client appends /handshake,
// /connect, ... to the endpoint.
type Server struct {
	opts ServerOptions
	log  *slog.Logger

	mu          sync.Mutex
	sessions    map[string]*session
	byPrincipal map[string]map[*session]struct{}
	heldCount   int
	closed      bool
	done        chan struct{} // closed by Close: releases every held connect

	nextEventID uint64 // guarded by mu

	hooks testHooks
}

// testHooks let tests wait for internal events instead of sleeping. They are set
// before the server serves and must not block or call back into the server.
type testHooks struct {
	onHold   func(clientID string) // a connect is now held
	onRemove func(clientID string) // a session was removed (disconnect or expiry)
}

// NewServer returns a Server with opts' zero values replaced by the defaults.
func NewServer(opts ServerOptions) *Server {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Interval < 0 {
		opts.Interval = 0
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = 10 * time.Second
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{
		opts:        opts,
		log:         logger,
		sessions:    make(map[string]*session),
		byPrincipal: make(map[string]map[*session]struct{}),
		done:        make(chan struct{}),
	}
}

// ServeHTTP answers one Bayeux POST: a JSON array of messages (or one message object).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.isClosed() {
		writeHTTPError(w, http.StatusServiceUnavailable, "bayeux: server is closed")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeHTTPError(w, http.StatusMethodNotAllowed,
			fmt.Sprintf("bayeux: %s %s: only POST with a JSON array of messages is served (long-polling)", r.Method, r.URL.Path))
		return
	}
	principal := ""
	if s.opts.Authenticate != nil {
		p, err := s.opts.Authenticate(r)
		if err != nil {
			writeHTTPError(w, http.StatusUnauthorized, "bayeux: authentication failed: "+err.Error())
			return
		}
		principal = p
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeHTTPError(w, http.StatusBadRequest,
				fmt.Sprintf("bayeux: request body exceeds %d bytes", MaxRequestBody))
			return
		}
		writeHTTPError(w, http.StatusBadRequest, "bayeux: reading request body: "+err.Error())
		return
	}
	// Counted before decoding, so that refusing an oversized batch costs nothing.
	switch n, containers := countJSON(body); {
	case n > MaxRequestMessages:
		writeHTTPError(w, http.StatusBadRequest,
			fmt.Sprintf("bayeux: %d messages in one request; at most %d are served", n, MaxRequestMessages))
		return
	case containers > maxRequestContainers:
		writeHTTPError(w, http.StatusBadRequest,
			fmt.Sprintf("bayeux: %d JSON objects and arrays in one request; at most %d are served", containers, maxRequestContainers))
		return
	}
	msgs, err := decodeMessages(body)
	if err != nil {
		writeHTTPError(w, http.StatusBadRequest, "bayeux: "+err.Error())
		return
	}
	if len(msgs) == 0 {
		writeHTTPError(w, http.StatusBadRequest, "bayeux: empty message array")
		return
	}
	if _, err := r.Cookie(BrowserCookie); err != nil {
		http.SetCookie(w, &http.Cookie{Name: BrowserCookie, Value: randomID(), Path: "/", HttpOnly: true})
	}

	clientID, replies := s.process(r.Context(), principal, msgs)
	if s.opts.Rewrite != nil {
		replies = s.opts.Rewrite(clientID, replies)
	}
	if replies == nil {
		replies = []Message{}
	}
	out, err := json.Marshal(replies)
	if err != nil {
		s.log.Error("bayeux: encoding reply", "clientId", clientID, "err", err)
		writeHTTPError(w, http.StatusInternalServerError, "bayeux: encoding reply: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache")
	if _, err := w.Write(out); err != nil {
		s.log.Debug("bayeux: writing reply", "clientId", clientID, "err", err)
	}
}

// process answers every message of one request in order, except that a connect is
// answered last so that it does not delay the others while it is held. It returns
// the clientId the request is about (for Rewrite).
func (s *Server) process(ctx context.Context, principal string, msgs []Message) (string, []Message) {
	clientID := ""
	var replies []Message
	var connect *Message
	for i := range msgs {
		m := msgs[i]
		if clientID == "" {
			clientID = m.ClientID
		}
		if m.Channel == ChannelConnect {
			if connect != nil {
				replies = append(replies, failure(m, "400::only one /meta/connect per request", nil))
				continue
			}
			connect = &msgs[i]
			continue
		}
		reply := s.handle(principal, m)
		if m.Channel == ChannelHandshake && reply.succeeded() {
			clientID = reply.ClientID
		}
		replies = append(replies, reply)
	}
	if connect != nil {
		replies = append(replies, s.connect(ctx, principal, *connect)...)
	}
	return clientID, replies
}

// handle answers one message that is not a connect.
func (s *Server) handle(principal string, m Message) Message {
	switch m.Channel {
	case "":
		return failure(m, "400::message has no channel", nil)
	case ChannelHandshake:
		return s.handshake(principal, m)
	case ChannelSubscribe:
		return s.subscribe(principal, m)
	case ChannelUnsubscribe:
		return s.unsubscribe(principal, m)
	case ChannelDisconnect:
		return s.disconnect(principal, m)
	}
	if m.IsMeta() {
		return failure(m, "400::unknown meta channel "+m.Channel, nil)
	}
	return s.publishFromClient(principal, m)
}

// Deliver queues data on channel for every live session of principal subscribed to
// channel. Calls are delivered in call order.
func (s *Server) Deliver(principal, channel string, data any) {
	raw, ok := s.encodeData(channel, data)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.byPrincipal[principal] {
		if ss.subscribed(channel) {
			ss.enqueue(s.event(channel, raw, nil))
		}
	}
}

// Publish queues data on channel for every subscribed session.
func (s *Server) Publish(channel string, data any) {
	raw, ok := s.encodeData(channel, data)
	if !ok {
		return
	}
	s.broadcast(channel, raw, nil)
}

func (s *Server) broadcast(channel string, raw json.RawMessage, ext map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.subscribed(channel) {
			ss.enqueue(s.event(channel, raw, ext))
		}
	}
}

// event builds one data message; the caller holds s.mu.
func (s *Server) event(channel string, raw json.RawMessage, ext map[string]any) Message {
	s.nextEventID++
	return Message{Channel: channel, ID: strconv.FormatUint(s.nextEventID, 10), Data: raw, Ext: ext}
}

func (s *Server) encodeData(channel string, data any) (json.RawMessage, bool) {
	if raw, ok := data.(json.RawMessage); ok {
		// Checked here: one invalid event would otherwise break every reply carrying it.
		if !json.Valid(raw) {
			s.log.Error("bayeux: event data is not valid JSON; dropped", "channel", channel)
			return nil, false
		}
		return raw, true
	}
	raw, err := json.Marshal(data)
	if err != nil {
		s.log.Error("bayeux: cannot encode event data; dropped", "channel", channel, "err", err)
		return nil, false
	}
	return raw, true
}

// Sessions returns the number of live sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// heldConnects returns the number of connects currently held open.
func (s *Server) heldConnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heldCount
}

// Close releases every held connect, stops session expiry and makes later requests
// fail with HTTP 503. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	for _, ss := range s.sessions {
		ss.stopExpiry()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// advice is the server's standing advice with the given reconnect value.
func (s *Server) advice(reconnect string) *Advice {
	return &Advice{
		Reconnect: reconnect,
		Interval:  s.opts.Interval.Milliseconds(),
		Timeout:   s.opts.Timeout.Milliseconds(),
	}
}

// failure builds an unsuccessful reply to m: the channel, id and clientId echoed.
func failure(m Message, errText string, advice *Advice) Message {
	return Message{
		Channel:      m.Channel,
		ID:           m.ID,
		ClientID:     m.ClientID,
		Subscription: m.Subscription,
		Successful:   boolPtr(false),
		Error:        errText,
		Advice:       advice,
	}
}

// success builds a successful reply to m.
func success(m Message) Message {
	return Message{Channel: m.Channel, ID: m.ID, ClientID: m.ClientID, Successful: boolPtr(true)}
}

// writeHTTPError answers a request that is not valid Bayeux at all.
func writeHTTPError(w http.ResponseWriter, status int, text string) {
	body, _ := json.Marshal(map[string]any{"error": text, "status": status})
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// countJSON counts, without decoding or allocating, the messages of a request body
// (the elements of a top-level array, or 1 for a lone object) and its objects and
// arrays at any depth. Strings are skipped, escapes included; malformed JSON is
// counted as far as it goes and left to the decoder to refuse.
func countJSON(body []byte) (messages, containers int) {
	depth := 0
	topArray, inString, escaped := false, false, false
	for _, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if depth == 1 && topArray && messages == 0 && c != ']' {
			messages = 1 // the first element has begun
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth == 0 && containers == 0 {
				topArray = c == '['
				if !topArray {
					messages = 1
				}
			}
			containers++
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 && topArray {
				messages++
			}
		}
	}
	return messages, containers
}

// randomID returns 128 random bits in hex, for client ids and browser cookies.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
