package bayeux

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ClientOptions configures a Client. Zero values select the documented defaults.
type ClientOptions struct {
	HTTPClient *http.Client        // nil = a client with its own cookie jar
	Prepare    func(*http.Request) // adds auth, CSRF headers; nil = nothing
	// ConnectMargin is added to the advised timeout for each connect's deadline;
	// half of it is the longest advised interval the client waits between
	// connects (a longer one is capped and reported by Diagnosis); zero = 10s.
	ConnectMargin time.Duration
	// MaxReplyBytes is the largest response body the client reads; a longer one is
	// a *ProtocolError that stops the connect loop. Zero (or negative) =
	// DefaultMaxReplyBytes, 8 MiB.
	MaxReplyBytes int64
}

// messageBuffer is how many received events wait for the reader before the connect
// loop stops reading (back-pressure rather than unbounded memory).
const messageBuffer = 64

// Client is a Bayeux 1.0 long-polling client. After Handshake a goroutine keeps one
// connect outstanding and delivers every event to Messages(); Subscribe, Unsubscribe
// and Publish go out on their own requests meanwhile.
type Client struct {
	endpoint string
	httpc    *http.Client
	prepare  func(*http.Request)
	margin   time.Duration
	maxReply int64
	pace     pacing
	nextID   atomic.Uint64

	mu       sync.Mutex
	clientID string
	advice   Advice
	subs     []string // acknowledged subscriptions, in order, replayed after a re-handshake
	err      error
	trouble  error     // what degrades the running connect loop (see Diagnosis); nil = healthy
	inFlight time.Time // when the outstanding connect was sent; zero = none
	started  bool      // the connect loop runs (or ran); it closes loopDone
	stopped  bool      // Disconnect was called; a Handshake may no longer start the loop

	// ctx is cancelled by Disconnect or a fatal error; it ends the connect loop and
	// aborts the connect in flight.
	ctx    context.Context
	cancel context.CancelFunc

	deliverMu sync.RWMutex // write-held only to close messages; read-held while sending to it
	closed    bool         // guarded by deliverMu
	messages  chan Message

	loopDone       chan struct{}
	disconnectOnce sync.Once
}

// NewClient returns a client for the Bayeux endpoint URL. Nothing is sent until Handshake.
func NewClient(endpoint string, opts ClientOptions) *Client {
	httpc := opts.HTTPClient
	if httpc == nil {
		jar, _ := cookiejar.New(nil) // cookiejar.New never fails without a public suffix list
		httpc = &http.Client{Jar: jar}
	}
	margin := opts.ConnectMargin
	if margin <= 0 {
		margin = 10 * time.Second
	}
	maxReply := opts.MaxReplyBytes
	if maxReply <= 0 {
		maxReply = DefaultMaxReplyBytes
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		endpoint: endpoint,
		httpc:    httpc,
		prepare:  opts.Prepare,
		margin:   margin,
		maxReply: maxReply,
		pace:     defaultPacing,
		advice:   Advice{Reconnect: ReconnectRetry, Timeout: 30_000},
		ctx:      ctx,
		cancel:   cancel,
		messages: make(chan Message, messageBuffer),
		loopDone: make(chan struct{}),
	}
}

// Messages returns the events received on subscribed channels, in arrival order. It is
// closed after Disconnect or a fatal error (see Err).
func (c *Client) Messages() <-chan Message { return c.messages }

// Err tells why Messages was closed: nil after a clean Disconnect.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Diagnosis tells what is wrong with the notification endpoint, for a caller whose
// wait for an event failed: the error that stopped the client (as Err), else what
// degrades its connect loop now (connects failing, refused, answered at once with
// nothing, an advised interval past the cap, a connect unanswered past the advised
// timeout). Nil while the connects are healthy.
func (c *Client) Diagnosis() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if c.trouble != nil {
		return c.trouble
	}
	if !c.inFlight.IsZero() {
		timeout := time.Duration(c.advice.Timeout) * time.Millisecond
		if age := time.Since(c.inFlight); age > timeout+overdueGrace {
			return fmt.Errorf("bayeux: the connect sent %s ago is not answered in full yet, although the advised timeout is %s",
				age.Round(time.Millisecond), timeout)
		}
	}
	return nil
}

