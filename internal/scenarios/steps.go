package scenarios

import (
	"errors"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
	"gopkg.in/yaml.v3"
)

// stepContext is what step decoding needs from the scenario.
type stepContext struct {
	actors    map[string]*Actor
	fragments map[string]*fragment
}

// inclusion is where the steps being decoded were included from.
type inclusion struct {
	fragment string
	file     string
	line     int
	chain    []string // fragment names being expanded, outermost first
	refs     []string // the fragment's refs: what its steps cite by default
}

// stepKindKeys are the keys that choose a step's kind.
var stepKindKeys = []string{"op", "http", "await", "unordered", "never", "barrier"}

// stepBodyKeys are all keys of a step body; stepKeysByKind lists the ones
// each kind accepts.
var stepBodyKeys = []string{"op", "dialect", "chat", "body", "query", "expect", "save", "then", "within",
	"http", "await", "unordered", "never", "barrier", "refs"}

var stepKeysByKind = map[string][]string{
	"op":        {"op", "dialect", "chat", "body", "query", "expect", "save", "then", "within", "refs"},
	"http":      {"http", "expect", "save", "within", "refs"},
	"await":     {"await", "within", "save", "refs"},
	"unordered": {"unordered", "within", "refs"},
	"never":     {"never", "refs"},
	"barrier":   {"barrier"},
}

// steps decodes a list of steps, expanding includes.
func (c *stepContext) steps(d *decoder, n *yaml.Node, inc *inclusion) []Step {
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "steps must be a list, got %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.errf(n, "steps must not be empty")
	}
	var out []Step
	for _, item := range n.Content {
		out = append(out, c.step(d, item, inc)...)
	}
	return out
}

// step decodes one list item: an include (several steps) or an actor step.
func (c *stepContext) step(d *decoder, n *yaml.Node, inc *inclusion) []Step {
	if n.Kind != yaml.MappingNode {
		d.errf(n, "a step must be a mapping such as `- alice: {op: Accept}` or `- include: NAME`, got %s", describe(n))
		return nil
	}
	if hasKey(n, "include") {
		return c.include(d, n, inc)
	}
	fs, ok := d.fields(n, "step", nil)
	if !ok || len(fs) == 0 {
		d.errf(n, "step has no actor: write `- ACTOR: {op: ...}`")
		return nil
	}
	var actorKeys []field
	for _, f := range fs {
		if contains(stepBodyKeys, f.key) || f.key == "with" {
			d.errf(f.keyN, "step has no actor: %q belongs inside an actor, as in `- alice: {%s: ...}`", f.key, f.key)
			return nil
		}
		actorKeys = append(actorKeys, f)
	}
	if len(actorKeys) > 1 {
		d.errf(actorKeys[1].keyN, "a step has one actor; %q and %q are both given (make two steps)", actorKeys[0].key, actorKeys[1].key)
		return nil
	}
	f := actorKeys[0]
	actor, known := c.actors[f.key]
	if !known {
		d.errf(f.keyN, "unknown actor %q (actors: %s)%s", f.key, strings.Join(c.actorNames(), ", "), suggest(f.key, c.actorNames()))
		return nil
	}
	st := Step{Actor: actor.Name, File: d.file, Line: f.keyN.Line}
	if inc != nil {
		st.Include, st.IncludeFile, st.IncludeLine = inc.fragment, inc.file, inc.line
		st.Refs = inc.refs
	}
	if f.value.Kind == yaml.ScalarNode && f.value.Value == "barrier" {
		st.Action = &BarrierStep{}
		return []Step{st}
	}
	if !c.stepBody(d, f.value, actor, &st) {
		return nil
	}
	return []Step{st}
}

