package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// pollEvery is how often a customer's transcript is read while the scenario waits
// on it and nothing else triggered a read. Customers have no push channel, so
// reading the transcript is the only way to see it grow. Reads are event-driven
// (see poller); this ticker is only the fallback for a target that changes the
// transcript after it answered the request that caused the change. A variable so
// the tests can prove nothing else depends on it.
var pollEvery = 25 * time.Millisecond

// customer is a customer actor: it has no account; it requests a chat, and the
// harness reads the chat's transcript for it.
type customer struct {
	actorCore
	chatID    string
	secureKey string
	poller    *poller
}

var customerTraits = traits{
	caller:   gws.CustomerCaller,
	stream:   "transcript",
	event:    "transcript message",
	timeline: "transcript",
}

func (c *customer) traits() *traits { return &customerTraits }

func (c *customer) key() string { return c.secureKey }

// setup: a customer has nothing to set up; its chat starts with RequestChat.
func (c *customer) setup(context.Context, *run) error { return nil }

func (c *customer) endpoint(rn *run) (string, http.Header, string) {
	return rn.t.CustomerURL(), rn.customerHeaders(), authNone
}

// authorize: a customer has no credentials; its chat's secureKey is in the
// request (injection).
func (c *customer) authorize(*run, *http.Request, request) *http.Client { return c.client }

// injection: a customer's requests carry its nickname, its chat's secureKey and,
// where op carries one, its routing hint.
func (c *customer) injection(rn *run, step *scenarios.Step, op gws.Op) (gws.Injection, error) {
	in := gws.Injection{RouteKey: rn.t.RouteKey(), Nickname: c.nickname(), SecureKey: c.secureKey}
	if slices.Contains(op.Injected, gws.RoutingField) {
		route, err := c.route(rn, step)
		if err != nil {
			return in, err
		}
		in.Route = route
	}
	return in, nil
}

// route is the customer's routeTo as the target reads it: agent actors by
// username, anything else ({{queue1}}, a literal queue name) as expanded,
// comma-separated.
func (c *customer) route(rn *run, step *scenarios.Step) (string, error) {
	var names []string
	for _, entry := range c.spec.RouteTo {
		if other, ok := rn.actors[entry]; ok {
			ag, isAgent := other.(*agent)
			if !isAgent {
				return "", scenarioError(step, "%s routes to %s, which is not an agent", c.name(), entry)
			}
			names = append(names, ag.account.Username)
			continue
		}
		v, err := match.Expand(entry, rn.vars)
		if err != nil {
			return "", matchProblem(step, err)
		}
		names = append(names, stringify(v))
	}
	return strings.Join(names, ","), nil
}

// answered: a chat the customer requested is its chat from now on, and its
// transcript is read.
func (c *customer) answered(rn *run, op gws.Op, resp *response) {
	if op.Dialect != gws.RequestChat.Dialect || op.Name != gws.RequestChat.Name {
		return
	}
	body := asObject(resp.body)
	id, _ := body["id"].(string)
	key, _ := body["secureKey"].(string)
	if id == "" {
		return
	}
	c.chatID, c.secureKey = id, key
	rn.startPolling(c)
}

// follow reads the transcript at once and keeps the fallback ticker reading
// until the wait ends: nothing is pushed to a customer.
func (c *customer) follow() func() {
	p := c.poller
	if p == nil {
		return func() {} // no chat yet: no transcript to read
	}
	p.waiters.Add(1)
	p.poke()
	return func() { p.waiters.Add(-1) }
}

// checkDelivery: a transcript is checked where it is read (poller.read): a
// repeat across reads is filtered there, one within an answer ends the
// transcript.
func (c *customer) checkDelivery(*run, *scenarios.Step, []event) error { return nil }

