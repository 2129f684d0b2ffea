package suite

import (
	"fmt"

	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// AutoProcesses is the most processes `-p auto` plans. A target that breaks a
// step many scenarios share costs one notification timeout per scenario; the
// processes overlap those waits. Measured on a 2-core machine against the
// embedded server (README, Benchmarks): the healthy catalogue takes about 0.2 s
// more with 6 than with 4 and 0.6 s more with 8 (each process loads the
// catalogue), while the worst planted fault (bayeux-loses-message-between-
// connects, 83 scenarios waiting out their timeout) takes 121 s with 4, 87 s
// with 6 and 71 s with 8.
const AutoProcesses = 6

// Plan is how many processes a run uses, and why.
type Plan struct {
	Processes int
	Auto      bool // chosen by the run, not given with -p N
	Accounts  int  // the target's accounts
	// MaxAgents is the most distinct agent accounts one sharded scenario
	// needs (Widest), so each process needs that many accounts of its own.
	MaxAgents int
	Widest    *scenarios.Scenario
}

// PlanProcesses decides the number of processes of a run: requested is -p N,
// 0 for auto. scs are the selected scenarios; only those played in the shards
// (not serial, features declared by t) need accounts there. Auto takes
// min(AutoProcesses, accounts / MaxAgents, sharded scenarios), at least 1. An
// explicit N > 1 the accounts cannot serve is an error naming the accounts, the
// widest scenario and the largest N that works: the run would otherwise play
// for minutes and end with scenarios in error.
func PlanProcesses(requested int, scs []*scenarios.Scenario, t *target.Target) (Plan, error) {
	p := Plan{Processes: requested, Auto: requested == 0, Accounts: len(t.Accounts)}
	sharded := 0
	for _, sc := range Playable(scs, t) {
		if sc.Serial {
			continue
		}
		sharded++
		if n := AgentCount(sc); n > p.MaxAgents {
			p.MaxAgents, p.Widest = n, sc
		}
	}
	fit := p.Accounts / max(p.MaxAgents, 1)
	switch {
	case p.Auto:
		p.Processes = max(1, min(AutoProcesses, fit, sharded))
	case requested > 1 && requested > fit:
		if p.Widest == nil {
			return p, fmt.Errorf("-p %d: the target has %d account(s); each process needs one of its own, so use at most -p %d", requested, p.Accounts, max(fit, 1))
		}
		return p, fmt.Errorf("-p %d: the target has %d account(s) and %q (%s:%d) needs %d agents, so each process needs %d accounts of its own: use at most -p %d, or add accounts",
			requested, p.Accounts, p.Widest.Name, p.Widest.File, p.Widest.Line, p.MaxAgents, p.MaxAgents, max(fit, 1))
	}
	return p, nil
}

// String is how the run's first line names the plan.
func (p Plan) String() string {
	s := fmt.Sprintf("%d process(es)", p.Processes)
	if p.Auto {
		s += fmt.Sprintf(" (-p auto: %d accounts, at most %d agent(s) per scenario)", p.Accounts, p.MaxAgents)
	}
	return s
}

// AgentCount is how many distinct agent accounts sc needs: one per agent actor.
func AgentCount(sc *scenarios.Scenario) int {
	n := 0
	for _, a := range sc.Actors {
		if a.Kind == scenarios.KindAgent {
			n++
		}
	}
	return n
}
