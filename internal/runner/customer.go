package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/schemas"
)

// pollEvery is how often a customer's transcript is read. Customers have no push
// channel, so reading the transcript is the only way to see it grow.
const pollEvery = 25 * time.Millisecond

// customerHeaders are the headers of every customer request.
func (rn *run) customerHeaders() http.Header {
	h := http.Header{}
	if rn.t.ContactCenterID != "" {
		h.Set("ContactCenterId", rn.t.ContactCenterID)
	}
	return h
}

// poller reads one customer chat's transcript into the actor's stream.
type poller struct {
	rn     *run
	a      *actor
	chatID string
	key    string

	mu    sync.Mutex // one read at a time; guards next and ended
	next  int        // the next message index to ask for
	ended bool       // the chat reached state Idle

	stop chan struct{}
	done chan struct{}
}

// startPolling begins reading chatID's transcript for customer a.
func (rn *run) startPolling(a *actor) {
	if a.poller != nil {
		a.poller.halt()
	}
	p := &poller{rn: rn, a: a, chatID: a.chatID, key: a.secureKey, next: 1,
		stop: make(chan struct{}), done: make(chan struct{})}
	a.poller = p
	go p.loop()
}

func (p *poller) loop() {
	defer close(p.done)
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-ticker.C:
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
	for _, m := range messages {
		index, ok := messageIndex(m)
		if ok && index < p.next {
			continue // a target may repeat messages it already sent; the transcript is what counts
		}
		if ok {
			p.next = index + 1
		} else {
			p.next++
		}
		p.a.stream.add(at, "transcript", m, schemas.Validate("message", m))
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
		body: body, hasBody: true, header: rn.customerHeaders(), auth: authNone})
	if err != nil {
		rn.logf("cleanup %s: Complete: %v", a.name(), err)
	} else if !is2xx(resp.status) {
		rn.logf("cleanup %s: Complete answered HTTP %d", a.name(), resp.status)
	}
}
