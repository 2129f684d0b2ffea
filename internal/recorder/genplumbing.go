package recorder

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// A recording made while the gwsconform runner played a scenario holds, besides the
// scenario's own requests, what the runner does by itself: actor setup, the customers'
// transcript polling, its own CometD session, and the cleanup after the last step. A
// generated scenario must not replay those as steps (the runner will do them again);
// they become actor declarations (`ready`) and expectations instead.
//
// The runner names the purpose of each request in its User-Agent (gws.UserAgent), and
// a recording that carries those labels is read by them (labelledPlumbing). A
// recording of another client has none and no plumbing of ours. The shape rules of
// findPlumbing remain for recordings of runs made before the runner labelled its
// traffic: every one of them only matches the exact shape the runner produced.

// plumbing is what findPlumbing learned.
type plumbing struct {
	// skip holds the Seq of every REST exchange the runner made by itself.
	skip map[int64]bool
	// setupReady: the agent account was made Ready by the runner's setup.
	setupReady map[string]bool
	// runnerSession is the clientId of the runner's own CometD session, by account.
	runnerSession map[string]string
	// preflight holds the Seq of the run's preflight requests: an account that made
	// only those was checked, not played, and is no actor.
	preflight map[int64]bool
}

func findPlumbing(rec *Recording) *plumbing {
	if p, ok := labelledPlumbing(rec); ok {
		return p
	}
	p := &plumbing{skip: map[int64]bool{}, setupReady: map[string]bool{}, runnerSession: map[string]string{}, preflight: map[int64]bool{}}
	byAccount := map[string][]*Exchange{}
	var rest []*Exchange
	for _, x := range rec.Exchanges {
		if !usable(x) {
			continue
		}
		switch x.Kind {
		case KindBayeux:
			if _, ok := p.runnerSession[x.Account]; !ok && isHandshake(x) {
				// The runner handshakes during setup, before any step can.
				p.runnerSession[x.Account] = handshakeClientID(x)
			}
		case KindAgent:
			byAccount[x.Account] = append(byAccount[x.Account], x)
			rest = append(rest, x)
		case KindCustomer:
			byAccount[queueKey(KindCustomer, x.Account)] = append(byAccount[queueKey(KindCustomer, x.Account)], x)
			rest = append(rest, x)
		}
	}
	// Setup: the agent's first GET /me and StartContactCenterSession, then Ready
	// (unless the actor is declared ready: false), all before the first step.
	candidates := map[int64]string{}
	for account, xs := range byAccount {
		if strings.HasPrefix(account, "customer ") {
			continue
		}
		gotMe, gotSession := false, false
		for _, x := range xs {
			switch {
			case !gotMe && calls(x, gws.GetMe) && x.Request.Query == "":
				gotMe = true
				p.skip[x.Seq] = true
			case gotMe && !gotSession && calls(x, gws.StartContactCenterSession):
				gotSession = true
				p.skip[x.Seq] = true
			case gotSession && asksForState(x):
				if calls(x, gws.Ready) {
					candidates[x.Seq] = account
				}
			default:
				continue
			}
			if asksForState(x) {
				break
			}
		}
	}
	firstStep := -1.0
	for _, x := range rest {
		if !p.skip[x.Seq] && candidates[x.Seq] == "" && !isTranscriptRead(x) {
			firstStep = x.StartMs
			break
		}
	}
	for _, x := range rest {
		if account := candidates[x.Seq]; account != "" && (firstStep < 0 || x.StartMs < firstStep) {
			p.skip[x.Seq] = true
			p.setupReady[account] = true
		}
	}
	for account, xs := range byAccount {
		if strings.HasPrefix(account, "customer ") {
			p.customerCleanup(xs)
		} else {
			p.agentCleanup(xs)
		}
	}
	return p
}

