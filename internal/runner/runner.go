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
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
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
	// Transcript keeps what was sent and received in Result.Transcript.
	Transcript bool
	// OnStep, when set, is called as each step starts (for progress shown
	// to a person; it must not block).
	OnStep func(*scenarios.Step)
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

	actors map[string]actor
	order  []actor // in the order written
	// agents and customers are order's actors of each kind (addActor), for
	// what concerns one kind only: accounts and histories, transcript reads.
	agents    []*agent
	customers []*customer
	vars      *vars

	// deviations are the weak checks that did not hold, in the order found,
	// guarded by devMu (see addDeviation).
	deviations []Deviation
	devMu      sync.Mutex

	// checkMu serialises checkStream: the waits of agents set up in parallel
	// each check every actor's stream (waitOn).
	checkMu sync.Mutex

	transcript *transcriber // nil unless the Runner asked for a transcript

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

	rn, err := r.newRun(sc, start)
	defer rn.transport.CloseIdleConnections()
	if err != nil {
		res.Outcome, res.Reason = outcomeOf(err), err.Error()
		return res
	}
	if sc.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sc.Timeout)
		defer cancel()
	}
	err = rn.play(ctx)
	endCleanup := rn.phases.begin(phaseCleanup)
	rn.cleanup()
	endCleanup()
	if err == nil {
		err = rn.duplicatesAfterCleanup() // the notifications pumped after the last step's check
	}

	res.Outcome = outcomeOf(err)
	if err != nil {
		p := problemOf(err)
		res.Reason, res.Step, res.Detail = p.reason, p.step, p.detail
	}
	res.Deviations = rn.deviationsFound()
	res.Duration = time.Since(start)
	res.RoundTrip, res.Requests = rn.meter.totals()
	res.Busy = rn.meter.busyTime()
	res.Phases = rn.phases.snapshot()
	res.Transcript = rn.transcript.finish(rn.order)
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

func (r *Runner) newRun(sc *scenarios.Scenario, start time.Time) (*run, error) {
	base := target.NewTransport() // keeps the first bytes of each answer for the reasons
	m := &meter{base: base}
	rn := &run{
		r: r, t: r.Target, sc: sc, start: start,
		transcript: newTranscriber(r.Transcript, sc.Name, start),
		meter:      m,
		transport:  base,
		phases:     &phases{meter: m},
		actors:     map[string]actor{},
	}
	rn.vars = newVars(rn)
	changed := newPulse()
	for _, spec := range sc.Actors {
		jar, _ := cookiejar.New(nil) // never fails without a public suffix list
		err := rn.addActor(actorCore{
			spec:    spec,
			stream:  newStream(changed),
			matched: map[int]string{},
			client:  newClient(jar, rn.meter),
		})
		if err != nil {
			return rn, err
		}
	}
	return rn, nil
}

// play sets the actors up, runs every step, then checks what must hold at the end.
func (rn *run) play(ctx context.Context) error {
	if err := rn.assignAccounts(); err != nil {
		return err
	}
	endSetup := rn.phases.begin(phaseSetup)
	err := rn.setup(ctx)
	endSetup()
	if err != nil {
		return err
	}
	for i := range rn.sc.Steps {
		step := &rn.sc.Steps[i]
		if ctx.Err() != nil {
			return rn.canceled(step, ctx)
		}
		if rn.r.OnStep != nil {
			rn.r.OnStep(step)
		}
		endStep := rn.phases.begin(stepPhase(step))
		rn.grantHistories(step)
		err = rn.unchecked(step.Level, where(step), rn.step(ctx, step))
		endStep()
		if err != nil {
			return err
		}
		if err := rn.checkStreams(step); err != nil {
			return err
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
func (rn *run) finish(ctx context.Context) error {
	for _, a := range rn.order {
		if !a.core().hasChecks() {
			continue
		}
		if err := a.barrier(ctx, rn, nil); err != nil {
			return fmt.Errorf("end of scenario: %w", err)
		}
		if err := rn.checkForbidden(nil, a); err != nil {
			return err
		}
	}
	return rn.checkStreams(nil)
}

func (rn *run) canceled(step *scenarios.Step, ctx context.Context) error {
	if ctx.Err() == context.DeadlineExceeded && rn.sc.Timeout > 0 {
		return scenarioError(step, "scenario timeout %s exceeded", rn.sc.Timeout)
	}
	return envError(step, "run canceled: %v", ctx.Err())
}

// step runs one step.
func (rn *run) step(ctx context.Context, step *scenarios.Step) error {
	a, ok := rn.actors[step.Actor]
	if !ok {
		return scenarioError(step, "step names actor %q, which the scenario does not declare", step.Actor)
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
		if err := a.barrier(ctx, rn, step); err != nil {
			return err
		}
		return rn.checkForbidden(step, a)
	}
	return scenarioError(step, "empty step: it has no op, http, await, unordered, never or barrier")
}

// assignAccounts gives each agent actor a distinct account of the share.
func (rn *run) assignAccounts() error {
	share := rn.r.Accounts
	if share == nil {
		share = rn.t.Accounts
	}
	if len(rn.agents) > len(share) {
		return envError(nil, "%v", target.ShareTooSmall(len(rn.agents), share))
	}
	for i, a := range rn.agents {
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

// cleanup releases what the run holds on the target. First, concurrently, the
// actors whose cleanups are independent: customers (an open customer chat could
// be routed to an agent of a later scenario). Then those that clean up in turn
// (traits.cleanupInTurn), one after the other, in scenario order: agents, whose
// Completes of a shared chat notify each other, and a replay of the recording
// can only give those notifications back in their recorded order if the
// requests come in it too. Each part has its own deadline: the run's context
// may already be done.
func (rn *run) cleanup() {
	within := func(do func(ctx context.Context)) {
		ctx, cancel := context.WithTimeout(context.Background(), rn.t.RequestWait())
		defer cancel()
		do(ctx)
	}
	within(func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, a := range rn.order {
			if !a.traits().cleanupInTurn {
				wg.Go(func() { a.cleanup(ctx, rn) })
			}
		}
		wg.Wait()
	})
	for _, a := range rn.order {
		if a.traits().cleanupInTurn {
			within(func(ctx context.Context) { a.cleanup(ctx, rn) })
		}
	}
}

// setup sets every actor up, concurrently: they are independent.
func (rn *run) setup(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(rn.order))
	for i, a := range rn.order {
		wg.Go(func() { errs[i] = a.setup(ctx, rn) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
