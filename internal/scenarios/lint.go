package scenarios

import (
	"fmt"
	"strings"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
)

// Lint checks loaded scenarios for mistakes the loader cannot see: unknown
// operations, missing required parameters, undefined variables and
// expectations that can never be met. Each error is "file:line: message";
// nil means the scenarios are fit to run.
func Lint(scs []*Scenario) []error {
	var p problems
	for _, sc := range scs {
		if sc == nil {
			continue
		}
		l := &linter{sc: sc, p: &p, actors: map[string]*Actor{}, completed: map[string]*Step{}}
		l.run()
	}
	return p.sorted()
}

// linter checks one scenario, walking its steps in play order.
type linter struct {
	sc      *Scenario
	p       *problems
	actors  map[string]*Actor
	defined map[string]bool // saved variables so far
	// weak holds the variables saved so far only by checks below documented
	// evidence: a lenient run may leave them unsaved, so a check of stronger
	// evidence must not use them.
	weak map[string]weakSave
	// completed holds, per actor, the step where it completed its chat; later
	// expectations of that actor cannot be met.
	completed map[string]*Step
}

// featureStatements checks that a statement of claimed behaviour (source
// feature) is cited only by a scenario that requires its feature: there the
// target has declared it, elsewhere nothing makes it the target's obligation.
func (l *linter) featureStatements() {
	st, err := evidence.LoadStatements()
	if err != nil {
		return // resolveLevels reported it
	}
	check := func(file string, line int, refs []string) {
		for _, ref := range refs {
			s, ok := st.Lookup(ref)
			if ok && s.Feature != "" && !contains(l.sc.Requires, s.Feature) {
				l.errf(file, line, "%s states what a target declaring %s does: add %s to requires", ref, s.Feature, s.Feature)
			}
		}
	}
	check(l.sc.File, l.sc.Line, l.sc.Refs)
	for i := range l.sc.Steps {
		step := &l.sc.Steps[i]
		check(step.File, step.Line, step.Refs)
		for _, e := range step.Expectations() {
			check(e.File, e.Line, e.Refs)
		}
	}
}

// weakSave is where a variable was saved by a check of weak evidence.
type weakSave struct {
	level evidence.Level
	file  string
	line  int
}

func (l *linter) errf(file string, line int, format string, args ...any) {
	l.p.add(file, line, format, args...)
}

func (l *linter) run() {
	sc := l.sc
	for _, f := range sc.Declared {
		if _, ok := gws.Describe(gws.Feature(f)); !ok {
			l.errf(sc.File, sc.Line, "requires: unknown feature %q%s (features: %s)", f, suggest(f, gws.FeatureNames()), strings.Join(gws.FeatureNames(), ", "))
		}
	}
	if len(sc.Refs) == 0 {
		l.errf(sc.File, sc.Line, "scenario %q has no refs: name the statements it checks (ids of %s)", sc.Name, evidence.StatementsFile)
	}
	for _, lp := range sc.levelProblems {
		l.errf(lp.file, lp.line, "%s", lp.message)
	}
	l.featureStatements()
	for i := range sc.Actors {
		l.actors[sc.Actors[i].Name] = &sc.Actors[i]
	}
	l.defined = map[string]bool{}
	l.weak = map[string]weakSave{}
	for _, a := range sc.Actors {
		for _, r := range a.RouteTo {
			l.checkText(a.File, a.Line, r)
		}
	}
	for name, v := range sc.Vars {
		for _, ref := range valueRefs(v) {
			if rootName(ref) == name {
				l.errf(sc.File, sc.Line, "vars: %s refers to itself", name)
			}
		}
	}
	if len(sc.Steps) == 0 {
		l.errf(sc.File, sc.Line, "scenario %q has no steps", sc.Name)
	}
	for i := range sc.Steps {
		l.step(&sc.Steps[i])
	}
}

func (l *linter) step(st *Step) {
	if st.Actor == "" {
		l.errf(st.File, st.Line, "step %d has no actor", st.Index)
		return
	}
	actor, ok := l.actors[st.Actor]
	if !ok {
		l.errf(st.File, st.Line, "step %d: unknown actor %q", st.Index, st.Actor)
		return
	}
	l.customerKind(st, actor)
	switch act := st.Action.(type) {
	case *OpStep:
		l.opStep(st, act, actor)
	case *HTTPStep, *BarrierStep:
		l.vars(st)
	case *AwaitStep:
		l.vars(st)
		l.expectations(st, actor, act.Items, act.Kind())
	case *NeverStep:
		l.vars(st)
		l.never(st, act, actor)
	default:
		l.errf(st.File, st.Line, "%s: the step does nothing", st.Actor)
	}
}

