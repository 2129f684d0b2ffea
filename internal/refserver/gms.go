package refserver

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GMS Chat API v2 (GMS/API/ChatAPIv2 8.5.1, 8.5.2, latest; GMS/API/APIResponses) is
// the customer API most deployments expose: form-encoded POSTs under
// /genesys/2/chat/{serviceName}, polled with transcriptPosition. This file is an
// adapter: a GMS request becomes the same internal operation the GWS customer API
// performs (openChat, customerAct), so the chat is routed to, and seen by, the same
// agents; the chat's transcript becomes GMS message objects (gmsview.go).
//
// Sentences of the documentation the choices below rest on:
//   - ChatAPIv2, Request Chat: "Content-Type application/x-www-form-urlencoded OR
//     multipart/form-data"; "either nickname or both firstName and lastName should be
//     supplied"; userData[key] is "any attached data that the client wants to add".
//   - ChatAPIv2, Send Message: userId, secureKey, alias are Required; transcriptPosition
//     "Including this parameter enables the return of the transcript".
//   - APIResponses: "The positive response (HTTP status 200) from the GMS node is
//     identical for any Chat V2 API request. It includes ... alias, userId, chatId,
//     securekey, nextPosition, as well as chat transcripts available in the messages
//     array. The Chat transcript may be empty"; "In all responses with an HTTP status
//     code of 200": statusCode 0 success, 1 "the client can keep trying", 2 "Repeating
//     requests will not be successful; The chat may have ended—read the value of the
//     chatEnded flag"; for 1 and 2 "you cannot assume that the values of any other
//     fields are valid".
//   - ChatAPI (v1, the same product): "If an expected value is missing or incorrect,
//     then a 415 (Unsupported Media Type) error will occur" (for the content type).
//
// Everything else is marked "reference choice" where it is made.

// gmsChat is what a chat requested over GMS keeps besides the shared chat model.
type gmsChat struct {
	service      string
	answers      int                 // answers given so far: the alias of gms-alias-changes
	refreshed    bool                // a refresh was answered (gms-refresh-retry)
	messageTypes map[*message]string // send's optional messageType, by transcript entry
}

// gmsAliasBase is the alias of the documentation's sample ("alias":"117"): the Chat
// Server host of the session. One host here, so one alias (reference choice).
const gmsAliasBase = 117

// maxFormFields bounds the fields of a form body, like maxBodyItems for JSON.
const maxFormFields = maxBodyItems

// gmsError is a refused GMS request: statusCode 2 in an HTTP 200 answer, unless
// httpStatus says otherwise (unsupported media type, unknown operation, body too
// large). chatEnded is reported when the caller proved it owns the chat.
type gmsError struct {
	httpStatus int
	msg        string
	chat       *chat
}

func (e *gmsError) Error() string { return e.msg }

func gmsRefusal(c *chat, format string, args ...any) *gmsError {
	return &gmsError{httpStatus: http.StatusOK, msg: fmt.Sprintf(format, args...), chat: c}
}

// ownedRefusal is err, refused in a chat whose owner asked: its answer says chatEnded.
func ownedRefusal(c *chat, err error) *gmsError {
	var ge *gmsError
	if !errors.As(err, &ge) {
		return gmsRefusal(c, "%s", errorText(err))
	}
	if ge.chat == nil {
		ge.chat = c
	}
	return ge
}

// readGMSForm reads the form fields of a GMS request body, in either encoding the
// docs allow. Fields in the URL's query are not read: the docs put them in the body.
func readGMSForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			return nil, tooBigOr(err)
		}
		if n := strings.Count(string(raw), "&") + 1; n > maxFormFields {
			return nil, &gmsError{httpStatus: http.StatusRequestEntityTooLarge, msg: "form body with " + strconv.Itoa(n) + " fields; at most " + strconv.Itoa(maxFormFields) + " are read"}
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, gmsRefusal(nil, "malformed form body: %v", err)
		}
		return form, nil
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := r.ParseMultipartForm(maxBodyBytes); err != nil {
			return nil, tooBigOr(err)
		}
		defer r.MultipartForm.RemoveAll()
		return url.Values(r.MultipartForm.Value), nil
	}
	return nil, &gmsError{httpStatus: http.StatusUnsupportedMediaType,
		msg: "Content-Type " + strconv.Quote(r.Header.Get("Content-Type")) + ": want application/x-www-form-urlencoded or multipart/form-data"}
}

