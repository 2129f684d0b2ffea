package runner

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// vars implements match.Vars for one run. Lookup order: values saved during the
// run, then the built-ins ({{actor.uri}}, {{queue1}}, ...), then the scenario's
// `vars` (expanded on use, so they may refer to built-ins and saved values).
type vars struct {
	run *run

	mu        sync.Mutex
	saved     map[string]any
	expanding map[string]bool // scenario vars being expanded, to stop cycles
}

func newVars(rn *run) *vars {
	return &vars{run: rn, saved: map[string]any{}, expanding: map[string]bool{}}
}

func (v *vars) Set(name string, value any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.saved[name] = value
}

func (v *vars) Lookup(name string) (any, bool) {
	v.mu.Lock()
	saved, ok := v.saved[name]
	v.mu.Unlock()
	if ok {
		return saved, true
	}
	if value, ok := v.builtin(name); ok {
		return value, true
	}
	return v.scenarioVar(name)
}

func (v *vars) scenarioVar(name string) (any, bool) {
	raw, ok := v.run.sc.Vars[name]
	if !ok {
		return nil, false
	}
	v.mu.Lock()
	if v.expanding[name] {
		v.mu.Unlock()
		return nil, false // a cycle: report it as undefined rather than loop
	}
	v.expanding[name] = true
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.expanding, name)
		v.mu.Unlock()
	}()
	value, err := match.Expand(raw, v)
	if err != nil {
		return nil, false
	}
	return value, true
}

// builtin resolves actor properties and queue names.
func (v *vars) builtin(name string) (any, bool) {
	if base, prop, ok := strings.Cut(name, "."); ok {
		if a, ok := v.run.actors[base]; ok {
			return property(a, prop)
		}
		if q, ok := v.queue(base); ok && prop == "uri" {
			return v.run.t.BaseURL + "/api/v2/queues/" + q, true
		}
		return nil, false
	}
	return v.queue(name)
}

// queue resolves "queueN" to the target's N-th queue (1-based).
func (v *vars) queue(name string) (string, bool) {
	num, ok := strings.CutPrefix(name, "queue")
	if !ok {
		return "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > len(v.run.t.Queues) {
		return "", false
	}
	return v.run.t.Queues[n-1], true
}

// readOnly wraps vars so re-matching an expectation (never/once checks) cannot
// overwrite what the scenario saved.
type readOnly struct{ base match.Vars }

func (r readOnly) Lookup(name string) (any, bool) { return r.base.Lookup(name) }
func (r readOnly) Set(string, any)                {}

// actorProperties serve {{actor.prop}}; their names are
// scenarios.ActorProperties, the list the linter accepts
// (TestActorPropertiesAreTheLintersList). A property of one kind is only[K]:
// the compiler checks that the kind has what it reads, and the actors of other
// kinds have no value for it.
var actorProperties = map[string]func(actor) string{
	"nickname":  func(a actor) string { return a.core().nickname() },
	"chat":      func(a actor) string { id, _ := a.currentChat(); return id },
	"username":  only(func(a *agent) string { return a.account.Username }),
	"id":        only(func(a *agent) string { return a.userID }),
	"uri":       only(func(a *agent) string { return a.userURI }),
	"secureKey": only(func(c keyHolder) string { return c.key() }),
}

// keyHolder is a customer of either API: it holds its chat's secureKey.
type keyHolder interface {
	actor
	key() string
}

// only serves a property of the actors of kind K.
func only[K actor](get func(K) string) func(actor) string {
	return func(a actor) string {
		if k, ok := a.(K); ok {
			return get(k)
		}
		return ""
	}
}

// property is {{actor.prop}}; a property the actor has no value for yet is
// undefined.
func property(a actor, prop string) (any, bool) {
	get, ok := actorProperties[prop]
	if !ok {
		return nil, false
	}
	value := get(a)
	return value, value != ""
}

func defaultNickname(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// describeUndefined explains which built-ins exist when a lookup fails.
func describeUndefined(name string) string {
	return fmt.Sprintf("{{%s}} is not defined: built-ins are {{ACTOR.%s}} and {{queueN}}/{{queueN.uri}}; other names must be saved earlier or listed in vars",
		name, strings.Join(scenarios.ActorProperties(), "|"))
}