func (c *stepContext) actorNames() []string {
	names := make([]string, 0, len(c.actors))
	for n := range c.actors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// stepBody decodes `{op: ...}`, `{await: ...}` and the other kinds into st.
func (c *stepContext) stepBody(d *decoder, n *yaml.Node, actor *Actor, st *Step) bool {
	fs, ok := d.fields(n, st.Actor, stepBodyKeys)
	if !ok {
		return false
	}
	kind := ""
	for _, f := range fs {
		if !contains(stepKindKeys, f.key) {
			continue
		}
		if kind != "" {
			d.errf(f.keyN, "%s: a step does one thing; %q and %q are both given (make two steps)", st.Actor, kind, f.key)
			return false
		}
		kind = f.key
	}
	if kind == "" {
		d.errf(n, "%s: the step does nothing: give one of %s", st.Actor, strings.Join(stepKindKeys, ", "))
		return false
	}
	allowed := stepKeysByKind[kind]
	get := map[string]*yaml.Node{}
	for _, f := range fs {
		if !contains(allowed, f.key) {
			d.errf(f.keyN, "%s: %q is not allowed in %s %s step (allowed: %s)", st.Actor, f.key, article(kind), kind, strings.Join(allowed, ", "))
			ok = false
			continue
		}
		get[f.key] = f.value
	}
	if r := get["refs"]; r != nil {
		st.Refs, _ = d.strings(r, st.Actor+": refs")
	}
	var within *Deadline
	var awaitWithin time.Duration
	if w := get["within"]; w != nil {
		if kind == "op" || kind == "http" {
			within = d.deadline(w, st.Actor+": within")
		} else {
			awaitWithin, _ = d.duration(w, st.Actor+": within")
		}
	}
	switch kind {
	case "op":
		op := c.opStep(d, get, actor, st)
		if op == nil {
			return false
		}
		op.Within = within
		st.Action = op
	case "http":
		h := c.httpStep(d, get, actor)
		if h == nil {
			return false
		}
		h.Within = within
		st.Action = h
	case "await", "unordered":
		aw := &AwaitStep{Items: d.expectations(get[kind], kind, false), Ordered: kind == "await", Within: awaitWithin}
		if s := get["save"]; s != nil {
			saves, good := d.saves(s)
			if len(aw.Items) != 1 {
				d.errf(s, "%s: save on an await with %d items: put save on the item ({match: ..., save: ...})", st.Actor, len(aw.Items))
			} else if good {
				if aw.Items[0].Save != nil {
					d.errf(s, "%s: save is given both on the step and on its item", st.Actor)
				}
				aw.Items[0].Save = saves
			}
		}
		st.Action = aw
	case "never":
		st.Action = &NeverStep{Items: d.expectations(get["never"], "never", true)}
	case "barrier":
		b, good := d.boolean(get["barrier"], st.Actor+": barrier")
		if good && !b {
			d.errf(get["barrier"], "%s: barrier: false does nothing; remove the step", st.Actor)
		}
		st.Action = &BarrierStep{}
	}
	return ok
}

func (c *stepContext) opStep(d *decoder, get map[string]*yaml.Node, actor *Actor, st *Step) *OpStep {
	name, ok := d.nonEmpty(get["op"], st.Actor+": op")
	if !ok {
		return nil
	}
	op := &OpStep{Name: name, line: get["op"].Line}
	dialect := actor.Dialect
	if n := get["dialect"]; n != nil {
		written, _ := d.str(n, st.Actor+": dialect")
		valid := []string{string(gws.DialectChats), string(gws.DialectInteractions), string(gws.DialectAgent)}
		if actor.Kind == KindCustomer {
			valid = []string{string(gws.DialectCustomer)}
		}
		if !contains(valid, written) {
			d.errf(n, "%s: dialect %q is not one of %s for a %s", st.Actor, written, strings.Join(valid, ", "), actor.Kind)
			return nil
		}
		dialect = gws.Dialect(written)
	}
	op.requestedDialect = dialect
	if resolved, found := gws.Resolve(caller(actor.Kind), dialect, name); found {
		op.Op, op.Dialect = resolved, resolved.Dialect
	}
	if n := get["chat"]; n != nil {
		op.Chat, _ = d.nonEmpty(n, st.Actor+": chat")
	}
	if n := get["body"]; n != nil {
		op.Body, _ = d.value(n, st.Actor+": body")
		op.bodyLine = n.Line
	}
	if n := get["query"]; n != nil {
		op.Query, _ = d.stringMap(n, st.Actor+": query")
	}
	if n := get["expect"]; n != nil {
		op.Expect = d.expect(n)
	}
	if n := get["save"]; n != nil {
		op.Save, _ = d.saves(n)
	}
	if n := get["then"]; n != nil {
		op.Then = d.expectations(n, "then", false)
	}
	return op
}

var httpKeys = []string{"method", "path", "query", "headers", "body", "auth", "csrf"}
var httpMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

func (c *stepContext) httpStep(d *decoder, get map[string]*yaml.Node, actor *Actor) *HTTPStep {
	fs, ok := d.fields(get["http"], actor.Name+": http", httpKeys)
	if !ok {
		return nil
	}
	h := &HTTPStep{Auth: "basic", CSRF: true}
	if actor.Kind == KindCustomer {
		h.Auth, h.CSRF = "none", false
	}
	for _, f := range fs {
		what := actor.Name + ": http: " + f.key
		switch f.key {
		case "method":
			m, good := d.str(f.value, what)
			h.Method = strings.ToUpper(m)
			if good && !contains(httpMethods, h.Method) {
				d.errf(f.value, "%s: %q is not an HTTP method", what, m)
				ok = false
			}
		case "path":
			h.Path, _ = d.nonEmpty(f.value, what)
			if h.Path != "" && !strings.HasPrefix(h.Path, "/") && !strings.HasPrefix(h.Path, "{{") {
				d.errf(f.value, "%s: %q must start with / (it is relative to the target's base URL)", what, h.Path)
				ok = false
			}
		case "query":
			h.Query, _ = d.stringMap(f.value, what)
		case "headers":
			h.Headers, _ = d.stringMap(f.value, what)
		case "body":
			h.Body, _ = d.value(f.value, what)
		case "auth":
			h.Auth, _ = d.str(f.value, what)
			if !contains([]string{"basic", "none", "wrong"}, h.Auth) {
				d.errf(f.value, "%s: must be basic, none or wrong, got %q", what, h.Auth)
				ok = false
			}
		case "csrf":
			h.CSRF, _ = d.boolean(f.value, what)
		}
	}
	if h.Method == "" || h.Path == "" {
		d.errf(get["http"], "%s: http needs method and path", actor.Name)
		return nil
	}
	if n := get["expect"]; n != nil {
		h.Expect = d.expect(n)
	}
	if n := get["save"]; n != nil {
		h.Save, _ = d.saves(n)
	}
	if !ok {
		return nil
	}
	return h
}

// deadline reads the `within` of a request step: a duration expression such
// as 5s or "{{timeout}}ms + 1s" (see ParseDeadline).
func (d *decoder) deadline(n *yaml.Node, what string) *Deadline {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.errf(n, "%s: bad duration %s (write e.g. 5s or \"{{timeout}}ms + 1s\")%s", what, describe(n), quoteHint(n))
		return nil
	}
	dl, err := ParseDeadline(n.Value)
	if err != nil {
		d.errf(n, "%s: %v", what, err)
		return nil
	}
	dl.Line = n.Line
	return dl
}

