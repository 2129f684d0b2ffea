package refserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBodyBytes bounds every request body; a larger one is refused, never buffered.
const maxBodyBytes = 1 << 20

// maxBodyItems bounds the JSON values of a request body; more are refused before
// decoding. An operation carries dozens at most (userData, keys, channels), while
// decoding into interfaces costs up to 170 bytes a value: 1 MiB of `{},` in a
// userData would otherwise cost some 60 MiB.
const maxBodyItems = 10000

// opRequest is the union of the parameters of every operation. Unknown fields are
// ignored: vendors and clients add their own.
type opRequest struct {
	OperationName  string         `json:"operationName"`
	Channels       []string       `json:"channels"`
	Nickname       string         `json:"nickname"`
	Subject        string         `json:"subject"`
	Text           string         `json:"text"`
	URL            string         `json:"url"`
	MessageType    string         `json:"messageType"`
	TreatAs        string         `json:"treatAs"`
	TargetURI      string         `json:"targetUri"`
	QueueName      string         `json:"queueName"`
	AgentID        string         `json:"agentId"`
	Disposition    string         `json:"disposition"`
	DispositionKey string         `json:"dispositionKey"`
	UserData       map[string]any `json:"userData"`
	Keys           []string       `json:"keys"`
	EventID        any            `json:"eventId"`
	SecureKey      string         `json:"secureKey"`
}

// readRequest decodes an operation body. Errors say what is wrong with the body.
func readRequest(w http.ResponseWriter, r *http.Request) (*opRequest, error) {
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errf(codeOutOfRange, "request body larger than %d bytes", maxBodyBytes)
		}
		return nil, errf(codeMissingParam, "cannot read the request body: %v", err)
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, errf(codeMissingParam, "empty request body; want a JSON object with operationName")
	}
	if n := jsonItems(raw); n > maxBodyItems {
		return nil, errf(codeOutOfRange, "request body holds about %d JSON values; at most %d are read", n, maxBodyItems)
	}
	var req opRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, errf(codeMissingParam, "malformed JSON body: %s", describeJSONError(err))
	}
	if req.OperationName == "" {
		return nil, errf(codeMissingParam, "missing parameter operationName")
	}
	return &req, nil
}

// jsonItems counts, without decoding or allocating, the objects, arrays and commas
// of body outside strings: at least the number of its values less one.
func jsonItems(body []byte) int {
	n := 0
	inString, escaped := false, false
	for _, c := range body {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '[' || c == ','):
			n++
		}
	}
	return n
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return "field " + typeErr.Field + ": want " + typeErr.Type.String() + ", got " + typeErr.Value
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return syntaxErr.Error() + " at byte " + strconv.FormatInt(syntaxErr.Offset, 10)
	}
	return err.Error()
}

// eventIndex reads RequestChatHistory's optional eventId (a number or a numeric
// string) as a message index; 0 means "from the start".
func (req *opRequest) eventIndex() (int, error) {
	switch v := req.EventID.(type) {
	case nil:
		return 0, nil
	case float64:
		if v < 0 || v != float64(int(v)) {
			return 0, errf(codeOutOfRange, "eventId %v is not a message index", v)
		}
		return int(v), nil
	case string:
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, errf(codeOutOfRange, "eventId %q is not a message index", v)
		}
		return n, nil
	}
	return 0, errf(codeOutOfRange, "eventId must be a number or a numeric string")
}