// setTrouble records (or, with nil, clears) what degrades the connect loop.
func (c *Client) setTrouble(err error) {
	c.mu.Lock()
	c.trouble = err
	c.mu.Unlock()
}

// ClientID returns the current Bayeux client id ("" before the handshake).
func (c *Client) ClientID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clientID
}

// Handshake opens the session and starts the connect loop, which runs until
// Disconnect or a fatal error.
func (c *Client) Handshake(ctx context.Context) error {
	c.mu.Lock()
	started, stopped := c.started, c.stopped
	c.mu.Unlock()
	switch {
	case started:
		return errors.New("bayeux: Handshake called twice on one Client")
	case stopped:
		return errors.New("bayeux: Handshake after Disconnect")
	}
	if err := c.handshake(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("bayeux: Disconnect called during Handshake")
	}
	c.started = true
	go c.loop()
	return nil
}

// handshake sends /meta/handshake and records the client id and advice.
func (c *Client) handshake(ctx context.Context) error {
	req := Message{
		Channel:                  ChannelHandshake,
		Version:                  "1.0",
		MinimumVersion:           "1.0",
		SupportedConnectionTypes: []string{ConnectionLongPolling},
	}
	reply, err := c.request(ctx, req)
	if errors.As(err, new(*ProtocolError)) {
		return fmt.Errorf("bayeux: %w", err) // it names the handshake reply and the URL
	}
	if err != nil {
		return fmt.Errorf("bayeux: handshake with %s: %w", c.endpoint, err)
	}
	if !reply.succeeded() {
		return &ReplyError{Channel: ChannelHandshake, Message: reply}
	}
	if reply.ClientID == "" {
		return fmt.Errorf("bayeux: handshake with %s: successful reply without clientId", c.endpoint)
	}
	c.mu.Lock()
	c.clientID = reply.ClientID
	if reply.Advice != nil {
		c.advice = mergeAdvice(c.advice, *reply.Advice)
	}
	c.mu.Unlock()
	return nil
}

// Subscribe subscribes to channel and waits for the server's acknowledgement.
func (c *Client) Subscribe(ctx context.Context, channel string) error {
	reply, err := c.request(ctx, Message{Channel: ChannelSubscribe, Subscription: channel})
	if err != nil {
		return fmt.Errorf("bayeux: subscribe %s: %w", channel, err)
	}
	if !reply.succeeded() {
		return &ReplyError{Channel: ChannelSubscribe, Message: reply}
	}
	c.mu.Lock()
	if !slices.Contains(c.subs, channel) {
		c.subs = append(c.subs, channel)
	}
	c.mu.Unlock()
	return nil
}

// Unsubscribe removes a subscription and waits for the acknowledgement.
func (c *Client) Unsubscribe(ctx context.Context, channel string) error {
	reply, err := c.request(ctx, Message{Channel: ChannelUnsubscribe, Subscription: channel})
	if err != nil {
		return fmt.Errorf("bayeux: unsubscribe %s: %w", channel, err)
	}
	if !reply.succeeded() {
		return &ReplyError{Channel: ChannelUnsubscribe, Message: reply}
	}
	c.mu.Lock()
	c.subs = slices.DeleteFunc(c.subs, func(s string) bool { return s == channel })
	c.mu.Unlock()
	return nil
}

// Publish sends data on channel and waits for the acknowledgement.
func (c *Client) Publish(ctx context.Context, channel string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("bayeux: publish %s: encoding data: %w", channel, err)
	}
	reply, err := c.request(ctx, Message{Channel: channel, Data: raw})
	if err != nil {
		return fmt.Errorf("bayeux: publish %s: %w", channel, err)
	}
	if !reply.succeeded() {
		return &ReplyError{Channel: channel, Message: reply}
	}
	return nil
}

