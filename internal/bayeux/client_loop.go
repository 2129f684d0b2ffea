package bayeux

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// pacing spaces the connects that do not go well, and bounds how many of one bad
// kind in a row the loop accepts before it stops with a diagnosis. Tests shorten it.
type pacing struct {
	// After a failed connect (no answer, a cut connection, an HTTP error) the wait
	// grows by failStep per failure up to failMax, like the CometD JavaScript client.
	failStep, failMax time.Duration
	// After a refused connect (402 and the like), or a successful one answered at
	// once with nothing although the advice asks the server to hold it, the wait
	// doubles from quickMin up to quickMax (or is the advised interval, if longer).
	// Such answers are cheap for the server, so without this the loop would spin:
	// thousands of connects, or handshake cycles, a second.
	quickMin, quickMax time.Duration
	// bound is how many consecutive connects of one bad kind end the client. 40 is
	// far past any legitimate burst (one session loss costs one refusal; a server
	// answers a held connect early a few times at most), and with the waits above
	// 40 take about 35s (failures: about 3 minutes), so a server that recovers
	// has time to; a broken one stops being polled.
	bound int
}

var defaultPacing = pacing{
	failStep: 500 * time.Millisecond, failMax: 5 * time.Second,
	quickMin: 50 * time.Millisecond, quickMax: time.Second,
	bound: 40,
}

// overdueGrace is how long past the advised timeout an unanswered connect may be
// before Diagnosis calls it overdue: network latency, not a server holding too long.
const overdueGrace = 500 * time.Millisecond

// heldFloor: a connect answered after half the advised timeout, or after this,
// whichever is shorter, was held by the server (not answered at once).
const heldFloor = 500 * time.Millisecond

// maxAdviceMillis bounds advised durations before they are converted, so an absurd
// value cannot overflow time.Duration.
const maxAdviceMillis = int64(24 * time.Hour / time.Millisecond)

func millis(ms int64) time.Duration {
	return time.Duration(min(max(ms, 0), maxAdviceMillis)) * time.Millisecond
}

// streaks counts consecutive connects of each bad kind; any other outcome of a
// connect resets the counts that no longer hold.
type streaks struct {
	failed  int // no usable answer
	refused int // an unsuccessful reply
	unheld  int // successful, at once, nothing delivered, no interval advised
}

// loop keeps one connect outstanding until Disconnect or a fatal error, following the
// server's advice after each reply.
func (c *Client) loop() {
	defer close(c.loopDone)
	defer c.closeMessages()

	first := true // ask for an immediate answer, so a (re)connection is confirmed at once
	// The handshake's advised interval applies before the first connect too.
	wait, trouble := c.interval()
	c.setTrouble(trouble)
	var st streaks
	for {
		if !c.sleep(wait) || c.isStopped() {
			return
		}
		c.mu.Lock()
		timeout := millis(c.advice.Timeout)
		c.mu.Unlock()
		start := time.Now()
		reply, events, err := c.connectOnce(first)
		took := time.Since(start)
		if c.ctx.Err() != nil || c.isStopped() {
			return
		}
		var trouble, stop error
		wait, trouble, stop = c.next(&st, first, reply, events, err, took, timeout)
		if stop != nil {
			c.fail(stop)
			return
		}
		c.setTrouble(trouble)
		first = err != nil || !reply.succeeded()
	}
}