func (c *customer) currentChat() (string, string) {
	return c.chatID, "has no chat yet; call RequestChat first"
}

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
	c      *customer
	chatID string
	key    string

	mu    sync.Mutex // one read at a time; guards next and ended
	next  int        // the next message index to ask for
	ended bool       // the chat reached state Idle
	last  int        // GMS: the highest index added to the stream (nextPosition may lag)

	kick    chan struct{} // holds one pending "read now"
	waiters atomic.Int32  // waits on this transcript in progress

	stop chan struct{}
	done chan struct{}

	// readFn reads the transcript once (nil: read, the GWS customer API's
	// GetMessages); it holds mu while it reads.
	readFn func(ctx context.Context) (bool, error)
}

// startPolling begins reading the transcript of customer c's chat, at once.
func (rn *run) startPolling(c *customer) { rn.startPollingWith(c, nil) }

// startPollingWith is startPolling with the transcript read by read(p) (nil:
// the GWS customer API's).
func (rn *run) startPollingWith(c *customer, read func(p *poller) func(context.Context) (bool, error)) {
	if c.poller != nil {
		c.poller.halt()
	}
	p := &poller{rn: rn, c: c, chatID: c.chatID, key: c.secureKey, next: 1,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if read != nil {
		p.readFn = read(p)
	}
	c.poller = p
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
	for _, c := range rn.customers {
		if c.poller != nil {
			c.poller.poke()
		}
	}
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
		ended, err := p.fetch(ctx)
		cancel()
		if err != nil {
			select {
			case <-p.stop: // the read was cut short by the end of the scenario
			default:
				p.c.stream.close(err)
			}
			return
		}
		if ended {
			p.c.stream.close(nil)
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

// fetch reads the transcript once, with the customer API's reader.
func (p *poller) fetch(ctx context.Context) (bool, error) {
	if p.readFn != nil {
		return p.readFn(ctx)
	}
	return p.read(ctx)
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
	resp, err := rn.send(ctx, p.c, request{
		method: http.MethodGet,
		url:    rn.t.CustomerURL() + "/api/v2/chats/" + pathEscape(p.chatID) + "/messages",
		query:  query, header: rn.customerHeaders(), auth: authNone,
		purpose: gws.PurposePoll,
	})
	if err != nil {
		return false, err
	}
	if resp.status != http.StatusOK {
		return false, targetError(nil, "GET /api/v2/chats/%s/messages answered HTTP %d, want 200: %s", p.chatID, resp.status, abbreviate(string(resp.raw), 300))
	}
	if err := schemas.Validate("response/customer-messages", resp.body); err != nil {
		return false, invalidPayload(nil, err, fmt.Sprintf("GET /api/v2/chats/%s/messages answer", p.chatID))
	}
	body := asObject(resp.body)
	messages, _ := body["messages"].([]any)
	at := time.Now()
	prev, prevAt := -1, 0 // the answer's last index: within one answer indexes increase (notes/message-indexes)
	for i, m := range messages {
		index, ok := messageIndex(m)
		if ok && prev >= 0 && index <= prev {
			return false, targetError(nil, "GET /api/v2/chats/%s/messages answered messages[%d] with index %d after messages[%d] with index %d: a repeated or decreasing index (message indexes increase: notes/message-indexes)", p.chatID, i, index, prevAt, prev)
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
		p.c.stream.add(at, "transcript", m, schemas.Validate("customer-message", m))
		rn.logf("%s <- transcript %s", p.c.name(), summarize(m))
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

// cleanup stops polling and completes a chat that is still open, so it is not
// routed to an agent of a later scenario.
func (c *customer) cleanup(ctx context.Context, rn *run) {
	if c.poller == nil {
		return
	}
	ended := c.poller.hasEnded()
	c.poller.halt()
	if ended {
		return
	}
	body := map[string]any{"operationName": "Complete", "secureKey": c.secureKey}
	resp, err := rn.send(ctx, c, request{method: http.MethodPost, url: rn.t.CustomerURL() + "/api/v2/chats/" + pathEscape(c.chatID),
		body: body, hasBody: true, header: rn.customerHeaders(), auth: authNone, purpose: gws.PurposeCleanup})
	if err != nil {
		rn.logf("cleanup %s: Complete: %v", c.name(), err)
	} else if !is2xx(resp.status) {
		rn.logf("cleanup %s: Complete answered HTTP %d", c.name(), resp.status)
	}
}