// Disconnect stops the connect loop, tells the server and waits (within ctx) for the
// loop to end; Messages is closed afterwards. Calling it again does nothing.
func (c *Client) Disconnect(ctx context.Context) error {
	var sendErr error
	c.disconnectOnce.Do(func() {
		wasRunning := c.ctx.Err() == nil
		c.mu.Lock()
		c.stopped = true
		started, clientID := c.started, c.clientID
		c.mu.Unlock()
		if !started {
			// No loop will ever run: close what it would have closed.
			c.cancel()
			c.closeMessages()
			close(c.loopDone)
			return
		}
		// The held connect stays open while /meta/disconnect goes out: a server
		// answers it when the session ends, with whatever it still had to
		// deliver, and the loop hands those events on before it stops.
		// Cancelling it first would lose them.
		if wasRunning && clientID != "" {
			reply, err := c.request(ctx, Message{Channel: ChannelDisconnect})
			switch {
			case err != nil:
				sendErr = fmt.Errorf("bayeux: disconnect: %w", err)
			case !reply.succeeded():
				sendErr = &ReplyError{Channel: ChannelDisconnect, Message: reply}
			}
			if sendErr == nil {
				grace := time.NewTimer(c.margin)
				select {
				case <-c.loopDone:
				case <-grace.C: // a server that keeps the connect held: stop waiting
				case <-ctx.Done():
				}
				grace.Stop()
			}
		}
		c.cancel()
	})
	select {
	case <-c.loopDone:
	case <-ctx.Done():
		return fmt.Errorf("bayeux: disconnect: waiting for the connect loop: %w", ctx.Err())
	}
	return sendErr
}

// request sends one message (stamped with an id and the client id) and returns the
// reply with the same id. Events in the same response are delivered on the way.
func (c *Client) request(ctx context.Context, m Message) (Message, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.margin)
		defer cancel()
	}
	m.ID = c.newID()
	if m.Channel != ChannelHandshake {
		m.ClientID = c.ClientID()
		if m.ClientID == "" {
			return Message{}, errors.New("no session: Handshake first")
		}
	}
	replies, _, err := c.exchange(ctx, []Message{m})
	if err != nil {
		return Message{}, err
	}
	return findReply(replies, m)
}

// findReply picks the reply to m: same id, or failing that (peers that drop ids) the
// same channel.
func findReply(replies []Message, m Message) (Message, error) {
	for _, r := range replies {
		if r.ID == m.ID && r.Channel == m.Channel {
			return r, nil
		}
	}
	for _, r := range replies {
		if r.Channel == m.Channel && r.Successful != nil {
			return r, nil
		}
	}
	return Message{}, fmt.Errorf("no reply on %s with id %q in the response", m.Channel, m.ID)
}

func (c *Client) newID() string { return strconv.FormatUint(c.nextID.Add(1), 10) }

// deliver hands an event to the reader; false if the client is stopping.
func (c *Client) deliver(m Message) bool {
	c.deliverMu.RLock()
	defer c.deliverMu.RUnlock()
	if c.closed {
		return false
	}
	select {
	case c.messages <- m:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// closeMessages closes Messages once; c.ctx must already be cancelled so that a
// deliver blocked on a full channel lets go of deliverMu.
func (c *Client) closeMessages() {
	c.cancel()
	c.deliverMu.Lock()
	defer c.deliverMu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.messages)
	}
}

// fail records a fatal error and stops the client.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.cancel()
}

// ReplyError is an unsuccessful Bayeux reply.
type ReplyError struct {
	Channel string
	Message Message
}

func (e *ReplyError) Error() string {
	text := e.Message.Error
	if text == "" {
		text = "unsuccessful reply without error text"
	}
	if e.Message.Subscription != "" {
		return fmt.Sprintf("bayeux: %s %s: %s", e.Channel, e.Message.Subscription, text)
	}
	return fmt.Sprintf("bayeux: %s: %s", e.Channel, text)
}

// mergeAdvice overlays a server's advice on the current one, keeping the reconnect
// value when the server omits it.
func mergeAdvice(cur, next Advice) Advice {
	if next.Reconnect == "" {
		next.Reconnect = cur.Reconnect
	}
	return next
}
