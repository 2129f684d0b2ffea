package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

// ReplayOptions configure a Replay. Dir is required; every other zero value is usable.
type ReplayOptions struct {
	// Dir is the recording to serve.
	Dir string
	// NotificationsPath is where the Bayeux endpoint is served. Zero = DefaultNotificationsPath.
	NotificationsPath string
	// Bayeux configures the notification endpoint; its Authenticate is always the Basic
	// username (so notifications reach the account they were recorded for).
	Bayeux bayeux.ServerOptions
	// Logger gets one line per unmatched request. Nil = discard.
	Logger *slog.Logger
}

// A Replay serves a recording as a mock target (an http.Handler). Each account's requests
// are matched in recorded order on method, path shape (ids become *) and operationName;
// redacted and volatile values are not compared. The recorded answer is sent back with
// the recorded host replaced by the replay's, and then the notifications that request
// caused are delivered, in recorded order, over a real Bayeux endpoint to the account that
// received them. GETs may be repeated or skipped (clients poll); anything else out of
// order gets 409 naming the request expected next.
type Replay struct {
	opts   ReplayOptions
	logger *slog.Logger
	notes  *bayeux.Server
	host   string // the Host the recording was made through

	mu       sync.Mutex
	queues   map[string]*replayQueue // by account
	byChat   []*replayQueue          // customer queues, in RequestChat order
	caused   map[int64][]*BayeuxMessage
	orphans  []*BayeuxMessage // notifications recorded before any request
	accounts []string
}

type replayQueue struct {
	account string
	items   []*Exchange
	next    int
}

// NewReplay loads the recording in opts.Dir.
func NewReplay(opts ReplayOptions) (*Replay, error) {
	if opts.Dir == "" {
		return nil, errors.New("replay: ReplayOptions.Dir is required")
	}
	if opts.NotificationsPath == "" {
		opts.NotificationsPath = DefaultNotificationsPath
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rec, err := Load(opts.Dir)
	if err != nil {
		return nil, err
	}
	for _, w := range rec.Warnings {
		logger.Warn(w)
	}
	rp := &Replay{opts: opts, logger: logger, queues: map[string]*replayQueue{}, caused: map[int64][]*BayeuxMessage{}}
	for _, x := range rec.Exchanges {
		if x.Kind == KindBayeux {
			continue
		}
		if rp.host == "" {
			rp.host = x.Request.Host
		}
		key := queueKey(x.Kind, x.Account)
		q := rp.queues[key]
		if q == nil {
			q = &replayQueue{account: key}
			rp.queues[key] = q
			rp.accounts = append(rp.accounts, key)
			if x.Kind == KindCustomer {
				rp.byChat = append(rp.byChat, q)
			}
		}
		q.items = append(q.items, x)
	}
	causes := rec.Causes()
	for _, n := range rec.Notifications {
		if seq := causes[n]; seq != 0 {
			rp.caused[seq] = append(rp.caused[seq], n)
		} else {
			rp.orphans = append(rp.orphans, n)
		}
	}
	bopts := opts.Bayeux
	bopts.Authenticate = func(r *http.Request) (string, error) {
		user, _, ok := r.BasicAuth()
		if !ok {
			return "", errors.New("Basic credentials required")
		}
		return user, nil
	}
	bopts.Logger = logger
	rp.notes = bayeux.NewServer(bopts)
	return rp, nil
}

func queueKey(kind, account string) string {
	if kind == KindCustomer {
		return "customer " + account
	}
	return account
}

// Close releases held Bayeux connects.
func (rp *Replay) Close() { rp.notes.Close() }

// Remaining reports, per account, how many recorded requests have not been served.
func (rp *Replay) Remaining() map[string]int {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	out := map[string]int{}
	for key, q := range rp.queues {
		out[key] = len(q.items) - q.next
	}
	return out
}

func (rp *Replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := rp.opts.NotificationsPath
	if r.URL.Path == p || strings.HasPrefix(r.URL.Path, strings.TrimSuffix(p, "/")+"/") {
		rp.notes.ServeHTTP(w, r)
		return
	}
	body, err := readCapped(r, DefaultMaxBody)
	if err != nil {
		replayError(w, http.StatusBadRequest, 1, "replay: reading the request body: "+err.Error())
		return
	}
	want := requestKey(r.Method, r.URL.Path, operationName(body))
	x, status, problem := rp.match(r, want)
	if x == nil {
		rp.logger.Warn("replay: unmatched request", "request", want, "problem", problem)
		replayError(w, status, 2, problem)
		return
	}
	rp.answer(w, r.Host, x)
	rp.deliver(r.Host, x.Seq)
}

// match finds the recorded exchange for r and advances its account's cursor.
func (rp *Replay) match(r *http.Request, want string) (*Exchange, int, string) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var q *replayQueue
	account := ""
	if r.URL.Path == customerPath || strings.HasPrefix(r.URL.Path, customerPath+"/") {
		account = customerAccount(r.URL.Path, nil)
		if account == "" { // RequestChat: the next chat recorded and not started yet
			for _, c := range rp.byChat {
				if c.next == 0 {
					q = c
					break
				}
			}
			if q == nil {
				return nil, http.StatusNotFound, fmt.Sprintf("replay: %s: no more customer chats were recorded", want)
			}
		} else {
			q = rp.queues[queueKey(KindCustomer, account)]
		}
	} else {
		account, _, _ = r.BasicAuth()
		q = rp.queues[account]
	}
	if q == nil {
		return nil, http.StatusNotFound, fmt.Sprintf("replay: %s: nothing was recorded for %q (recorded: %s)", want, account, strings.Join(rp.accounts, ", "))
	}
	// The next match, skipping only GETs (a client may poll less than it did when recorded).
	for i := q.next; i < len(q.items); i++ {
		x := q.items[i]
		if exchangeKey(x) == want {
			q.next = i + 1
			return x, 0, ""
		}
		if x.Request.Method != http.MethodGet {
			break
		}
	}
	// A repeated GET (a client polling more often) gets the latest matching answer again.
	if r.Method == http.MethodGet {
		for i := q.next - 1; i >= 0; i-- {
			if exchangeKey(q.items[i]) == want {
				return q.items[i], 0, ""
			}
		}
	}
	if q.next >= len(q.items) {
		return nil, http.StatusNotFound, fmt.Sprintf("replay: %s: all %d requests recorded for %s were already served", want, len(q.items), q.account)
	}
	next := q.items[q.next]
	return nil, http.StatusConflict, fmt.Sprintf("replay: %s: %s expected next %s (exchanges.jsonl seq %d)", want, q.account, exchangeKey(next), next.Seq)
}

