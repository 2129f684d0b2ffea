package refserver

import (
	"fmt"
	"sort"
	"strings"
)

// Fault is a named deviation the reference server can be told to make (or, for
// tolerations, a legal variation it can be told to use). Scenario names the scenario
// of the catalogue expected to catch the fault.
type Fault struct {
	Name        string
	Scenario    string
	Description string
}

var faultList = []Fault{
	{"consult-joined-visible-to-customer", "Consult keeps the consultant hidden from the customer",
		"a consultant's ParticipantJoined has visibility All, so the customer sees the consultant"},
	{"reference-id-missing", "Accept delivers Chatting, the participants and the history so far",
		"notifications caused by a request do not carry its referenceId"},
	{"leave-reports-completed", "Leave as the only agent ends the customer's session",
		"Leave by the only agent reports StatusChange Completed instead of LeftChat"},
	{"participant-joined-dropped", "Invite makes a conference the customer can see",
		"the originator of a consult or invite never gets NewMessages[ParticipantJoined]"},
	{"capability-missing", "Accept delivers Chatting, the participants and the history so far",
		"the Chatting capabilities leave out Leave"},
	{"message-index-repeated", "message-indexes-increase",
		"every Text message reuses the index of the message before it"},
	{"wrong-status-code-invalid-state", "invalid-state-status-code",
		"an operation invalid for the chat's state answers statusCode 4 (internal error) instead of 2"},
	{"error-notification-never-sent", "Invite of an agent who is not ready fails with an Error notification",
		"an asynchronous failure (target not ready, offer rejected) sends no Error notification"},
	{"agents-messages-leak-to-customer", "send-to-agents-hidden",
		"the customer transcript includes messages with visibility Agents"},
	{"interactions-wrong-shape", "The interactions dialect accepts, messages, conferences and ends a chat",
		"interactions answers swap the statusCode and status shapes"},
	{"bayeux-loses-message-between-connects", "notifications-in-order",
		"a connect reply carrying several notifications drops all but the first"},
	{"bayeux-402-without-handshake-advice", "bayeux-rehandshake",
		"402 Unknown client replies carry no advice, so clients never handshake again"},
}

var tolerationList = []Fault{
	{"extra-fields", "", "every JSON object the server sends carries an unknown extra field"},
	{"reordered-keys", "", "every JSON object the server sends has its keys in reverse order"},
	{"chat-path", "", "NewMessages notifications carry chatPath (a path) instead of chatUri"},
	{"delayed-notifications", "", "notifications are delivered 300ms late, still in order"},
	{"batched-differently", "", "NewMessages with several messages are split into one notification per message"},
}

// Faults lists the named faults, sorted by name.
func Faults() []Fault { return sortedCopy(faultList) }

// Tolerations lists the named legal variations, sorted by name.
func Tolerations() []Fault { return sortedCopy(tolerationList) }

func sortedCopy(list []Fault) []Fault {
	out := append([]Fault(nil), list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// nameSet checks names against a registry; what names the config field in errors.
func nameSet(what string, names []string, registry []Fault) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range registry {
		known[f.Name] = true
	}
	set := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			valid := make([]string, 0, len(registry))
			for _, f := range sortedCopy(registry) {
				valid = append(valid, f.Name)
			}
			return nil, fmt.Errorf("%s: unknown name %q (known: %s)", what, n, strings.Join(valid, ", "))
		}
		set[n] = true
	}
	return set, nil
}

// fault reports whether the named fault is switched on.
func (s *Server) fault(name string) bool { return s.faults[name] }

// tolerates reports whether the named variation is switched on.
func (s *Server) tolerates(name string) bool { return s.tolerations[name] }
