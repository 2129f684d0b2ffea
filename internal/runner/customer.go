package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// pollEvery is how often a customer's transcript is read while the scenario waits
// on it and nothing else triggered a read. Customers have no push channel, so
// reading the transcript is the only way to see it grow. Reads are event-driven
// (see poller); this ticker is only the fallback for a target that changes the
// transcript after it answered the request that caused the change. A variable so
// the tests can prove nothing else depends on it.
var pollEvery = 25 * time.Millisecond

// customerHeaders are the headers of every customer request.
func (rn *run) customerHeaders() http.Header {
	h := http.Header{}
	if rn.t.ContactCenterID != "" {
		h.Set("ContactCenterId", rn.t.ContactCenterID)
	}
	return h
}

// poller reads one customer chat's transcript into the actor's stream. It reads
// when poked: right after the chat is requested, after every request the scenario
// makes (any of them may change the transcript), and when an await or a barrier on
// the customer starts. While such a wait is in progress it also reads every
// pollEvery, for changes the target makes later on its own. It never reads
// back-to-back without a reason: a poke arriving during a read causes exactly one
// more read.
type poller struct {
	rn     *run
	a      *actor
	chatID string
	key    string

	mu    sync.Mutex // one read at a time; guards next and ended
	next  int        // the next message index to ask for
	ended bool       // the chat reached state Idle

	kick    chan struct{} // holds one pending "read now"
	waiters atomic.Int32  // waits on this transcript in progress

	stop chan struct{}
	done chan struct{}
}

// startPolling begins reading chatID's transcript for customer a, at once.
func (rn *run) startPolling(a *actor) {
	if a.poller != nil {
		a.poller.halt()
	}
	p := &poller{rn: rn, a: a, chatID: a.chatID, key: a.secureKey, next: 1,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	a.poller = p
	p.poke()
	go p.loop()
}

// poke asks for a read as soon as the current one (if any) is done.
func (p *poller) poke() {
	select {
	case p.kick <- struct{}{}:
	default: // a read is already pending
	}
}

// pokeCustomers asks every customer's poller for a read: the scenario just made a
// request that may have changed any transcript.
func (rn *run) pokeCustomers() {
	for _, a := range rn.order {
		if !a.isAgent() && a.poller != nil {
			a.poller.poke()
		}
	}
}

// waitOn is stream.waitFor on actor a's stream; for a customer it reads the
// transcript at once and keeps the fallback ticker reading until the wait ends.
// It also ends, with the problem, as soon as any actor's stream receives what
// decides the scenario's verdict anyway (checkStream: a payload its schema
// refuses, a repeated message index, a transcript that stopped): the same
// problem would fail the scenario after the step, and a target that breaks a
// step many scenarios share would otherwise cost each of them the whole wait,
// reported as the missing notification instead of its cause.
func (rn *run) waitOn(ctx context.Context, step *scenarios.Step, a *actor, deadline time.Time, check func(events []event) bool) (waitResult, *problem) {
	var decided *problem
	settled := func(events []event) bool {
		if check(events) {
			return true
		}
		for _, o := range rn.order {
			seen := events
			if o != a {
				seen, _, _, _ = o.stream.snapshot()
			}
			if decided = rn.checkStream(step, o, seen); decided != nil {
				return true
			}
		}
		return false
	}
	if p := a.poller; p != nil && !a.isAgent() {
		if events, _, _, _ := a.stream.snapshot(); settled(events) {
			return waitFound, decided // already read: no request needed
		}
		p.waiters.Add(1)
		defer p.waiters.Add(-1)
		p.poke()
	}
	return a.stream.waitFor(ctx, deadline, settled), decided
}

func (p *poller) loop() {
	defer close(p.done)
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
		case <-ticker.C:
			if p.waiters.Load() == 0 {
				continue // nobody is waiting: the next request or wait will poke
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-p.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		ended, err := p.read(ctx)
		cancel()
		if err != nil {
			select {
			case <-p.stop: // the read was cut short by the end of the scenario
			default:
				p.a.stream.close(err)
			}
			return
		}
		if ended {
			p.a.stream.close(nil)
			return
		}
		ticker.Reset(pollEvery) // the fallback counts from the last read
	}
}

// halt stops polling and waits for the loop to finish.
func (p *poller) halt() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

func (p *poller) hasEnded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended
}

// read fetches the messages from p.next on and appends the new ones. It reports
// whether the chat has ended (state Idle).
func (p *poller) read(ctx context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return true, nil
	}
	rn := p.rn
	query := url.Values{"index": {strconv.Itoa(p.next)}, "secureKey": {p.key}}
	resp, err := rn.send(ctx, p.a, request{
		method: http.MethodGet,
		url:    rn.t.CustomerURL() + "/api/v2/chats/" + pathEscape(p.chatID) + "/messages",
		query:  query, header: rn.customerHeaders(), auth: authNone,
		purpose: gws.PurposePoll,
	})
	if err != nil {
		return false, err
	}
	if resp.status != http.StatusOK {
		return false, fmt.Errorf("GET /api/v2/chats/%s/messages answered HTTP %d, want 200: %s", p.chatID, resp.status, abbreviate(string(resp.raw), 300))
	}
	if err := schemas.Validate("response/customer-messages", resp.body); err != nil {
		return false, fmt.Errorf("GET /api/v2/chats/%s/messages answer %v", p.chatID, err)
	}
	body := asObject(resp.body)
	messages, _ := body["messages"].([]any)
	at := time.Now()
	prev, prevAt := -1, 0 // the answer's last index: within one answer indexes increase (notes/message-indexes)
	for i, m := range messages {
		index, ok := messageIndex(m)
		if ok && prev >= 0 && index <= prev {
			return false, fmt.Errorf("GET /api/v2/chats/%s/messages answered messages[%d] with index %d after messages[%d] with index %d: a repeated or decreasing index (message indexes increase: notes/message-indexes)", p.chatID, i, index, prevAt, prev)
		}
		if ok {
			prev, prevAt = index, i
		}
		if ok && index < p.next {
			continue // a target may repeat messages it already sent; the transcript is what counts
		}
		if ok {
			p.next = index + 1
		} else {
			p.next++
		}
		p.a.stream.add(at, "transcript", m, schemas.Validate("customer-message", m))
		rn.logf("%s <- transcript %s", p.a.name(), summarize(m))
	}
	if body["state"] == "Idle" {
		p.ended = true
	}
	return p.ended, nil
}

func messageIndex(m any) (int, bool) {
	f, ok := asObject(m)["index"].(float64)
	if !ok || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

// cleanupCustomer stops polling and completes a chat that is still open, so it
// is not routed to an agent of a later scenario. Best effort.
func (rn *run) cleanupCustomer(ctx context.Context, a *actor) {
	if a.poller == nil {
		return
	}
	ended := a.poller.hasEnded()
	a.poller.halt()
	if ended {
		return
	}
	body := map[string]any{"operationName": "Complete", "secureKey": a.secureKey}
	resp, err := rn.send(ctx, a, request{method: http.MethodPost, url: rn.t.CustomerURL() + "/api/v2/chats/" + pathEscape(a.chatID),
		body: body, hasBody: true, header: rn.customerHeaders(), auth: authNone, purpose: gws.PurposeCleanup})
	if err != nil {
		rn.logf("cleanup %s: Complete: %v", a.name(), err)
	} else if !is2xx(resp.status) {
		rn.logf("cleanup %s: Complete answered HTTP %d", a.name(), resp.status)
	}
}
