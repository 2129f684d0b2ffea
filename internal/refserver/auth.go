package refserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
)

const (
	csrfHeader    = "X-CSRF-TOKEN"
	sessionCookie = "JSESSIONID"
)

// session is what GET /api/v2/me hands out: the JSESSIONID cookie and the CSRF
// token that every POST/PUT/DELETE must send back.
type session struct {
	id    string
	token string
	agent *agent
}

// authenticate checks the Basic credentials of r. The account table never changes
// after New, so no lock is needed.
func (s *Server) authenticate(r *http.Request) (*agent, error) {
	name, password, ok := r.BasicAuth()
	if !ok {
		return nil, errf(codeNotAuthenticated, "missing Basic credentials")
	}
	a := s.byName[name]
	if a == nil || subtle.ConstantTimeCompare([]byte(password), []byte(a.user.Password)) != 1 && !s.fault("wrong-password-accepted") {
		return nil, errf(codeNotAuthenticated, "wrong username or password")
	}
	return a, nil
}

// asAgent wraps an agent endpoint: Basic auth on every request, and for state-changing
// methods the CSRF token of the caller's session plus its JSESSIONID cookie.
func (s *Server) asAgent(h func(http.ResponseWriter, *http.Request, *agent)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
			if !s.validCSRF(r, a) && !s.fault("csrf-not-checked") {
				s.refuseCSRF(w)
				return
			}
		}
		h(w, r, a)
	}
}

// csrfRefusal is the text of NOTES' "403 Missing or invalid Csrf token".
const csrfRefusal = "Missing or invalid Csrf token"

// refuseCSRF answers 403: in the statusCode shape, or under plain-401 with the bare
// text, as a servlet security filter would.
func (s *Server) refuseCSRF(w http.ResponseWriter) {
	if !s.tolerates("plain-401") {
		s.writeError(w, errf(codeForbidden, csrfRefusal))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, csrfRefusal)
}

func (s *Server) validCSRF(r *http.Request, a *agent) bool {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	token := r.Header.Get(csrfHeader)
	if token == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[cookie.Value]
	return sess != nil && sess.agent == a && subtle.ConstantTimeCompare([]byte(token), []byte(sess.token)) == 1
}

// sessionFor returns the caller's session if its cookie names a live one of the same
// agent, otherwise a new session. Callers hold s.mu.
func (s *Server) sessionFor(r *http.Request, a *agent) *session {
	if cookie, err := r.Cookie(sessionCookie); err == nil {
		if sess := s.sessions[cookie.Value]; sess != nil && sess.agent == a {
			return sess
		}
	}
	sess := &session{id: randomHex(16), token: randomHex(16), agent: a}
	s.sessions[sess.id] = sess
	return sess
}

// authenticateNotifications is the Bayeux hook: the same Basic credentials as the
// REST API; the principal is the username.
func (s *Server) authenticateNotifications(r *http.Request) (string, error) {
	a, err := s.authenticate(r)
	if err != nil {
		return "", err
	}
	return a.user.Username, nil
}

// notificationsHandler is the Bayeux endpoint. Under plain-401 a request with bad
// credentials gets the REST API's bare 401 rather than the Bayeux server's JSON one.
func (s *Server) notificationsHandler() http.Handler {
	if !s.tolerates("plain-401") {
		return s.bayeux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authenticate(r); err != nil {
			s.writeError(w, err)
			return
		}
		s.bayeux.ServeHTTP(w, r)
	})
}

// authorizeSubscribe allows only the agent's own channels. The Bayeux server adds
// the "403::" prefix.
func authorizeSubscribe(_, channel string) error {
	if !strings.HasPrefix(channel, "/v2/me/") {
		return fmt.Errorf("subscription to %s refused; only /v2/me/* channels are available", channel)
	}
	return nil
}

// authorizePublish refuses client publishes: GWS notifications flow one way.
func authorizePublish(_, channel string) error {
	return fmt.Errorf("publishing to %s is not supported; use the REST operations", channel)
}

// asCustomer wraps a customer endpoint: no Basic auth, a ContactCenterId header that
// must match the configured one when there is one.
func (s *Server) asCustomer(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if want := s.cfg.ContactCenterID; want != "" {
			got := r.Header.Get("ContactCenterId")
			if got == "" {
				s.writeError(w, errf(codeMissingParam, "missing header ContactCenterId"))
				return
			}
			if got != want {
				s.writeError(w, errf(codeForbidden, "unknown ContactCenterId %q", got))
				return
			}
		}
		h(w, r)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	return strings.ToUpper(hex.EncodeToString(b))
}