func tooBigOr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return &gmsError{httpStatus: http.StatusRequestEntityTooLarge, msg: "request body larger than " + strconv.Itoa(maxBodyBytes) + " bytes"}
	}
	return gmsRefusal(nil, "cannot read the form body: %v", err)
}

// gmsUserData collects the userData[key] fields; the first value of a key counts.
func gmsUserData(form url.Values) map[string]any {
	data := map[string]any{}
	for name, values := range form {
		key, prefixed := strings.CutPrefix(name, "userData[")
		key, closed := strings.CutSuffix(key, "]")
		if prefixed && closed && key != "" && len(values) > 0 {
			data[key] = values[0]
		}
	}
	return data
}

// handleGMSRequestChat: POST /genesys/2/chat/{serviceName}. The chat is opened and
// routed exactly as the GWS customer API's RequestChat opens it (openChat).
func (s *Server) handleGMSRequestChat(w http.ResponseWriter, r *http.Request) {
	form, err := readGMSForm(w, r)
	if err != nil {
		s.writeGMSError(w, err)
		return
	}
	first, last := form.Get("firstName"), form.Get("lastName")
	nickname := form.Get("nickname")
	if nickname == "" && first != "" && last != "" {
		nickname = first + " " + last // the sample: firstName=First, lastName=Last -> "First Last"
	}
	if nickname == "" {
		s.writeGMSError(w, gmsRefusal(nil, "either nickname or both firstName and lastName should be supplied"))
		return
	}
	userData := gmsUserData(form)
	// Reference choice: the registration fields become attached data under the
	// eServices key names, so the agent sees them; the client's own userData wins.
	for key, field := range map[string]string{"FirstName": "firstName", "LastName": "lastName", "EmailAddress": "emailAddress"} {
		if v := form.Get(field); v != "" && userData[key] == nil {
			userData[key] = v
		}
	}
	req := &opRequest{OperationName: "RequestChat", Nickname: nickname, Subject: form.Get("subject"), UserData: userData}
	s.mu.Lock()
	c, err := s.openChat(req, baseURL(r))
	var body object
	if err == nil {
		c.gms = &gmsChat{service: r.PathValue("service"), messageTypes: map[*message]string{}}
		// The sample's answer carries the transcript so far (the customer's own
		// ParticipantJoined) without a transcriptPosition in the request.
		body = s.gmsAnswer(c, 1)
		if s.tolerates("gms-request-chat-as-documented") {
			body = body.without("nextPosition").without("chatEnded")
		}
	}
	s.mu.Unlock()
	if err != nil {
		s.writeGMSError(w, gmsRefusal(nil, "%s", errorText(err)))
		return
	}
	s.writeJSON(w, http.StatusOK, body)
}

// errorText is the text of an internal error for a person.
func errorText(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.msg
	}
	return err.Error()
}

// gmsSession finds the chat of a GMS request and checks who is asking: the chat must
// have been requested over GMS under this service name, and userId and secureKey
// must be the ones its request chat answer handed out. Callers hold s.mu.
//
// The docs say secureKey is Required and valid for the session, not what a wrong
// one is answered. Reference choice: statusCode 2 in an HTTP 200 answer
// (APIResponses: repeating the request will not be successful), without chatEnded,
// so a stranger learns nothing of the chat. The alias is required but its value is
// not checked: it names the Chat Server host, and the docs let it change within a
// session (reference choice).
func (s *Server) gmsSession(service, id string, form url.Values) (*chat, error) {
	for _, name := range []string{"userId", "secureKey", "alias"} {
		if form.Get(name) == "" {
			return nil, gmsRefusal(nil, "missing parameter %s", name)
		}
	}
	c := s.chats[id]
	if c == nil || c.gms == nil || c.gms.service != service {
		return nil, gmsRefusal(nil, "no chat %q in service %q", id, service)
	}
	if form.Get("userId") != c.customer.id {
		return nil, gmsRefusal(nil, "wrong userId for chat %s", id)
	}
	if subtle.ConstantTimeCompare([]byte(form.Get("secureKey")), []byte(c.secureKey)) != 1 && !s.fault("gms-wrong-secure-key-accepted") {
		return nil, gmsRefusal(nil, "wrong secureKey for chat %s", id)
	}
	return c, nil
}

