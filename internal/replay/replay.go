package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/bayeux"
	"github.com/gwsconform/gwsconform/internal/fixture"
)

// maxRequestBody caps the request body replay reads to match a request.
const maxRequestBody = 1 << 20

// Options configure a Replay. Dir is required; every other zero value is usable.
type Options struct {
	// Dir is the recording to serve.
	Dir string
	// NotificationsPath is where the Bayeux endpoint is served. Zero = fixture.DefaultNotificationsPath.
	NotificationsPath string
	// Bayeux configures the notification endpoint; its Authenticate is always the Basic
	// username (so notifications reach the account they were recorded for).
	Bayeux bayeux.ServerOptions
	// Logger gets one line per unmatched request. Nil = discard.
	Logger *slog.Logger
	// Matcher is the request key changes are matched on. Nil = ShapeMatcher.
	Matcher Matcher
	// Hooks run on a copy of each recorded exchange before its answer is sent
	// (fixture.BeforeReplay; other stages are refused).
	Hooks []fixture.Hook
}

// A Server serves a recording as a mock target (an http.Handler).
//
// Requests that change something (every method but GET) are matched per account in
// recorded order, on method, path shape (ids become *) and operationName; redacted and
// volatile values are not compared. Anything out of order gets 409 naming the request
// expected next. Their recorded answer is sent back with the recorded host replaced by
// the replay's, and then the notifications that request caused are delivered, in
// recorded order, over a real Bayeux endpoint to the account that received them.
//
// GETs only read, and clients poll them as often as they like, so they are matched
// loosely: a GET is answered with the recording's answer for the same resource (account,
// method, path shape, query keys) at the current point of the recorded sequence, that is
// the last such GET recorded before the first change not served yet (or, before any, the
// first one recorded), as often as asked. A customer transcript read (GET
// /api/v2/chats/{id}/messages?index=N) is answered with every message the recording had
// seen in that chat by that point, from index N on, and the state of that point.
type Server struct {
	opts   Options
	logger *slog.Logger
	notes  *notifier
	host   string // the Host the recording was made through

	mu           sync.Mutex
	queues       map[string]*replayQueue        // by account: its changes (non-GET requests)
	byChat       []*replayQueue                 // customer queues, in RequestChat order
	reads        map[string][]*fixture.Exchange // by account and resource (readKey): its GETs, in order
	changes      []*fixture.Exchange            // every change of every account, in recorded order
	served       map[int64]bool                 // changes served so far, by Seq
	secureKeys   map[string]string              // customer queue key -> the secureKey its RequestChat answer holds
	recordedAuth map[string]string              // agent -> its first recorded Authorization
	ownAuth      map[string]string              // agent -> its first live Authorization
	frontier     int                            // changes[:frontier] are all served
	caused       map[int64][]*fixture.BayeuxMessage
	orphans      []*fixture.BayeuxMessage // notifications recorded before any request
	// recordedCaused and recordedOrphans are caused and orphans as loaded: each pass
	// over the recording starts from them again (deliver consumes its copies).
	recordedCaused  map[int64][]*fixture.BayeuxMessage
	recordedOrphans []*fixture.BayeuxMessage
	passes          int // passes over the recording begun after the first
	accounts        []string
}

type replayQueue struct {
	account string
	items   []*fixture.Exchange
	next    int
}