// isStopped reports whether Disconnect was called: the connect that was held
// then is the last one.
func (c *Client) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// next judges one connect's outcome: how long to wait before the next connect, what
// degrades the loop now (nil = healthy), or why it must stop.
func (c *Client) next(st *streaks, first bool, reply Message, events int, err error, took, timeout time.Duration) (wait time.Duration, trouble, stop error) {
	if err != nil {
		if isFatal(err) {
			if errors.As(err, new(*ProtocolError)) {
				return 0, nil, fmt.Errorf("bayeux: %w", err) // its text names the connect reply
			}
			return 0, nil, fmt.Errorf("bayeux: connect: %w", err)
		}
		st.failed++
		if st.failed >= c.pace.bound {
			return 0, nil, fmt.Errorf("bayeux: %d consecutive connects failed; the last: %w", st.failed, err)
		}
		wait = min(time.Duration(st.failed)*c.pace.failStep, c.pace.failMax)
		return wait, fmt.Errorf("bayeux: %d consecutive connect(s) failed; the last: %w", st.failed, err), nil
	}
	st.failed = 0
	interval, trouble := c.interval()

	if reply.succeeded() {
		st.refused = 0
		held := timeout > 0 && took >= min(timeout/2, heldFloor)
		if first || events > 0 || held || interval >= c.pace.quickMin {
			// Confirmed, delivered, held as advised, or paced by the server's interval.
			st.unheld = 0
			return interval, trouble, nil
		}
		st.unheld++
		pattern := fmt.Errorf("bayeux: %d consecutive connects were answered at once with no events, "+
			"although the advice (timeout %s, interval %s) asks the server to hold them", st.unheld, timeout, interval)
		if st.unheld >= c.pace.bound {
			return 0, nil, fmt.Errorf("%w: the server does not hold connects", pattern)
		}
		return max(interval, c.quick(st.unheld)), pattern, nil
	}

	st.unheld = 0
	st.refused++
	label := refusalLabel(reply)
	advice := c.reconnectAdvice(reply)
	if advice == ReconnectNone {
		return 0, nil, fmt.Errorf("bayeux: server advised reconnect none: %w", &ReplyError{Channel: ChannelConnect, Message: reply})
	}
	if st.refused >= c.pace.bound {
		how := "retrying as advised"
		if advice == ReconnectHandshake {
			how = "handshaking again after each, as advised"
		}
		return 0, nil, fmt.Errorf("bayeux: %s to %d consecutive connects (%s)", label, st.refused, how)
	}
	refusal := fmt.Errorf("bayeux: %s to %d consecutive connect(s)", label, st.refused)
	if advice == ReconnectHandshake {
		if err := c.rehandshake(); err != nil {
			if isFatal(err) || errors.As(err, new(*ReplyError)) {
				return 0, nil, err
			}
			refusal = fmt.Errorf("%w; handshaking again failed: %w", refusal, err)
		}
	}
	// A capped interval stays named: a long wait may be why the session was lost.
	return max(interval, c.quick(st.refused)), also(refusal, trouble), nil
}

// quick is the wait after the n-th consecutive cheap bad answer: quickMin doubled
// n-1 times, at most quickMax.
func (c *Client) quick(n int) time.Duration {
	d := c.pace.quickMin
	for i := 1; i < n && d < c.pace.quickMax; i++ {
		d *= 2
	}
	return min(d, c.pace.quickMax)
}

// interval is the advised interval, capped at half the connect margin (5s by
// default): an absurd advice (an hour) must not stall the notifications, and a
// wait as long as the margin would outlast CometD's default session expiry
// (maxInterval, 10s), turning one bad advice into a 402. The cap is reported.
func (c *Client) interval() (time.Duration, error) {
	c.mu.Lock()
	ms := c.advice.Interval
	c.mu.Unlock()
	limit := c.margin / 2
	if ms > limit.Milliseconds() {
		return limit, fmt.Errorf("bayeux: advice interval %d ms exceeds the client's cap of %s (half its connect margin); waiting %s between connects instead",
			ms, limit, limit)
	}
	return millis(ms), nil
}

// also appends a further trouble to one already known, on one line.
func also(trouble, more error) error {
	if more == nil {
		return trouble
	}
	return fmt.Errorf("%w; %w", trouble, more)
}

