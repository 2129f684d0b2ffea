package refserver

import (
	"errors"
	"slices"
	"strings"
)

// tolerationList is the registry of legal variations: a conforming client (and so
// the whole catalogue) must accept each of them. Each is a small switch at the point
// of variation, like a fault.
var tolerationList = []Fault{
	// Representation.
	{"extra-fields", "", "every JSON object the server sends carries an unknown extra field, but error answers (the Return Values page: no other attributes)"},
	{"reordered-keys", "", "every JSON object the server sends has its keys in reverse order"},
	{"chat-path", "", "NewMessages notifications carry chatPath (a path) instead of chatUri"},
	{"delayed-notifications", "", "notifications are delivered 300ms late, still in order"},
	{"batched-differently", "", "NewMessages with several messages are split into one notification per message"},
	{"new-messages-merged", "", "NewMessages of one chat due to an agent from one request go out as one notification (only ParticipantsUpdated/PropertiesUpdated are overtaken)"},
	{"status-change-last", "", "the StatusChange notifications an agent operation causes go out after its other notifications (ParticipantsUpdated, NewMessages, ...): no page states their order"},

	// What the seed pages show (or allow) where the default differs.
	{"answers-without-reference-id", "", "successful operation answers carry a referenceId only for Consult and Invite (seeds 000, 001); the others are exactly {\"statusCode\":0}"},
	{"notifications-without-reference-id", "", "only StatusChange and Error notifications carry the request's referenceId (seeds 003, 004, 000); ParticipantsUpdated, PropertiesUpdated and NewMessages carry none"},
	{"set-in-focus", "", "Chatting and LeftChat capabilities spell SetInFocus (seeds 000, 001), never InFocus (seeds 003, 004)"},
	{"ready-unchanged-silent", "", "Ready or NotReady in the agent's current state sends no ChannelStateChangeMessageV2; only a real change notifies"},
	{"plain-401", "", "a 401 for wrong or missing credentials has an empty body (WWW-Authenticate kept); a CSRF 403 has the plain-text body Missing or invalid Csrf token"},
	{"customer-without-secure-key", "", "RequestChat answers no secureKey, and customer requests are accepted with a wrong or missing one"},
	{"accept-nickname-optional", "", "Accept without a nickname is accepted and shows the agent's username to the customer"},
	{"refusals-by-error-notification", "", "a chats-dialect operation refused in a chat the agent is in answers statusCode 0 with a referenceId, then sends an Error notification carrying it (API-NOTES: the outcome may come as a notification)"},
	{"unknown-target-answers-success", "", "Consult, Invite or Transfer of a user that does not exist answers statusCode 0 with a referenceId, then sends an Error notification carrying it"},

	// The notification endpoint (Bayeux); the last two are what cometd-nodejs-server does.
	{"bayeux-connect-reply-first", "", "a connect reply lists the /meta/connect reply before the notifications it carries"},
	{"bayeux-ext-fields", "", "every Bayeux reply and event carries an ext object"},
	{"bayeux-connect-advice-omitted", "", "a /meta/connect reply carries no advice when the connect sent none (handshake, 402 and reconnect-none replies keep theirs)"},
	{"bayeux-subscribe-any-channel", "", "subscriptions to channels outside /v2/me/* are accepted; no data ever flows on them"},

	// GMS Chat API v2 (gms.go): what GMS/API/APIResponses and the ChatAPIv2 sample allow.
	{"gms-alias-changes", "", "every GMS answer carries a new alias (APIResponses: the alias may change several times within the same session)"},
	{"gms-refresh-retry", "", "the first GMS refresh of each chat answers statusCode 1 and nothing else (APIResponses: the client can keep trying until it receives statusCode 0)"},
	{"gms-request-chat-as-documented", "", "the GMS request chat answer has exactly the fields of the documented sample: no nextPosition, no chatEnded"},

	{"seed-shaped", "", "all of: " + seedShapedList()},
}

// seedShaped is what the seed-shaped alias switches on: what the seed pages print
// where the defaults add to it (referenceIds, SetInFocus, secureKey), and the
// reference server's own choices taken back where no page settles the point (an
// unchanged Ready notifying, JSON 401/403 bodies, one message per NewMessages,
// advice on every connect reply). The server then answers as the documentation prints.
var seedShaped = []string{
	"answers-without-reference-id",
	"notifications-without-reference-id",
	"set-in-focus",
	"ready-unchanged-silent",
	"bayeux-connect-advice-omitted",
	"plain-401",
	"customer-without-secure-key",
	"new-messages-merged",
}

// tolerationAliases name groups of variations; the alias itself stays in the set.
var tolerationAliases = map[string][]string{"seed-shaped": seedShaped}

func seedShapedList() string { return strings.Join(seedShaped, ", ") }

// ExpandTolerations returns the variations the names switch on, aliases expanded,
// sorted; an unknown name or a contradiction is an error.
func ExpandTolerations(names []string) ([]string, error) {
	set, err := toleranceSet(names)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(set))
	for name := range set {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// toleranceSet checks the toleration names, expands aliases and refuses
// combinations that contradict each other.
func toleranceSet(names []string) (map[string]bool, error) {
	set, err := nameSet("tolerate", names, tolerationList)
	if err != nil {
		return nil, err
	}
	for alias, members := range tolerationAliases {
		if set[alias] {
			for _, m := range members {
				set[m] = true
			}
		}
	}
	if set["batched-differently"] && set["new-messages-merged"] {
		return nil, errors.New("tolerate: batched-differently and new-messages-merged contradict each other; choose one")
	}
	return set, nil
}

// answerReference is the referenceId a successful chat operation's answer carries,
// or 0 for none: with answers-without-reference-id only Consult and Invite, as in
// seeds 000 and 001, keep it.
func (s *Server) answerReference(op string, ref int) int {
	if s.tolerates("answers-without-reference-id") && !slices.Contains([]string{"Consult", "Invite"}, op) {
		return 0
	}
	return ref
}

// noteReference is the referenceId a notification of notificationType caused by
// request ref carries, or 0 for none. The seeds show it on StatusChange and Error
// only: the reference-id-missing fault takes it from those, the
// notifications-without-reference-id toleration from all the others.
func (s *Server) noteReference(notificationType string, ref int) int {
	seedShown := notificationType == "StatusChange" || notificationType == "Error"
	switch {
	case ref <= 0:
		return 0
	case seedShown && s.fault("reference-id-missing"):
		return 0
	case !seedShown && s.tolerates("notifications-without-reference-id"):
		return 0
	}
	return ref
}

// inFocus is the spelling of the focus capability in lists that have one spelling:
// seed 003/004's InFocus, or seeds 000/001's SetInFocus under set-in-focus.
func (s *Server) inFocus() string {
	if s.tolerates("set-in-focus") {
		return "SetInFocus"
	}
	return "InFocus"
}
