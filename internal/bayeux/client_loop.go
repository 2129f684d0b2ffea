package bayeux

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Backoff after a failed connect or handshake, like the CometD JavaScript client:
// grows by backoffStep per failure up to backoffMax, reset by a success.
const (
	backoffStep = 500 * time.Millisecond
	backoffMax  = 5 * time.Second
)

// loop keeps one connect outstanding until Disconnect or a fatal error, following the
// server's advice after each reply.
func (c *Client) loop() {
	defer close(c.loopDone)
	defer c.closeMessages()

	first := true // ask for an immediate answer, so a (re)connection is confirmed at once
	var backoff time.Duration
	for {
		c.mu.Lock()
		interval := time.Duration(c.advice.Interval) * time.Millisecond
		c.mu.Unlock()
		if !c.sleep(interval + backoff) {
			return
		}
		reply, err := c.connectOnce(first)
		if c.ctx.Err() != nil {
			return
		}
		if err != nil {
			if isFatal(err) {
				c.fail(fmt.Errorf("bayeux: connect: %w", err))
				return
			}
			backoff = min(backoff+backoffStep, backoffMax)
			first = true
			continue
		}
		if reply.succeeded() {
			backoff = 0
			first = false
			continue
		}

		switch c.reconnectAdvice(reply) {
		case ReconnectNone:
			c.fail(fmt.Errorf("bayeux: server advised reconnect none: %w", &ReplyError{Channel: ChannelConnect, Message: reply}))
			return
		case ReconnectHandshake:
			if err := c.rehandshake(); err != nil {
				if isFatal(err) || errors.As(err, new(*ReplyError)) {
					c.fail(err)
					return
				}
				backoff = min(backoff+backoffStep, backoffMax)
			} else {
				backoff = 0
			}
			first = true
		default:
			backoff = min(backoff+backoffStep, backoffMax)
			first = true
		}
	}
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
// the margin, and returns the connect reply (events are delivered on the way).
func (c *Client) connectOnce(first bool) (Message, error) {
	c.mu.Lock()
	clientID := c.clientID
	deadline := time.Duration(c.advice.Timeout)*time.Millisecond + c.margin
	c.mu.Unlock()

	m := Message{Channel: ChannelConnect, ID: c.newID(), ClientID: clientID, ConnectionType: ConnectionLongPolling}
	if first {
		m.Advice = &Advice{Timeout: 0}
	}
	ctx, cancel := context.WithTimeout(c.ctx, deadline)
	defer cancel()
	replies, err := c.exchange(ctx, []Message{m})
	if err != nil {
		return Message{}, err
	}
	reply, err := findReply(replies, m)
	if err != nil {
		return Message{}, err
	}
	if reply.Advice != nil {
		c.mu.Lock()
		c.advice = mergeAdvice(c.advice, *reply.Advice)
		c.mu.Unlock()
	}
	return reply, nil
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
	replies, err := c.exchange(ctx, batch)
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
