package gws

import "strings"

// Purpose says why the harness made a request. The runner names it in the
// User-Agent of every request (UserAgent), so a recording of a run tells the
// scenario's own requests from the harness's plumbing by reading a header
// instead of guessing from request shapes, and a target's logs show it too.
type Purpose string

const (
	PurposePreflight     Purpose = "preflight"     // the run's check of each account before any scenario
	PurposeStep          Purpose = "step"          // a scenario step: an op or a raw http request
	PurposeSetup         Purpose = "setup"         // an actor's setup: GET /me, StartContactCenterSession, the first state
	PurposePoll          Purpose = "poll"          // a customer's transcript reads
	PurposeBarrier       Purpose = "barrier"       // a state change and back that proves delivery
	PurposeCleanup       Purpose = "cleanup"       // what the harness ends an actor's chats and session with
	PurposeNotifications Purpose = "notifications" // the harness's own Bayeux session (handshake, connects, ...)
)

// userAgentPrefix starts every User-Agent the harness sends.
const userAgentPrefix = "gwsconform ("

// UserAgent is the User-Agent header of a request made for p.
func UserAgent(p Purpose) string { return userAgentPrefix + string(p) + ")" }

// PurposeOf reads the purpose back from a User-Agent header; false when the
// request was not made by the gwsconform harness.
func PurposeOf(userAgent string) (Purpose, bool) {
	rest, ok := strings.CutPrefix(userAgent, userAgentPrefix)
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	return Purpose(strings.TrimSuffix(rest, ")")), true
}