// New loads the recording in opts.Dir.
func New(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("replay: Options.Dir is required")
	}
	if opts.NotificationsPath == "" {
		opts.NotificationsPath = fixture.DefaultNotificationsPath
	}
	if opts.Matcher == nil {
		opts.Matcher = ShapeMatcher
	}
	if err := fixture.CheckHooks("replay", opts.Hooks, fixture.BeforeReplay); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rec, err := fixture.Load(opts.Dir)
	if err != nil {
		return nil, err
	}
	for _, w := range rec.Warnings {
		logger.Warn(w)
	}
	rp := &Server{opts: opts, logger: logger, queues: map[string]*replayQueue{}, caused: map[int64][]*fixture.BayeuxMessage{},
		reads: map[string][]*fixture.Exchange{}, served: map[int64]bool{}, secureKeys: map[string]string{},
		recordedAuth: map[string]string{}, ownAuth: map[string]string{}}
	firstSession := map[string]string{} // account -> clientId of its first CometD session
	refused := map[string]string{}      // channel -> the error the recorded server refused it with
	for _, x := range rec.Exchanges {
		if x.Kind == fixture.KindBayeux {
			if _, ok := firstSession[x.Account]; !ok && x.IsHandshake() {
				firstSession[x.Account] = x.HandshakeClientID()
			}
			for _, m := range fixture.ParseBayeux(x.Response.Body.JSON) {
				if m.Channel == "/meta/subscribe" && m.Successful != nil && !*m.Successful && strings.HasPrefix(m.Error, "403:") {
					refused[subscriptionOf(x, m.IDString())] = m.Error
				}
			}
			continue
		}
		if rp.host == "" {
			rp.host = x.Request.Host
		}
		key := fixture.AccountKey(x.Kind, x.Account)
		if x.Kind == fixture.KindCustomer && x.Request.Method == http.MethodPost && x.Request.Path == fixture.CustomerPath {
			var answer struct {
				SecureKey string `json:"secureKey"`
			}
			json.Unmarshal(x.Response.Body.JSON, &answer)
			rp.secureKeys[key] = answer.SecureKey
		}
		if x.Request.Method == http.MethodGet {
			if !x.Answered() {
				continue // a poll cut short: the client never saw an answer
			}
			rk := readKey(key, x.Request.Method, x.Request.Path, x.Request.Query, rp.credentials(key, x.Request.Header.Get("Authorization"), x.Request.Query))
			rp.reads[rk] = append(rp.reads[rk], x)
			continue
		}
		if x.Answered() { // one the client never saw answered marks no point of the sequence
			rp.changes = append(rp.changes, x)
		}
		q := rp.queues[key]
		if q == nil {
			q = &replayQueue{account: key}
			rp.queues[key] = q
			rp.accounts = append(rp.accounts, key)
			if x.Kind == fixture.KindCustomer {
				rp.byChat = append(rp.byChat, q)
			}
		}
		q.items = append(q.items, x)
	}
	causes := rec.Causes()
	for _, n := range rec.Notifications {
		// Deliver partitions by account, and reaches every session of it: deliver
		// what the account's first session received, once.
		if session, ok := firstSession[n.Account]; ok && n.ClientID != session {
			continue
		}
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
	if len(refused) > 0 && bopts.AuthorizeSubscribe == nil {
		// Refuse what the recorded server refused, so a client sees the same answers.
		bopts.AuthorizeSubscribe = func(_, channel string) error {
			if msg, ok := refused[channel]; ok {
				return errors.New(bayeuxErrorText(msg))
			}
			return nil
		}
	}
	rp.notes = newNotifier(bopts, rp.host)
	rp.recordedCaused = maps.Clone(rp.caused)
	rp.recordedOrphans = slices.Clone(rp.orphans)
	return rp, nil
}

// Close releases held Bayeux connects.
func (rp *Server) Close() { rp.notes.server.Close() }

// Remaining reports, per account, how many recorded changes (non-GET requests) have not
// been served; GETs are answered as often as asked, so they never remain.
func (rp *Server) Remaining() map[string]int {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	out := map[string]int{}
	for key, q := range rp.queues {
		out[key] = len(q.items) - q.next
	}
	return out
}

// Undelivered reports, per account, how many notifications are still waiting for one of
// the account's CometD sessions to subscribe to their channel.
func (rp *Server) Undelivered() map[string]int { return rp.notes.undelivered() }

func (rp *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := rp.opts.NotificationsPath
	if r.URL.Path == p || strings.HasPrefix(r.URL.Path, strings.TrimSuffix(p, "/")+"/") {
		rp.notes.ServeHTTP(w, r)
		return
	}
	body, err := readCapped(r, maxRequestBody)
	if err != nil {
		replayError(w, http.StatusBadRequest, 1, "replay: reading the request body: "+err.Error())
		return
	}
	want := rp.opts.Matcher(r.Method, r.URL.Path, body)
	x, override, status, problem := rp.match(r, want)
	if x == nil {
		rp.logger.Warn("replay: unmatched request", "request", want, "problem", problem)
		replayError(w, status, 2, problem)
		return
	}
	rp.answer(w, r.Host, x, override)
}

// match finds the recorded exchange for r: a GET by read, anything else as the next
// change of its account (advancing the account's cursor). body, when not nil, replaces
// the recorded answer's body (a transcript assembled for this point).
func (rp *Server) match(r *http.Request, want string) (x *fixture.Exchange, body []byte, status int, problem string) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.matchLocked(r, want)
}