var expectKeys = []string{"status", "body", "headers"}

// expect decodes `expect: {status, body, headers}`, or `expect: refused`.
func (d *decoder) expect(n *yaml.Node) *ResponseExpect {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if n.Value != "refused" {
			d.errf(n, "expect: %q is not an expectation (write expect: refused, or expect: {status: ..., body: ...})", n.Value)
			return nil
		}
		return &ResponseExpect{File: d.file, Line: n.Line, Refused: true}
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && !contains(expectKeys, k.Value) {
				d.errf(k, "expect: unknown key %q (expect takes status, body and headers; response fields go under body:)", k.Value)
				return nil
			}
		}
	}
	fs, ok := d.fields(n, "expect", expectKeys)
	if !ok {
		return nil
	}
	e := &ResponseExpect{File: d.file, Line: n.Line}
	for _, f := range fs {
		switch f.key {
		case "status":
			e.Status = d.compile(f.value)
		case "body":
			e.Body = d.compile(f.value)
		case "headers":
			hs, good := d.fields(f.value, "expect: headers", nil)
			if !good {
				continue
			}
			e.Headers = map[string]match.Matcher{}
			for _, h := range hs {
				e.Headers[textproto.CanonicalMIMEHeaderKey(h.key)] = d.compile(h.value)
			}
		}
	}
	return e
}

// compile turns a node into a matcher, reporting compile errors at their line.
func (d *decoder) compile(n *yaml.Node) match.Matcher {
	m, err := match.Compile(n)
	if err != nil {
		var ce *match.CompileError
		if errors.As(err, &ce) {
			d.p.add(d.file, ce.Line, "%s", ce.Message)
		} else {
			d.errf(n, "%v", err)
		}
		return nil
	}
	return m
}

var expectationKeys = []string{"match", "within", "once", "save", "from", "refs"}

// expectations decodes one expectation or a list of them. A list is never
// an array matcher here: notifications are objects.
func (d *decoder) expectations(n *yaml.Node, what string, isNever bool) []Expectation {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			d.errf(n, "%s: the list is empty", what)
		}
	}
	var out []Expectation
	for _, item := range items {
		e := Expectation{File: d.file, Line: item.Line}
		matcherN := item
		if item.Kind == yaml.MappingNode && hasKey(item, "match") {
			fs, _ := d.fields(item, what, expectationKeys)
			matcherN = nil
			for _, f := range fs {
				switch f.key {
				case "match":
					matcherN = f.value
				case "within":
					if isNever {
						d.errf(f.keyN, "%s: within makes no sense for never (it holds for the whole scenario)", what)
					}
					e.Within, _ = d.duration(f.value, what+": within")
				case "once":
					if isNever {
						d.errf(f.keyN, "%s: once makes no sense for never", what)
					}
					e.Once, _ = d.boolean(f.value, what+": once")
				case "save":
					if isNever {
						d.errf(f.keyN, "%s: a never expectation matches nothing to save", what)
					}
					e.Save, _ = d.saves(f.value)
				case "refs":
					e.Refs, _ = d.strings(f.value, what+": refs")
				case "from":
					s, good := d.str(f.value, what+": from")
					switch {
					case !isNever:
						d.errf(f.keyN, "%s: from: here is only for never", what)
					case good && s != "here":
						d.errf(f.value, "%s: from must be here, got %q", what, s)
					}
					e.FromHere = s == "here"
				}
			}
		}
		if matcherN == nil {
			continue
		}
		if matcherN.Kind != yaml.MappingNode {
			d.errf(matcherN, "%s: an expectation is a mapping such as {notificationType: StatusChange}, got %s", what, describe(matcherN))
			continue
		}
		e.Match = d.compile(matcherN)
		out = append(out, e)
	}
	return out
}

func hasKey(n *yaml.Node, key string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// article is "an" before a vowel sound, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
