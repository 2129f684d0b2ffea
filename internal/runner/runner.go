package runner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
	"github.com/gwsconform/gwsconform/scenarios"
)

// Runner plays scenarios against one target. It is safe to call Run from several
// goroutines only if each uses its own Accounts share (accounts are not locked).
type Runner struct {
	Target *target.Target
	// Accounts is this process's share of Target.Accounts (see Target.Partition);
	// nil = all of them.
	Accounts []target.Account
	// Log receives a verbose trace (requests, notifications, waits); nil = quiet.
	Log io.Writer
	// Strict makes every check binding: a check of inferred or reference
	// evidence that does not hold fails the scenario instead of being reported
	// as a deviation. False = only documented checks can fail a target.
	Strict bool
}

// run is the state of one scenario run.
type run struct {
	r     *Runner
	t     *target.Target
	sc    *scenarios.Scenario
	start time.Time

	meter     *meter
	transport *http.Transport // the base under the meter; idle connections closed at the end
	phases    *phases

	actors map[string]*actor
	order  []*actor
	vars   *vars

	// deviations are the weak checks that did not hold, in the order found,
	// guarded by devMu (see addDeviation).
	deviations []Deviation
	devMu      sync.Mutex

	// checkMu serialises checkStream: the waits of agents set up in parallel
	// each check every actor's stream (waitOn).
	checkMu sync.Mutex

	logMu  sync.Mutex
	traced int // bytes of trace written, guarded by logMu (see maxTraceBytes)
}

// Run plays sc and reports its outcome. It never panics on a bad scenario or a
// misbehaving target; those become error and fail outcomes.
func (r *Runner) Run(ctx context.Context, sc *scenarios.Scenario) (res Result) {
	res = Result{Scenario: sc}
	start := time.Now()
	if sc == nil {
		res.Outcome, res.Reason = report.Error, "no scenario"
		return res
	}
	if r.Target == nil {
		res.Outcome, res.Reason = report.Error, "runner has no target"
		return res
	}
	if why := Unplayable(r.Target, sc); why != "" {
		res.Outcome, res.Reason = report.Skip, why
		return res
	}

	rn := r.newRun(sc, start)
	defer rn.transport.CloseIdleConnections()
	if sc.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sc.Timeout)
		defer cancel()
	}
	p := rn.play(ctx)
	endCleanup := rn.phases.begin(phaseCleanup)
	rn.cleanup()
	endCleanup()
	if p == nil {
		p = rn.duplicatesAfterCleanup() // the notifications pumped after the last step's check
	}

	res.Outcome = report.Pass
	if p != nil {
		res.Outcome, res.Reason, res.Step, res.Detail = p.outcome, p.reason, p.step, p.detail
	}
	res.Deviations = rn.deviationsFound()
	res.Duration = time.Since(start)
	res.RoundTrip, res.Requests = rn.meter.totals()
	res.Busy = rn.meter.busyTime()
	res.Phases = rn.phases.snapshot()
	rn.logf("%s: %s %s", sc.Name, res.Outcome, res.Reason)
	return res
}

// Unplayable says why t cannot play sc (a feature sc requires, or that an
// operation it calls needs, which t does not declare), or "" when it can. It is
// the one place a run decides that skip: Run skips by it, and the planner counts
// only the scenarios it lets through.
func Unplayable(t *target.Target, sc *scenarios.Scenario) string {
	missing := t.MissingFeatures(append(slices.Clone(sc.Requires), opFeatures(sc)...))
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("target %q does not declare feature %s", t.Name, strings.Join(missing, ", "))
}

// opFeatures lists the features of the operations a scenario calls (the loader
// adds them to Requires; a scenario built in Go may not have them there).
func opFeatures(sc *scenarios.Scenario) []string {
	var features []string
	for _, step := range sc.Steps {
		if op, ok := step.Action.(*scenarios.OpStep); ok && op.Op.Feature != "" {
			features = append(features, string(op.Op.Feature))
		}
	}
	return features
}

func (r *Runner) newRun(sc *scenarios.Scenario, start time.Time) *run {
	base := target.NewTransport() // keeps the first bytes of each answer for the reasons
	m := &meter{base: base}
	rn := &run{
		r: r, t: r.Target, sc: sc, start: start,
		meter:     m,
		transport: base,
		phases:    &phases{meter: m},
		actors:    map[string]*actor{},
	}
	rn.vars = newVars(rn)
	changed := newPulse()
	for _, spec := range sc.Actors {
		jar, _ := cookiejar.New(nil) // never fails without a public suffix list
		a := &actor{
			spec:       spec,
			stream:     newStream(changed),
			matched:    map[int]string{},
			client:     newClient(jar, rn.meter),
			bareClient: newClient(nil, rn.meter),
		}
		rn.actors[spec.Name] = a
		rn.order = append(rn.order, a)
	}
	return rn
}