func (rp *Server) matchLocked(r *http.Request, want string) (x *fixture.Exchange, body []byte, status int, problem string) {
	var q *replayQueue
	key := ""
	if r.URL.Path == fixture.CustomerPath || strings.HasPrefix(r.URL.Path, fixture.CustomerPath+"/") {
		account := fixture.ChatOf(r.URL.Path, nil)
		key = fixture.AccountKey(fixture.KindCustomer, account)
		if account == "" && r.Method != http.MethodGet { // RequestChat: the next chat recorded and not started yet
			for _, c := range rp.byChat {
				if c.next == 0 {
					q = c
					break
				}
			}
			if q == nil && len(rp.byChat) > 0 && rp.startsOver(rp.byChat[0], want) {
				return rp.matchLocked(r, want)
			}
			if q == nil {
				return nil, nil, http.StatusNotFound, fmt.Sprintf("replay: %s: no more customer chats were recorded", want)
			}
		}
	} else {
		key, _, _ = r.BasicAuth()
	}
	if r.Method == http.MethodGet {
		return rp.read(key, r, want)
	}
	if q == nil {
		q = rp.queues[key]
	}
	if q == nil {
		return nil, nil, http.StatusNotFound, fmt.Sprintf("replay: %s: nothing was recorded for %q (recorded: %s)", want, key, strings.Join(rp.accounts, ", "))
	}
	if q.next >= len(q.items) && rp.startsOver(q, want) {
		return rp.matchLocked(r, want)
	}
	if q.next >= len(q.items) {
		return nil, nil, http.StatusNotFound, fmt.Sprintf("replay: %s: all %d requests recorded for %s were already served", want, len(q.items), q.account)
	}
	next := q.items[q.next]
	if got := rp.recordedKey(next); got != want {
		return nil, nil, http.StatusConflict, fmt.Sprintf("replay: %s: %s expected next %s (exchanges.jsonl seq %d)", want, q.account, got, next.Seq)
	}
	q.next++
	rp.served[next.Seq] = true
	for rp.frontier < len(rp.changes) && rp.served[rp.changes[rp.frontier].Seq] {
		rp.frontier++
	}
	// Its notifications are queued now, under the lock and before the answer goes out:
	// a client reacting to the answer cannot overtake them, and concurrent changes of
	// two accounts queue theirs in the order the changes were served.
	rp.deliver(r.Host, next.Seq)
	return next, nil, 0, ""
}

// read answers a GET with the recorded answer for the same resource at the current
// point: the last one whose answer came before the first change not served yet started
// (or the first one recorded). A read's answer time, not its start, is what counts: a
// read that started before a change but was answered after it may show the change's
// effect (a customer's TypingStarted), which the client must not see before it sends it.
func (rp *Server) read(key string, r *http.Request, want string) (*fixture.Exchange, []byte, int, string) {
	xs := rp.reads[readKey(key, r.Method, r.URL.Path, r.URL.RawQuery, rp.credentials(key, r.Header.Get("Authorization"), r.URL.RawQuery))]
	if len(xs) == 0 {
		if rp.queues[key] == nil {
			return nil, nil, http.StatusNotFound, fmt.Sprintf("replay: %s: nothing was recorded for %q (recorded: %s)", want, key, strings.Join(rp.accounts, ", "))
		}
		return nil, nil, http.StatusNotFound, fmt.Sprintf("replay: %s: no such read was recorded for %q", want, key)
	}
	seen := xs // every read, once every change is served
	if rp.frontier < len(rp.changes) {
		before := rp.changes[rp.frontier].StartMs
		seen = nil
		for _, x := range xs {
			if x.AnsweredMs() < before {
				seen = append(seen, x)
			}
		}
		if len(seen) == 0 {
			seen = xs[:1]
		}
		// Answered in this order: the last one is the state at this point.
		sort.SliceStable(seen, func(i, j int) bool { return seen[i].AnsweredMs() < seen[j].AnsweredMs() })
	}
	last := seen[len(seen)-1]
	if !last.IsTranscriptRead() || last.Response.Status != http.StatusOK {
		return last, nil, 0, ""
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("index"))
	return last, transcriptAt(seen, from), 0, ""
}