// agentCleanup marks the runner's cleanup of an agent: GET /api/v2/me/chats, Complete
// or Reject of each chat still listed, then NotReady, as the agent's last requests.
func (p *plumbing) agentCleanup(xs []*Exchange) {
	i := len(xs) - 1
	if i < 0 || !calls(xs[i], gws.NotReady) {
		return
	}
	for i--; i >= 0; i-- {
		if op, _, ok := called(xs[i]); ok && op.Dialect == gws.DialectChats && (op.Name == "Complete" || op.Name == "Reject") {
			continue
		}
		break
	}
	if i < 0 || !calls(xs[i], gws.ListChats) {
		return
	}
	for _, x := range xs[i:] {
		p.skip[x.Seq] = true
	}
}

// customerCleanup marks the runner's Complete of a customer chat still open at the end:
// the customer's last request, after its poller stopped (no transcript read follows) on
// a chat the last read did not show ended (a scenario's own Complete is read back).
func (p *plumbing) customerCleanup(xs []*Exchange) {
	last := xs[len(xs)-1]
	if last.Request.Method != http.MethodPost || operationName(last.Request.Body.JSON) != "Complete" {
		return
	}
	for i := len(xs) - 2; i >= 0; i-- {
		if isTranscriptRead(xs[i]) {
			if transcriptState(xs[i]) == gws.CustomerIdle {
				return
			}
			break
		}
	}
	p.skip[last.Seq] = true
}

// isTranscriptRead: the runner's poll of a customer transcript.
func isTranscriptRead(x *Exchange) bool {
	return x.Kind == KindCustomer && calls(x, gws.GetMessages)
}

func transcriptState(x *Exchange) string {
	var body struct {
		State string `json:"state"`
	}
	json.Unmarshal(x.Response.Body.JSON, &body)
	return body.State
}

func isHandshake(x *Exchange) bool {
	for _, m := range parseBayeuxBody(x.Request.Body.JSON) {
		if m.Channel == "/meta/handshake" {
			return true
		}
	}
	return false
}

// handshakeClientID is the clientId a successful handshake reply handed out.
func handshakeClientID(x *Exchange) string {
	for _, m := range parseBayeuxBody(x.Response.Body.JSON) {
		if m.Channel == "/meta/handshake" && m.ClientID != "" {
			return m.ClientID
		}
	}
	return ""
}

// bayeuxClientID is the clientId a Bayeux request names ("" for a handshake).
func bayeuxClientID(x *Exchange) string {
	for _, m := range parseBayeuxBody(x.Request.Body.JSON) {
		if m.ClientID != "" {
			return m.ClientID
		}
	}
	return ""
}

// isRunnerBayeux: the exchange belongs to the runner's own CometD session.
func (p *plumbing) isRunnerBayeux(x *Exchange) bool {
	session, ok := p.runnerSession[x.Account]
	if !ok {
		return false
	}
	if isHandshake(x) {
		return handshakeClientID(x) == session
	}
	return bayeuxClientID(x) == session
}

// labelledPlumbing reads the plumbing from the runner's User-Agent labels: every
// exchange made for another purpose than a step is skipped, a Ready the setup
// sent declares the actor ready, and the handshake of the harness's own Bayeux
// session names it. false when no exchange carries a label.
func labelledPlumbing(rec *Recording) (*plumbing, bool) {
	p := &plumbing{skip: map[int64]bool{}, setupReady: map[string]bool{}, runnerSession: map[string]string{}, preflight: map[int64]bool{}}
	labelled := false
	for _, x := range rec.Exchanges {
		purpose, ok := gws.PurposeOf(x.Request.Header.Get("User-Agent"))
		if !ok {
			continue
		}
		labelled = true
		if !usable(x) {
			continue
		}
		switch {
		case x.Kind == KindBayeux:
			if _, known := p.runnerSession[x.Account]; !known && purpose == gws.PurposeNotifications && isHandshake(x) {
				p.runnerSession[x.Account] = handshakeClientID(x)
			}
		case purpose == gws.PurposeStep:
		default:
			p.skip[x.Seq] = true
			if purpose == gws.PurposePreflight {
				p.preflight[x.Seq] = true
			}
			if purpose == gws.PurposeSetup && calls(x, gws.Ready) {
				p.setupReady[x.Account] = true
			}
		}
	}
	return p, labelled
}
