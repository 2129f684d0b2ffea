package refserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// tally counts what the agents saw, per chat.
type tally struct {
	mu       sync.Mutex
	offers   map[string]int    // StatusChange Invited per chat, all agents together
	owner    map[string]string // who accepted each chat
	texts    map[string]int    // customer texts the owner received, per chat
	problems []string
	changed  chan struct{}
}

func (tl *tally) note(f func()) {
	tl.mu.Lock()
	f()
	tl.mu.Unlock()
	select {
	case tl.changed <- struct{}{}:
	default:
	}
}

func (tl *tally) problem(format string, args ...any) {
	tl.note(func() { tl.problems = append(tl.problems, fmt.Sprintf(format, args...)) })
}

// work is one agent's loop: accept every offer, count every customer text, check
// indexes only increase per chat; it stops at the channel-state notification that
// follows stop being closed.
func (a *agentClient) work(tl *tally, stop <-chan struct{}, done *sync.WaitGroup) {
	defer done.Done()
	lastIndex := map[string]float64{}
	for {
		var m json.RawMessage
		select {
		case msg, ok := <-a.bx.Messages():
			if !ok {
				tl.problem("%s: notifications closed: %v", a.user, a.bx.Err())
				return
			}
			m = msg.Data
		case <-time.After(30 * time.Second):
			tl.problem("%s: no notification for 30s", a.user)
			return
		}
		var n obj
		if err := json.Unmarshal(m, &n); err != nil {
			tl.problem("%s: bad notification %s", a.user, m)
			continue
		}
		switch {
		case n["messageType"] == "ChannelStateChangeMessageV2":
			select {
			case <-stop:
				return
			default:
			}
		case n["notificationType"] == "StatusChange" && n["chat"].(obj)["state"] == "Invited":
			id := n["chat"].(obj)["id"].(string)
			tl.note(func() { tl.offers[id]++ })
			status, got, err := a.try("POST", "/api/v2/me/chats/"+id, obj{"operationName": "Accept", "nickname": a.user})
			if err != nil || status != 200 {
				tl.problem("%s Accept %s: %d %v %v", a.user, id, status, got, err)
				continue
			}
			tl.note(func() { tl.owner[id] = a.user })
		case n["notificationType"] == "NewMessages":
			uri := n["chatUri"].(string)
			id := uri[strings.LastIndex(uri, "/")+1:]
			for _, raw := range n["messages"].([]any) {
				msg := raw.(obj)
				index := msg["index"].(float64)
				if index <= lastIndex[id] {
					tl.problem("%s chat %s: index %v after %v (duplicate or out of order)", a.user, id, index, lastIndex[id])
				}
				lastIndex[id] = index
				if msg["type"] == "Text" && msg["from"].(obj)["type"] == "Customer" {
					tl.note(func() { tl.texts[id]++ })
				}
			}
		}
	}
}

// 200 customers and 8 agents at once: every chat is offered once, accepted once, and
// each customer text reaches its agent exactly once.
func TestTwoHundredConcurrentChats(t *testing.T) {
	const customers = 200
	run := startServer(t, Config{})
	tl := &tally{offers: map[string]int{}, owner: map[string]string{}, texts: map[string]int{},
		changed: make(chan struct{}, 1)}
	stop := make(chan struct{})
	var agentsDone sync.WaitGroup
	var agents []*agentClient
	for i := 1; i <= 8; i++ {
		a := newAgent(t, run.URL, fmt.Sprintf("agent%d", i)).start(true)
		agents = append(agents, a)
		agentsDone.Add(1)
		go a.work(tl, stop, &agentsDone)
	}

	var customersDone sync.WaitGroup
	ids := make(chan string, customers)
	for i := range customers {
		customersDone.Add(1)
		go func() {
			defer customersDone.Done()
			c := &customerClient{base: run.URL}
			id, key, err := c.tryRequestChat(fmt.Sprintf("customer%d", i))
			if err != nil {
				tl.problem("customer %d: %v", i, err)
				return
			}
			ids <- id
			if err := c.trySend(id, key, fmt.Sprintf("hello from %d", i)); err != nil {
				tl.problem("customer %d: %v", i, err)
			}
		}()
	}
	customersDone.Wait()
	close(ids)

	deadline := time.After(60 * time.Second)
	for {
		tl.mu.Lock()
		settled := len(tl.owner) == customers && len(tl.texts) == customers || len(tl.problems) > 0
		tl.mu.Unlock()
		if settled {
			break
		}
		select {
		case <-tl.changed:
		case <-deadline:
			tl.mu.Lock()
			accepted, texts := len(tl.owner), len(tl.texts)
			tl.mu.Unlock()
			t.Fatalf("after 60s: %d chats accepted, %d texts seen", accepted, texts)
		}
	}
	// Barrier: anything duplicated would arrive before each agent's Ready notification.
	close(stop)
	for _, a := range agents {
		if status, got, err := a.try("POST", "/api/v2/me/channels/chat", obj{"operationName": "Ready"}); err != nil || status != 200 {
			t.Fatalf("%s Ready: %d %v %v", a.user, status, got, err)
		}
	}
	agentsDone.Wait()

	tl.mu.Lock()
	defer tl.mu.Unlock()
	for _, p := range tl.problems {
		t.Error(p)
	}
	perAgent := map[string]int{}
	for id := range ids {
		if tl.offers[id] != 1 || tl.texts[id] != 1 || tl.owner[id] == "" {
			t.Errorf("chat %s: %d offers, %d texts, owner %q", id, tl.offers[id], tl.texts[id], tl.owner[id])
		}
		perAgent[tl.owner[id]]++
	}
	if len(perAgent) != 8 {
		t.Errorf("routing used %d of 8 agents: %v", len(perAgent), perAgent)
	}
}

func (c *customerClient) tryRequestChat(nickname string) (id, secureKey string, err error) {
	got, err := postJSON(c.base+"/api/v2/chats", obj{"operationName": "RequestChat", "nickname": nickname})
	if err != nil {
		return "", "", err
	}
	id, _ = got["id"].(string)
	secureKey, _ = got["secureKey"].(string)
	return id, secureKey, nil
}

func (c *customerClient) trySend(id, key, text string) error {
	_, err := postJSON(c.base+"/api/v2/chats/"+id, obj{"operationName": "SendMessage", "text": text, "secureKey": key})
	return err
}