// gmsPosition reads transcriptPosition: absent is def (0: no transcript), 0 the
// start (reference choice: clients that read the request chat answer, which the
// docs print without nextPosition, start from 0), and anything but a
// non-negative integer a refusal.
func gmsPosition(form url.Values, def int) (int, error) {
	raw, ok := form["transcriptPosition"]
	if !ok || len(raw) == 0 || raw[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw[0])
	if err != nil || n < 0 {
		return 0, gmsRefusal(nil, "transcriptPosition %q is not a transcript position (a number from 1)", raw[0])
	}
	return max(n, 1), nil
}

// handleGMSOperation: POST /genesys/2/chat/{serviceName}/{chatId}/{operation}.
func (s *Server) handleGMSOperation(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("op")
	op, ok := gmsOperations[name]
	if !ok {
		// Reference choice: an operation the docs do not list is no resource.
		s.writeGMSError(w, &gmsError{httpStatus: http.StatusNotFound, msg: "no GMS Chat API v2 operation " + strconv.Quote(name) + " (want " + gmsOperationNames + ")"})
		return
	}
	form, err := readGMSForm(w, r)
	if err != nil {
		s.writeGMSError(w, err)
		return
	}
	// Refresh reads the transcript by default (reference choice: the eServices Web
	// API, which GMS Chat v2 replaces, defaults transcriptPosition to 1); the other
	// operations return it only when asked (Send Message's transcriptPosition).
	def := 0
	if name == "refresh" {
		def = 1
	}
	from, err := gmsPosition(form, def)
	if err != nil {
		s.writeGMSError(w, err)
		return
	}
	s.mu.Lock()
	var body object
	c, err := s.gmsSession(r.PathValue("service"), r.PathValue("chatId"), form)
	if err == nil {
		c.base = baseURL(r)
		switch {
		case name == "refresh" && !c.gms.refreshed && s.tolerates("gms-refresh-retry"):
			// APIResponses allows statusCode 1: "the client can keep trying".
			c.gms.refreshed = true
			body = object{{"statusCode", 1}}
		default:
			c.gms.refreshed = c.gms.refreshed || name == "refresh"
			if err = op(s, c, form); err == nil {
				body = s.gmsAnswer(c, from)
			} else {
				err = ownedRefusal(c, err)
			}
		}
	}
	if err != nil {
		body = s.gmsFailure(err)
	}
	s.mu.Unlock()
	s.writeJSON(w, gmsStatus(err), body)
}

// gmsFailure is the statusCode 2 answer of err; chatEnded is there only when the
// caller owns the chat. Callers hold s.mu. statusMessage is the reference server's
// addition for a person reading a run: the GMS pages name no explanation field.
func (s *Server) gmsFailure(err error) object {
	o := object{{"statusCode", 2}}
	var ge *gmsError
	if errors.As(err, &ge) && ge.chat != nil {
		o = append(o, field{"chatEnded", s.gmsChatEnded(ge.chat)})
	}
	return append(o, field{"statusMessage", errorText(err)})
}

func gmsStatus(err error) int {
	var ge *gmsError
	if errors.As(err, &ge) && ge.httpStatus != 0 {
		return ge.httpStatus
	}
	return http.StatusOK
}

func (s *Server) writeGMSError(w http.ResponseWriter, err error) {
	s.mu.Lock()
	body := s.gmsFailure(err)
	s.mu.Unlock()
	s.writeJSON(w, gmsStatus(err), body)
}