// customerKind checks that a customer step only the GWS customer API can play
// (an operation without a GMS equivalent, a raw request) is in a scenario that
// requires customer.gws-api: elsewhere it would be the runner's error on a
// target whose customers use GMS, instead of a skip.
func (l *linter) customerKind(st *Step, actor *Actor) {
	if actor.Kind != KindCustomer || contains(l.sc.Requires, string(gws.FeatureGWSCustomer)) {
		return
	}
	what := ""
	switch act := st.Action.(type) {
	case *OpStep:
		if _, _, ok := gws.GMSFor(act.Op); act.Op.Dialect == gws.DialectCustomer && !ok {
			what = act.Op.Name + " has no GMS Chat API v2 equivalent"
		}
	case *HTTPStep:
		what = "a raw request names one customer API's paths"
	case *AwaitStep, *BarrierStep, *NeverStep:
		// Both kinds read a transcript in the GWS spelling.
	}
	if what != "" {
		l.errf(st.File, st.Line, "%s: %s: add %s to requires (customers over GMS skip the scenario)", st.Actor, what, gws.FeatureGWSCustomer)
	}
}

func (l *linter) opStep(st *Step, op *OpStep, actor *Actor) {
	if op.Op.Name == "" {
		l.errf(st.File, st.Line, "%s", unknownOpMessage(actor, op))
	} else {
		l.opParams(st, op)
	}
	l.vars(st)
	// A successful Complete ends the actor's chat; any other operation, or a
	// Complete the step expects to be refused, starts a new context first, so
	// its own `then` is judged in it.
	if op.Op.Name != "" && (op.Op.Name != "Complete" || !op.Expect.ExpectsSuccess()) {
		delete(l.completed, st.Actor)
	}
	if len(op.Then) > 0 {
		if op.Op.Name != "" && !op.Op.Notifies {
			l.errf(op.Then[0].File, op.Then[0].Line, "%s: then can never match: %s causes no %s for the caller", st.Actor, op.Name, streamNoun(actor.Kind))
		}
		l.expectations(st, actor, op.Then, "then")
	}
	if op.Op.Name == "Complete" && op.Expect.ExpectsSuccess() {
		l.completed[st.Actor] = st
	}
}

// vars checks the step's references, in the order the runner meets them,
// and records what it saves (Step.Vars).
func (l *linter) vars(st *Step) {
	for _, u := range st.Vars() {
		if u.Save {
			l.defineAt(u.Name, u.Level, u.File, u.Line)
		} else {
			l.checkRef(u.File, u.Line, u.Name, u.Level)
		}
	}
}

// unknownOpMessage explains why an op name did not resolve for the actor.
func unknownOpMessage(actor *Actor, op *OpStep) string {
	dialect := op.requestedDialect
	if dialect == "" {
		dialect = actor.Dialect
	}
	for _, other := range gws.Named(op.Name) {
		if other.Caller() != caller(actor.Kind) {
			kind := string(other.Caller())
			return fmt.Sprintf("%s: %s is %s %s operation; %s is %s %s", actor.Name, op.Name, article(kind), kind, actor.Name, article(actor.Kind), actor.Kind)
		}
		return fmt.Sprintf("%s: %s is not in the %s dialect; it is in %s (add dialect: %s)", actor.Name, op.Name, dialect, other.Dialect, other.Dialect)
	}
	names := gws.Names(caller(actor.Kind), dialect)
	return fmt.Sprintf("%s: unknown operation %q for %s %s (dialect %s)%s", actor.Name, op.Name, article(actor.Kind), actor.Kind, dialect, suggest(op.Name, names))
}

// opParams checks the request side of an op step against the registry.
func (l *linter) opParams(st *Step, op *OpStep) {
	line := op.line
	if line == 0 {
		line = st.Line
	}
	if op.Op.Method == "GET" {
		if op.Body != nil {
			l.errf(st.File, line, "%s: %s is a GET: it takes query, not body", st.Actor, op.Name)
		}
	} else if len(op.Query) > 0 {
		l.errf(st.File, line, "%s: %s is a POST: it takes body, not query", st.Actor, op.Name)
	}
	if op.Chat != "" && !op.Op.TakesChat() {
		l.errf(st.File, line, "%s: %s takes no chat (%s %s)", st.Actor, op.Name, op.Op.Method, op.Op.Path)
	}
	if op.Op.Method != "POST" {
		return
	}
	// What the runner fills in itself (Op.Injected) is never demanded.
	switch body := op.Body.(type) {
	case nil:
		if missing := op.Op.Missing(nil); len(missing) > 0 {
			l.errf(st.File, line, "%s: %s needs body parameter(s) %s", st.Actor, op.Name, strings.Join(missing, ", "))
		}
	case map[string]any:
		if missing := op.Op.Missing(body); len(missing) > 0 {
			bodyLine := line
			if op.bodyLine != 0 {
				bodyLine = op.bodyLine
			}
			l.errf(st.File, bodyLine, "%s: %s: body is missing required parameter(s) %s", st.Actor, op.Name, strings.Join(missing, ", "))
		}
	case string:
		// a "{{var}}" body is only known at run time
	default:
		l.errf(st.File, line, "%s: %s: body must be a mapping", st.Actor, op.Name)
	}
}