// refusalLabel renders a Bayeux error ("402::Unknown client") as "402 Unknown client".
func refusalLabel(reply Message) string {
	text := reply.Error
	if text == "" {
		return "an unsuccessful reply without error text"
	}
	parts := strings.SplitN(text, ":", 3)
	if len(parts) == 3 && parts[0] != "" && parts[2] != "" {
		return parts[0] + " " + parts[2]
	}
	return strconv.Quote(text)
}

// sleep waits d, returning false if the client stopped meanwhile.
func (c *Client) sleep(d time.Duration) bool {
	if d <= 0 {
		return c.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// connectOnce sends one /meta/connect with a deadline of the advised timeout plus
// the margin, and returns the connect reply and how many events came with it
// (they are delivered on the way).
func (c *Client) connectOnce(first bool) (Message, int, error) {
	c.mu.Lock()
	clientID := c.clientID
	deadline := millis(c.advice.Timeout) + c.margin
	c.inFlight = time.Now()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inFlight = time.Time{}
		c.mu.Unlock()
	}()

	m := Message{Channel: ChannelConnect, ID: c.newID(), ClientID: clientID, ConnectionType: ConnectionLongPolling}
	if first {
		m.Advice = &Advice{Timeout: 0}
	}
	ctx, cancel := context.WithTimeout(c.ctx, deadline)
	defer cancel()
	replies, events, err := c.exchange(ctx, []Message{m})
	if err != nil {
		return Message{}, events, err
	}
	reply, err := findReply(replies, m)
	if err != nil {
		return Message{}, events, err
	}
	if reply.Advice != nil {
		c.mu.Lock()
		c.advice = mergeAdvice(c.advice, *reply.Advice)
		c.mu.Unlock()
	}
	return reply, events, nil
}

// reconnectAdvice is the advice that applies to a failed reply: its own, or the last known.
func (c *Client) reconnectAdvice(reply Message) string {
	if reply.Advice != nil && reply.Advice.Reconnect != "" {
		return reply.Advice.Reconnect
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advice.Reconnect
}

// rehandshake opens a new session after the server lost ours and replays every
// acknowledged subscription in one batch. A refused resubscription is a ReplyError.
func (c *Client) rehandshake() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.margin)
	defer cancel()
	if err := c.handshake(ctx); err != nil {
		var re *ReplyError
		if errors.As(err, &re) && re.Message.Advice != nil && re.Message.Advice.Reconnect != ReconnectNone {
			return fmt.Errorf("bayeux: re-handshake refused, will retry: %s", re.Message.Error)
		}
		return err
	}
	c.mu.Lock()
	clientID := c.clientID
	subs := append([]string(nil), c.subs...)
	c.mu.Unlock()
	if len(subs) == 0 {
		return nil
	}
	batch := make([]Message, len(subs))
	for i, ch := range subs {
		batch[i] = Message{Channel: ChannelSubscribe, ID: c.newID(), ClientID: clientID, Subscription: ch}
	}
	replies, _, err := c.exchange(ctx, batch)
	if err != nil {
		return fmt.Errorf("bayeux: resubscribing after re-handshake: %w", err)
	}
	for _, m := range batch {
		reply, err := findReplyBySubscription(replies, m)
		if err != nil {
			return fmt.Errorf("bayeux: resubscribing after re-handshake: %w", err)
		}
		if !reply.succeeded() {
			return &ReplyError{Channel: ChannelSubscribe, Message: reply}
		}
	}
	return nil
}

// findReplyBySubscription finds the subscribe reply for m by id, or by subscription
// for peers that drop ids.
func findReplyBySubscription(replies []Message, m Message) (Message, error) {
	for _, r := range replies {
		if r.ID == m.ID && r.Channel == m.Channel {
			return r, nil
		}
	}
	for _, r := range replies {
		if r.Channel == m.Channel && r.Subscription == m.Subscription {
			return r, nil
		}
	}
	return Message{}, fmt.Errorf("no reply to the subscription to %s (id %q)", m.Subscription, m.ID)
}