// play sets the actors up, runs every step, then checks what must hold at the end.
func (rn *run) play(ctx context.Context) *problem {
	if p := rn.assignAccounts(); p != nil {
		return p
	}
	endSetup := rn.phases.begin(phaseSetup)
	p := rn.setupAgents(ctx)
	endSetup()
	if p != nil {
		return p
	}
	for i := range rn.sc.Steps {
		step := &rn.sc.Steps[i]
		if err := ctx.Err(); err != nil {
			return rn.canceled(step, ctx)
		}
		endStep := rn.phases.begin(stepPhase(step))
		rn.grantHistories(step)
		p := rn.unchecked(step.Level, where(step), rn.step(ctx, step))
		endStep()
		if p != nil {
			return p
		}
		if p := rn.checkStreams(step); p != nil {
			return p
		}
	}
	defer rn.phases.begin(phaseFinish)()
	return rn.finish(ctx)
}

// stepPhase names the phase a step's time counts in.
func stepPhase(step *scenarios.Step) string {
	switch step.Action.(type) {
	case *scenarios.AwaitStep:
		return phaseAwait
	case *scenarios.BarrierStep:
		return phaseBarrier
	case *scenarios.OpStep, *scenarios.HTTPStep, *scenarios.NeverStep:
	}
	return phaseOp
}

// finish proves delivery settled for every actor with never/once expectations
// and checks them one last time.
func (rn *run) finish(ctx context.Context) *problem {
	for _, a := range rn.order {
		if !a.hasChecks() {
			continue
		}
		if p := rn.barrier(ctx, nil, a); p != nil {
			p.reason = "end of scenario: " + p.reason
			return p
		}
		if p := rn.checkForbidden(nil, a); p != nil {
			return p
		}
	}
	return rn.checkStreams(nil)
}

func (rn *run) canceled(step *scenarios.Step, ctx context.Context) *problem {
	if ctx.Err() == context.DeadlineExceeded && rn.sc.Timeout > 0 {
		return harnessError(step, "scenario timeout %s exceeded", rn.sc.Timeout)
	}
	return harnessError(step, "run canceled: %v", ctx.Err())
}

// step runs one step.
func (rn *run) step(ctx context.Context, step *scenarios.Step) *problem {
	a, ok := rn.actors[step.Actor]
	if !ok {
		return harnessError(step, "step names actor %q, which the scenario does not declare", step.Actor)
	}
	start := time.Now()
	rn.logf("step %d (%s) at %s:%d", step.Index, step.Label(), step.File, step.Line)
	switch act := step.Action.(type) {
	case *scenarios.OpStep:
		return rn.opStep(ctx, step, a, start)
	case *scenarios.HTTPStep:
		return rn.httpStep(ctx, step, a)
	case *scenarios.AwaitStep:
		if act.Ordered {
			return rn.expectOrdered(ctx, step, a, act.Items, act.Within, start)
		}
		return rn.expectSet(ctx, step, a, act.Items, act.Within, start)
	case *scenarios.NeverStep:
		rn.addNevers(step, a)
		return nil
	case *scenarios.BarrierStep:
		if p := rn.barrier(ctx, step, a); p != nil {
			return p
		}
		return rn.checkForbidden(step, a)
	}
	return harnessError(step, "empty step: it has no op, http, await, unordered, never or barrier")
}

// assignAccounts gives each agent actor a distinct account of the share.
func (rn *run) assignAccounts() *problem {
	share := rn.r.Accounts
	if share == nil {
		share = rn.t.Accounts
	}
	var agents []*actor
	for _, a := range rn.order {
		if a.isAgent() {
			agents = append(agents, a)
		}
	}
	if len(agents) > len(share) {
		return harnessError(nil, "%v", target.ShareTooSmall(len(agents), share))
	}
	for i, a := range agents {
		a.account = share[i]
	}
	return nil
}

// logf writes one trace line, with the time since the run started.
func (rn *run) logf(format string, args ...any) {
	if rn.r.Log == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	rn.logMu.Lock()
	defer rn.logMu.Unlock()
	rn.writeTrace(line) // bounded per scenario (timeline.go)
}

// formatOffset renders a duration since the run's start as seconds with ms.
func formatOffset(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// cleanup releases what the run holds on the target, customers first (an open
// customer chat could be routed to an agent of a later scenario), concurrently.
// Agents go one after the other, in scenario order: their Completes of a shared
// chat notify each other, and a replay of the recording can only give those
// notifications back in their recorded order if the requests come in it too.
// Each part has its own deadline: the run's context may already be done.
func (rn *run) cleanup() {
	within := func(do func(ctx context.Context)) {
		ctx, cancel := context.WithTimeout(context.Background(), rn.t.RequestWait())
		defer cancel()
		do(ctx)
	}
	within(func(ctx context.Context) {
		rn.eachActor(func(a *actor) bool { return !a.isAgent() }, func(a *actor) { rn.cleanupCustomer(ctx, a) })
	})
	for _, a := range rn.order {
		if a.isAgent() {
			within(func(ctx context.Context) { rn.cleanupAgent(ctx, a) })
		}
	}
}

// eachActor runs do for every actor that which selects, concurrently, and waits.
func (rn *run) eachActor(which func(*actor) bool, do func(*actor)) {
	var wg sync.WaitGroup
	for _, a := range rn.order {
		if which(a) {
			wg.Go(func() { do(a) })
		}
	}
	wg.Wait()
}