// defineAt records a save by a check of the given level.
func (l *linter) defineAt(name string, level evidence.Level, file string, line int) {
	if l.defined[name] && l.weak[name] == (weakSave{}) {
		return // already saved by a binding check
	}
	l.defined[name] = true
	if level == evidence.Documented || level == evidence.Unknown {
		delete(l.weak, name)
		return
	}
	if prev, ok := l.weak[name]; !ok || level < prev.level {
		l.weak[name] = weakSave{level: level, file: file, line: line}
	}
}

// expectations checks that await, unordered and then items can be met.
func (l *linter) expectations(st *Step, actor *Actor, items []Expectation, kind string) {
	if done := l.completed[st.Actor]; done != nil {
		l.errf(st.File, st.Line, "%s: %s can never be met: %s completed the chat at %s:%d (step %d)", st.Actor, kind, st.Actor, done.File, done.Line, done.Index)
	}
	for _, e := range items {
		if e.Match != nil {
			l.reachable(e, actor, false)
		}
	}
}

func (l *linter) never(st *Step, n *NeverStep, actor *Actor) {
	for _, e := range n.Items {
		if e.Match == nil {
			continue
		}
		if saves := e.Match.Saves(); len(saves) > 0 {
			names := make([]string, len(saves))
			for i, s := range saves {
				names[i] = s.Name
			}
			l.errf(e.File, e.Line, "%s: never cannot save (%s): it matches nothing", st.Actor, strings.Join(names, ", "))
		}
		if e.Match.HasLevels() {
			l.errf(e.File, e.Line, "%s: $inferred and $reference cannot be used inside never (a waived part would widen what is forbidden); cite the item's evidence with refs instead", st.Actor)
		}
		l.reachable(e, actor, true)
	}
}

func streamNoun(kind string) string {
	if kind == KindCustomer {
		return "transcript message"
	}
	return "notification"
}

// checkText checks every reference in a string.
func (l *linter) checkText(file string, line int, s string) {
	for _, ref := range match.TextRefs(s) {
		l.checkRef(file, line, ref, evidence.Unknown)
	}
}

// checkRef reports a reference that is malformed or not defined at this
// point of the scenario, or saved only by checks weaker than the one of the
// given level that reads it.
func (l *linter) checkRef(file string, line int, ref string, level evidence.Level) {
	if !match.ValidRef(ref) {
		l.errf(file, line, "malformed variable reference {{%s}} (names are %s; a dot starts an actor's or a queue's field)", ref, match.NameRule)
		return
	}
	root, field, hasField := strings.Cut(ref, ".")
	if _, isActor := l.actors[root]; isActor {
		if !hasField || !contains(ActorProperties(), field) {
			l.errf(file, line, "{{%s}}: an actor variable is {{%s.FIELD}} with FIELD one of %s%s", ref, root, strings.Join(ActorProperties(), ", "), suggest(field, ActorProperties()))
		}
		return
	}
	if isQueueVar(root) {
		if hasField && field != "uri" {
			l.errf(file, line, "{{%s}}: a queue variable is {{%s}} (its name) or {{%s.uri}}", ref, root, root)
		}
		return
	}
	if _, isVar := l.sc.Vars[root]; isVar {
		return
	}
	if l.defined[root] || l.defined[ref] {
		if w, ok := l.weak[root]; ok && w.level > max(level, evidence.Documented) {
			l.errf(file, line, "{{%s}} is saved only by a check of %s evidence (%s:%d), which may deviate and leave it unsaved; a %s check cannot use it (save it in a %s check, or cite this one's evidence as %s)",
				ref, w.level, w.file, w.line, max(level, evidence.Documented), max(level, evidence.Documented), w.level)
		}
		return
	}
	l.errf(file, line, "undefined variable {{%s}}: no earlier step saves it and it is not an actor, queue or scenario var%s", ref, suggest(root, l.knownNames()))
}

func (l *linter) knownNames() []string {
	var names []string
	for n := range l.defined {
		names = append(names, n)
	}
	for n := range l.sc.Vars {
		names = append(names, n)
	}
	for n := range l.actors {
		names = append(names, n)
	}
	return names
}
