package generate

import (
	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/gws"
)

// A recording made while the gwsconform runner played a scenario holds, besides the
// scenario's own requests, what the runner does by itself: actor setup, the customers'
// transcript polling, its own CometD session, and the cleanup after the last step. A
// generated scenario must not replay those as steps (the runner will do them again);
// they become actor declarations (`ready`) and expectations instead.
//
// The runner names the purpose of each request in its User-Agent (gws.UserAgent), and
// the plumbing is read from those labels alone, never guessed from request shapes. A
// recording of another client has none and no plumbing of ours; a recording of a run
// made before the runner labelled its traffic reads as another client's.

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

func findPlumbing(rec *fixture.Recording) *plumbing {
	p := &plumbing{skip: map[int64]bool{}, setupReady: map[string]bool{}, runnerSession: map[string]string{}, preflight: map[int64]bool{}}
	for _, x := range rec.Exchanges {
		purpose, labelled := x.Purpose()
		if !labelled || !x.Answered() {
			continue
		}
		switch {
		case x.Kind == fixture.KindBayeux:
			if _, known := p.runnerSession[x.Account]; !known && purpose == gws.PurposeNotifications && x.IsHandshake() {
				p.runnerSession[x.Account] = x.HandshakeClientID()
			}
		case purpose == gws.PurposeStep:
		default:
			p.skip[x.Seq] = true
			if purpose == gws.PurposePreflight {
				p.preflight[x.Seq] = true
			}
			if purpose == gws.PurposeSetup && x.Calls(gws.Ready) {
				p.setupReady[x.Account] = true
			}
		}
	}
	return p
}

// isRunnerBayeux: the exchange belongs to the runner's own CometD session.
func (p *plumbing) isRunnerBayeux(x *fixture.Exchange) bool {
	session, ok := p.runnerSession[x.Account]
	if !ok {
		return false
	}
	if x.IsHandshake() {
		return x.HandshakeClientID() == session
	}
	return x.BayeuxClientID() == session
}
