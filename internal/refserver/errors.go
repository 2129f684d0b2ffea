package refserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// statusCode values of the GWS "Return Values" table used by this server.
const (
	codeOK               = 0
	codeMissingParam     = 1
	codeInvalidState     = 2
	codeForbidden        = 3
	codeInternal         = 4
	codeNoPermission     = 5
	codeNotFound         = 6
	codePartialSuccess   = 7
	codeOutOfRange       = 10
	codeNotAuthenticated = 20
)

// apiError is a failed operation: the statusCode and the message a person reads.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return fmt.Sprintf("statusCode %d: %s", e.code, e.msg) }

func errf(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// failure turns any error into the statusCode and message to send, and the HTTP
// status that goes with it. This is the one place that maps domain errors.
func (s *Server) failure(err error) (code, httpStatus int, msg string) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errf(codeInternal, "internal error: %v", err)
	}
	code = ae.code
	if code == codeInvalidState && s.fault("wrong-status-code-invalid-state") {
		code = codeInternal
	}
	switch code {
	case codeMissingParam, codeInvalidState, codeOutOfRange:
		httpStatus = http.StatusBadRequest
	case codeForbidden, codeNoPermission:
		httpStatus = http.StatusForbidden
	case codeNotFound:
		httpStatus = http.StatusNotFound
	case codeNotAuthenticated:
		httpStatus = http.StatusUnauthorized
	case codePartialSuccess:
		httpStatus = http.StatusOK
	default:
		httpStatus = http.StatusInternalServerError
	}
	return code, httpStatus, ae.msg
}

// writeError answers err in the statusCode shape.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	code, status, msg := s.failure(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="gws"`)
		if s.tolerates("plain-401") {
			w.WriteHeader(status) // no body at all, as a container's own 401 often is
			return
		}
	}
	s.writeJSON(w, status, object{{"statusCode", code}, {"statusMessage", msg}})
}

// writeStatusError answers err in seed 002's status shape.
func (s *Server) writeStatusError(w http.ResponseWriter, err error) {
	_, status, msg := s.failure(err)
	s.writeJSON(w, status, object{{"status", "error"}, {"errorDescription", msg}})
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, body any) {
	raw, err := json.Marshal(s.shape(body))
	if err != nil {
		s.log.Error("encode answer", "err", err)
		status = http.StatusInternalServerError
		raw = []byte(`{"statusCode":4,"statusMessage":"internal error: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(raw, '\n'))
}