func (rp *Replay) answer(w http.ResponseWriter, host string, x *Exchange) {
	for name, vals := range x.Response.Header {
		switch name {
		case "Content-Length", "Date", "Transfer-Encoding", "Content-Encoding", "Connection":
			continue
		}
		for _, v := range vals {
			w.Header().Add(name, v)
		}
	}
	body := x.Response.Body.Bytes()
	if rp.host != "" && host != "" {
		body = bytes.ReplaceAll(body, []byte(rp.host), []byte(host))
	}
	w.WriteHeader(x.Response.Status)
	w.Write(body)
}

// deliver sends the notifications exchange seq caused (and, the first time, those
// recorded before any request).
func (rp *Replay) deliver(host string, seq int64) {
	rp.mu.Lock()
	notes := append(rp.orphans, rp.caused[seq]...)
	rp.orphans = nil
	delete(rp.caused, seq)
	rp.mu.Unlock()
	for _, n := range notes {
		data := []byte(n.Data)
		if rp.host != "" && host != "" {
			data = bytes.ReplaceAll(data, []byte(rp.host), []byte(host))
		}
		rp.notes.Deliver(n.Account, n.Channel, json.RawMessage(data))
	}
}

// requestKey is what replay compares: method, path with ids replaced by *, operationName.
func requestKey(method, path, op string) string {
	key := method + " " + pathShape(path)
	if op != "" {
		key += " " + op
	}
	return key
}

func exchangeKey(x *Exchange) string {
	return requestKey(x.Request.Method, x.Request.Path, operationName(x.Request.Body.JSON))
}

// idParents are path segments followed by an id.
var idParents = map[string]bool{"chats": true, "interactions": true, "users": true, "queues": true}

func pathShape(path string) string {
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		if idParents[segs[i-1]] && segs[i] != "" {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

func readCapped(r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, max))
	return buf.Bytes(), err
}

func replayError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"statusCode": code, "statusMessage": msg})
}
