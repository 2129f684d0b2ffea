// Package refserver is the embedded reference implementation of the GWS Chat API:
// Basic auth with CSRF and a session cookie, agent state, routing, the chat state
// machine in both dialects, the customer chat API (and GMS Chat API v2, the other
// customer API, into the same chats) and CometD notifications, plus named faults
// for mutation testing the conformance suite.
package refserver

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

// notifier is where notifications go: the Bayeux server, or a wrapper around it.
type notifier interface {
	Deliver(principal, channel string, data any)
}

// Server is the reference GWS server. It is an http.Handler; all its state sits
// behind one lock, so every operation is atomic and notifications are queued in
// the order operations happened.
type Server struct {
	cfg         Config
	log         *slog.Logger
	faults      map[string]bool
	tolerations map[string]bool
	bayeux      *bayeux.Server
	sink        notifier
	delayed     *delayedSink // only with the delayed-notifications toleration
	mux         *http.ServeMux

	mu       sync.Mutex
	agents   []*agent // configuration order, which is also routing preference order
	byName   map[string]*agent
	byID     map[string]*agent
	queues   []string
	sessions map[string]*session // by JSESSIONID
	chats    map[string]*chat
	waiting  []*chat // chats no agent has been offered yet, oldest first
	seq      uint64  // source of chat, participant and session ids
	lastRef  int     // the last referenceId handed out
	// outbox holds a request's notifications while collecting (new-messages-merged).
	outbox     []note
	collecting bool
	idBase     uint64 // random per server, so ids differ between runs
}

// New builds a reference server from cfg. Unknown fault or toleration names and
// inconsistent users are errors.
func New(cfg Config) (*Server, error) {
	faults, err := nameSet("fault", cfg.Faults, faultList)
	if err != nil {
		return nil, err
	}
	tolerations, err := toleranceSet(cfg.Tolerate)
	if err != nil {
		return nil, err
	}
	if cfg.Users == nil {
		cfg.Users = DefaultUsers()
	}
	if cfg.Queues == nil {
		cfg.Queues = DefaultQueues()
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		faults:      faults,
		tolerations: tolerations,
		byName:      map[string]*agent{},
		byID:        map[string]*agent{},
		queues:      append([]string(nil), cfg.Queues...),
		sessions:    map[string]*session{},
		chats:       map[string]*chat{},
		idBase:      randomUint64(),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	queueSet := map[string]bool{}
	for _, q := range s.queues {
		queueSet[q] = true
	}
	for i, u := range cfg.Users {
		if u.Username == "" || u.Password == "" {
			return nil, fmt.Errorf("users[%d]: username and password are required", i)
		}
		if u.UserID == "" {
			u.UserID = userIDFor(u.Username)
		}
		if s.byName[u.Username] != nil {
			return nil, fmt.Errorf("users[%d]: duplicate username %q", i, u.Username)
		}
		if s.byID[u.UserID] != nil {
			return nil, fmt.Errorf("users[%d]: duplicate userId %q", i, u.UserID)
		}
		if len(u.Queues) == 0 {
			u.Queues = s.queues
		}
		for _, q := range u.Queues {
			if !queueSet[q] {
				return nil, fmt.Errorf("users[%d] (%s): unknown queue %q (queues: %s)", i, u.Username, q, strings.Join(s.queues, ", "))
			}
		}
		a := &agent{user: u}
		s.agents = append(s.agents, a)
		s.byName[u.Username] = a
		s.byID[u.UserID] = a
	}

	opts := cfg.Bayeux
	opts.Authenticate = s.authenticateNotifications
	opts.AuthorizeSubscribe = s.authorizeSubscribe
	opts.AuthorizePublish = authorizePublish
	opts.Rewrite = s.bayeuxRewrite()
	opts.ConnectAdviceOnRequest = opts.ConnectAdviceOnRequest || s.tolerates("bayeux-connect-advice-omitted")
	if opts.Logger == nil {
		opts.Logger = s.log
	}
	s.bayeux = bayeux.NewServer(opts)
	s.sink = s.bayeux
	if s.tolerates("delayed-notifications") {
		s.delayed = newDelayedSink(s.bayeux, notificationDelay)
		s.sink = s.delayed
	}
	s.mux = s.routes()
	return s, nil
}

// routes is the one place every endpoint is declared.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/me", s.asAgent(s.handleGetMe))
	mux.HandleFunc("POST /api/v2/me", s.asAgent(s.handleMeOperation))
	mux.HandleFunc("POST /api/v2/me/channels/chat", s.asAgent(s.handleChannelOperation))
	mux.HandleFunc("GET /api/v2/me/chats", s.asAgent(s.handleListChats))
	mux.HandleFunc("GET /api/v2/me/chats/{id}", s.asAgent(s.handleGetChat))
	mux.HandleFunc("POST /api/v2/me/chats/{id}", s.asAgent(s.handleChatOperation))
	mux.HandleFunc("GET /api/v2/me/chats/{id}/messages", s.asAgent(s.handleChatMessages))
	mux.HandleFunc("POST /api/v2/me/interactions/{id}", s.asAgent(s.handleInteractionOperation))
	mux.HandleFunc("GET /api/v2/users/{id}", s.asAgent(s.handleGetUser))
	mux.HandleFunc("GET /api/v2/queues/{name}", s.asAgent(s.handleGetQueue))
	mux.HandleFunc("POST /api/v2/chats", s.asCustomer(s.handleRequestChat))
	mux.HandleFunc("GET /api/v2/chats/{id}", s.asCustomer(s.handleCustomerGetChat))
	mux.HandleFunc("POST /api/v2/chats/{id}", s.asCustomer(s.handleCustomerOperation))
	mux.HandleFunc("GET /api/v2/chats/{id}/messages", s.asCustomer(s.handleCustomerMessages))
	// GMS Chat API v2, the other customer API (gms.go), under any service name.
	mux.HandleFunc("POST /genesys/2/chat/{service}", s.handleGMSRequestChat)
	mux.HandleFunc("POST /genesys/2/chat/{service}/{$}", s.handleGMSRequestChat)
	mux.HandleFunc("POST /genesys/2/chat/{service}/{chatId}/{op}", s.handleGMSOperation)
	notifications := s.notificationsHandler()
	mux.Handle("/api/v2/notifications", notifications)
	mux.Handle("/api/v2/notifications/", notifications)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, errf(codeNotFound, "no resource %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("request", "method", r.Method, "path", r.URL.Path)
	s.mux.ServeHTTP(w, r)
}

// Close releases held long-polls and stops delayed delivery. The server answers
// nothing useful afterwards.
func (s *Server) Close() {
	s.bayeux.Close()
	if s.delayed != nil {
		s.delayed.Close()
	}
}