// transcriptAt is the last of reads with its messages replaced by every message the
// reads saw, from index from on, in index order.
func transcriptAt(reads []*fixture.Exchange, from int) []byte {
	last := reads[len(reads)-1]
	var answer map[string]json.RawMessage
	if json.Unmarshal(last.Response.Body.JSON, &answer) != nil {
		return nil
	}
	seen := map[int]json.RawMessage{}
	var order []int
	for _, x := range reads {
		var body struct {
			Messages []json.RawMessage `json:"messages"`
		}
		json.Unmarshal(x.Response.Body.JSON, &body)
		for _, m := range body.Messages {
			var idx struct {
				Index *int `json:"index"`
			}
			if json.Unmarshal(m, &idx) != nil || idx.Index == nil {
				continue
			}
			if _, dup := seen[*idx.Index]; !dup {
				order = append(order, *idx.Index)
			}
			seen[*idx.Index] = m
		}
	}
	sort.Ints(order)
	messages := []json.RawMessage{}
	for _, i := range order {
		if i >= from {
			messages = append(messages, seen[i])
		}
	}
	answer["messages"], _ = json.Marshal(messages)
	out, err := json.Marshal(answer)
	if err != nil {
		return nil
	}
	return out
}

func (rp *Server) answer(w http.ResponseWriter, host string, x *fixture.Exchange, body []byte) {
	if len(rp.opts.Hooks) > 0 {
		x = x.Clone()
		if body != nil {
			x.Response.Body = fixture.Body{JSON: body, Size: int64(len(body))}
			body = nil
		}
		fixture.RunHooks(rp.opts.Hooks, fixture.BeforeReplay, x)
	}
	if x.Response.Status == 0 {
		replayError(w, http.StatusBadGateway, 4, fmt.Sprintf("replay: the recorded request (exchanges.jsonl seq %d) got no answer: %s", x.Seq, x.Error))
		return
	}
	for name, vals := range x.Response.Header {
		switch name {
		case "Content-Length", "Date", "Transfer-Encoding", "Content-Encoding", "Connection":
			continue
		}
		for _, v := range vals {
			w.Header().Add(name, v)
		}
	}
	if body == nil {
		body = x.Response.Body.Bytes()
	}
	if rp.host != "" && host != "" {
		body = bytes.ReplaceAll(body, []byte(rp.host), []byte(host))
	}
	w.WriteHeader(x.Response.Status)
	w.Write(body)
}

// deliver queues the notifications exchange seq caused (and, the first time, those
// recorded before any request) for their accounts; each reaches the account as soon as
// one of its sessions is subscribed to the channel (see notifier). The caller holds rp.mu.
func (rp *Server) deliver(host string, seq int64) {
	notes := append(rp.orphans, rp.caused[seq]...)
	rp.orphans = nil
	delete(rp.caused, seq)
	rp.notes.deliver(notes, host)
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

// subscriptionOf is the channel the subscribe message with id asked for in x's request.
func subscriptionOf(x *fixture.Exchange, id string) string {
	for _, m := range fixture.ParseBayeux(x.Request.Body.JSON) {
		if m.Channel == "/meta/subscribe" && m.IDString() == id {
			return m.Subscription
		}
	}
	return ""
}

// bayeuxErrorText is the message part of a Bayeux error "code:args:message".
func bayeuxErrorText(s string) string {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) == 3 {
		return parts[2]
	}
	return s
}

// credentials classes how a read authenticated, since a wrong password or secureKey gets
// another answer: an agent's first Authorization (recorded, or seen live) is "own"; a
// customer's secureKey is "own" when it is the one its RequestChat answer handed out
// (the replay hands out the recorded placeholder, so recorded and live keys compare).
func (rp *Server) credentials(key, authorization, rawQuery string) string {
	if strings.HasPrefix(key, "customer ") {
		values, _ := url.ParseQuery(rawQuery)
		switch sent := values.Get("secureKey"); {
		case sent == "":
			return "none"
		case sent == rp.secureKeys[key]:
			return "own"
		}
		return "other"
	}
	if authorization == "" {
		return "none"
	}
	// Recorded and live values never meet: recorded ones are placeholders.
	own := rp.ownAuth[key]
	if strings.Contains(authorization, "REDACTED-") {
		own = rp.recordedAuth[key]
	}
	switch {
	case own == "":
		if strings.Contains(authorization, "REDACTED-") {
			rp.recordedAuth[key] = authorization
		} else {
			rp.ownAuth[key] = authorization
		}
		return "own"
	case own == authorization:
		return "own"
	}
	return "other"
}
