package generate

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gwsconform/gwsconform/internal/fixture"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// recordedStatement is the statement a generated scenario cites
// (internal/evidence/statements.yaml).
const recordedStatement = "recording/golden"

// Options configure scenario generation.
type Options struct {
	// Name is the scenario's name (required).
	Name string
	// Source is shown in the scenario's header comment and description. Zero =
	// "recording <dir>".
	Source string
	// RouteKey is the userData key the recorded target routes customer chats by
	// (its target description's routingKey): a RequestChat's value under it becomes
	// the customer's routeTo. Zero = gws.DefaultRouteKey.
	RouteKey string
}

// Generate turns the recording in dir into a scenario in the catalogue format: agent and
// customer actors from the accounts seen; one step per request (op steps for operations
// of the registry, http steps otherwise), leaving out what the runner does itself (GetMe,
// StartContactCenterSession, Bayeux, the customer's transcript polls); the notifications
// each request caused as its `then` (the caller's) or as `await` steps (other agents'),
// and new transcript messages a customer read as its `await`. Chat ids and referenceIds
// become saved variables, agents' ids, URIs and usernames become {{actor.id}} and so on.
// The result is checked with scenarios.Load and scenarios.Lint before it is returned.
func Generate(dir string, opts Options) ([]byte, error) {
	if strings.TrimSpace(opts.Name) == "" {
		return nil, errors.New("generate: a scenario name is required")
	}
	rec, err := fixture.Load(dir)
	if err != nil {
		return nil, err
	}
	if opts.Source == "" {
		opts.Source = "recording " + dir
	}
	if opts.RouteKey == "" {
		opts.RouteKey = gws.DefaultRouteKey
	}
	g := newGenerator(rec, opts.RouteKey)
	if len(g.ownSteps()) == 0 {
		return nil, fmt.Errorf("generate: nothing to turn into steps: the %d exchanges of %s are all session setup the runner does itself (GetMe, StartContactCenterSession, Ready, its own Bayeux session), transcript reads, or requests the target never answered; record a session that does something (a chat, an operation)", len(rec.Exchanges), dir)
	}
	doc := g.scenario(opts)
	out, err := scenarios.Encode(doc)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	if err := checkScenario(out); err != nil {
		return out, fmt.Errorf("generate: the generated scenario does not pass the linter (a bug; please report it with the recording):\n%w", err)
	}
	return out, nil
}

// checkScenario loads and lints a generated scenario: the linter is the judge of what
// a scenario may say, so generation asks it instead of knowing its rules.
func checkScenario(data []byte) error {
	scs, err := scenarios.Parse("generated.yaml", data)
	if err != nil {
		return err
	}
	return errors.Join(scenarios.Lint(scs)...)
}

// Free-form values (bodies, matchers) are ordered fields of the scenario document.
type (
	fields = scenarios.Fields
	kv     = scenarios.Field
)

var jsonNull = scenarios.Null

type genActor struct {
	name, kind string
	username   string // agents
	nickname   string // customers
	routeTo    []string
	notReady   bool   // an agent the runner's setup did not make Ready
	auth       string // an agent's own Authorization (redacted) as its setup sent it
	secureKey  string // a customer's secureKey (redacted) as RequestChat handed it out
	chat       string // a customer's chat id
}

type generator struct {
	rec            *fixture.Recording
	agents         map[string]*genActor // by username
	customers      map[string]*genActor // by chat id
	actors         []*genActor
	identity       map[string]string // recorded id / URI / username -> "{{actor.field}}"
	chatVars       map[string]string // chat id -> variable name
	defined        map[string]bool
	completed      map[string]bool              // actor -> its last op was Complete
	seenIndex      map[string]int               // customer chat -> highest transcript index already expected
	customerLeft   map[string]bool              // customer chat -> its own ParticipantLeft was read
	read           map[string][]map[string]any  // customer chat -> every transcript message it read
	chatIDs        map[string]bool              // every chat id the recording shows
	lastRead       map[string]*fixture.Exchange // customer chat -> its last transcript read
	plumbing       *plumbing
	routeKey       string            // the userData key of the routing hint
	bayeuxVars     map[string]string // raw CometD clientId -> variable name
	bayeuxTimeouts map[string]bool   // session variables whose handshake advised a timeout
	causes         map[*fixture.BayeuxMessage]int64
	byCause        map[int64][]*fixture.BayeuxMessage // notifications by the Seq of the step that caused them
	refs           map[int64]*refVar                  // referenceId variables by the Seq of their step
	nextRef        int
	reading        bool    // reducing the answer of a read (GET): its lists are state of the moment
	lastChangeEnd  float64 // when the last step that changes something ended (ms)
	steps          []scenarios.DocStep
}

func newGenerator(rec *fixture.Recording, routeKey string) *generator {
	g := &generator{rec: rec, routeKey: routeKey, agents: map[string]*genActor{}, customers: map[string]*genActor{},
		identity: map[string]string{}, chatVars: map[string]string{}, defined: map[string]bool{},
		completed: map[string]bool{}, seenIndex: map[string]int{}, customerLeft: map[string]bool{}, read: map[string][]map[string]any{}, chatIDs: map[string]bool{},
		lastRead: map[string]*fixture.Exchange{}, plumbing: findPlumbing(rec), bayeuxVars: map[string]string{}, bayeuxTimeouts: map[string]bool{},
		byCause: map[int64][]*fixture.BayeuxMessage{}, refs: map[int64]*refVar{}}
	names := map[string]bool{}
	unique := func(base string) string {
		name := base
		for i := 2; names[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		names[name] = true
		return name
	}
	var usernames []string
	for _, x := range rec.Exchanges {
		if x.Kind == fixture.KindAgent && x.Answered() && x.Account != "" && !g.plumbing.preflight[x.Seq] && !slices.Contains(usernames, x.Account) {
			usernames = append(usernames, x.Account)
		}
	}
	// The runner gives agent actors the target's accounts in declaration order: keep
	// the recorded accounts' order (agent1 before agent2).
	slices.Sort(usernames)
	for _, username := range usernames {
		a := &genActor{name: unique(sanitizeName(username, "agent")), kind: scenarios.KindAgent, username: username,
			notReady: !g.plumbing.setupReady[username]}
		g.agents[username] = a
		g.actors = append(g.actors, a)
		g.identity[username] = "{{" + a.name + ".username}}"
	}
	for _, x := range rec.Exchanges {
		if !x.Answered() {
			continue
		}
		switch x.Kind {
		case fixture.KindCustomer:
			if x.Calls(gws.RequestChat) && x.Account == "" && g.customers[""] == nil {
				// A refused RequestChat opened no chat; its customer still made the
				// request (a negative test) and gets an actor of its own.
				c := &genActor{name: unique("customer"), kind: scenarios.KindCustomer, nickname: "Customer"}
				g.customers[""] = c
				g.actors = append(g.actors, c)
				break
			}
			if !x.Calls(gws.RequestChat) || x.Account == "" {
				break
			}
			var body struct {
				Nickname string         `json:"nickname"`
				UserData map[string]any `json:"userData"`
			}
			json.Unmarshal(x.Request.Body.JSON, &body)
			var answer struct {
				SecureKey string `json:"secureKey"`
			}
			json.Unmarshal(x.Response.Body.JSON, &answer)
			c := &genActor{name: unique(sanitizeName(body.Nickname, "customer")), kind: scenarios.KindCustomer, nickname: body.Nickname,
				secureKey: answer.SecureKey, chat: x.Account}
			if route, ok := body.UserData[routeKey].(string); ok {
				c.routeTo = strings.Split(route, ",")
			}
			g.customers[x.Account] = c
			g.actors = append(g.actors, c)
		}
	}
	// A customer request on a chat no RequestChat of the recording opened (a negative
	// test) is made by a customer of its own.
	for _, x := range rec.Exchanges {
		if x.Kind == fixture.KindCustomer && x.Answered() && x.Account != "" && g.customers[x.Account] == nil && !x.IsTranscriptRead() {
			c := &genActor{name: unique("customer"), kind: scenarios.KindCustomer, nickname: "Customer", chat: x.Account}
			g.customers[x.Account] = c
			g.actors = append(g.actors, c)
		}
	}
	// Every chat id the recording shows: customers' chats, chat paths, chat objects.
	for _, x := range rec.Exchanges {
		if x.Kind == fixture.KindCustomer && x.Account != "" {
			g.chatIDs[x.Account] = true
		}
		if _, params, ok := x.Called(); ok && params["chat"] != "" && x.Kind == fixture.KindAgent {
			g.chatIDs[params["chat"]] = true
		}
	}
	for _, n := range rec.Notifications {
		var data struct {
			Chat struct {
				ID string `json:"id"`
			} `json:"chat"`
		}
		if json.Unmarshal(n.Data, &data) == nil && data.Chat.ID != "" {
			g.chatIDs[data.Chat.ID] = true
		}
	}
	// Agents' ids and URIs, from their GET /me answers, and the credentials they set up with.
	for _, x := range rec.Exchanges {
		a := g.agents[x.Account]
		if x.Kind != fixture.KindAgent || a == nil || !x.Answered() {
			continue
		}
		if x.Calls(gws.GetMe) && g.plumbing.skip[x.Seq] {
			a.auth = x.Request.Header.Get("Authorization")
			var me struct {
				User struct{ ID, URI string } `json:"user"`
			}
			json.Unmarshal(x.Response.Body.JSON, &me)
			if me.User.ID != "" {
				g.identity[me.User.ID] = "{{" + a.name + ".id}}"
			}
			if me.User.URI != "" {
				g.identity[me.User.URI] = "{{" + a.name + ".uri}}"
			}
		}
	}
	// routeTo entries name agent actors; anything else (a queue) stays a routing hint.
	for _, c := range g.customers {
		var route []string
		for _, r := range c.routeTo {
			if a := g.agents[strings.TrimSpace(r)]; a != nil {
				route = append(route, a.name)
			} else if strings.HasPrefix(strings.TrimSpace(r), "queue") {
				route = append(route, "{{"+strings.TrimSpace(r)+"}}")
			}
		}
		c.routeTo = route
	}
	return g
}

// usable: exchanges the client got an answer to (not proxy errors or abandoned requests).

// ownSteps are the exchanges the scenario made itself, in order: what becomes its
// steps once the runner's own traffic (setup, its Bayeux session, transcript reads)
// and unanswered requests are left out.
func (g *generator) ownSteps() []*fixture.Exchange {
	var steps []*fixture.Exchange
	for _, x := range g.rec.Exchanges {
		if x.Answered() && !g.plumbing.skip[x.Seq] && !x.IsTranscriptRead() && !(x.Kind == fixture.KindBayeux && g.plumbing.isRunnerBayeux(x)) {
			steps = append(steps, x)
		}
	}
	return steps
}

func (g *generator) scenario(opts Options) *scenarios.Document {
	g.causes = g.rec.Causes()
	steps := g.ownSteps()
	// A notification is expected after the last step that started before it arrived
	// (for most, the step that caused it: its `then`; for a late one, such as a
	// consult's notifications that come once the consultant accepts, an await after
	// another actor's step, that still names the causing step's referenceId).
	placed := map[int64][]*fixture.BayeuxMessage{}
	for _, n := range g.rec.Notifications {
		// A raw CometD session of a scenario receives copies of what the runner's own
		// session receives; the agent's stream is the runner's session only.
		if session, ok := g.plumbing.runnerSession[n.Account]; ok && n.ClientID != session {
			continue
		}
		cause := g.causes[n]
		if cause == 0 || g.plumbing.skip[cause] {
			continue // setup's or cleanup's
		}
		g.byCause[cause] = append(g.byCause[cause], n)
		// Not after a later step of the receiving agent itself: its own `then` would
		// move its cursor past this one (notifications batched in one connect reply
		// all look as late as the reply).
		at := sort.Search(len(steps), func(i int) bool { return steps[i].StartMs > n.AtMs }) - 1
		for at >= 0 && steps[at].Seq != cause && steps[at].Kind != fixture.KindCustomer && steps[at].Account == n.Account {
			at--
		}
		if at >= 0 && steps[at].Seq != cause {
			placed[steps[at].Seq] = append(placed[steps[at].Seq], n)
			continue
		}
		placed[cause] = append(placed[cause], n)
	}
	// A transcript read shows what the steps that started before its answer came did: its
	// new messages are awaited after the last of those steps.
	reads := map[int64][]*fixture.Exchange{}
	for _, x := range g.rec.Exchanges {
		if x.Answered() && x.IsTranscriptRead() {
			if at := sort.Search(len(steps), func(i int) bool { return steps[i].StartMs > x.AnsweredMs() }); at > 0 {
				reads[steps[at-1].Seq] = append(reads[steps[at-1].Seq], x)
			}
		}
	}
	for _, x := range steps {
		if x.Request.Method != http.MethodGet && x.Kind != fixture.KindBayeux {
			g.lastChangeEnd = max(g.lastChangeEnd, x.EndMs())
		}
		g.exchange(x, placed[x.Seq])
		rs := reads[x.Seq]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].EndMs() < rs[j].EndMs() })
		for _, r := range rs {
			if c := g.customers[r.Account]; c != nil {
				g.transcript(c, r)
			}
		}
	}
	g.snapshots()
	doc := &scenarios.Document{
		Comment:     "Generated by gwsconform from " + opts.Source + ".",
		Name:        opts.Name,
		Description: "Generated from " + opts.Source + ".",
		// What a recorded server did is evidence of that server, not of the
		// documentation: its checks are reference level, binding with --strict.
		Refs:   []string{recordedStatement},
		Labels: []string{"recorded"},
		Steps:  g.steps,
	}
	// The recorder reads the GWS customer API only (GMS's form bodies are not
	// recorded yet): recorded customer steps are GWS requests and answers, which
	// customers over GMS cannot play.
	if len(g.customers) > 0 {
		doc.Requires = []string{string(gws.FeatureGWSCustomer)}
	}
	for _, a := range g.actors {
		doc.Actors = append(doc.Actors, scenarios.DocActor{Name: a.name, Kind: a.kind, Nickname: a.nickname, RouteTo: a.routeTo, NotReady: a.notReady})
		if a.kind == scenarios.KindCustomer && (len(a.routeTo) == 0 || strings.HasPrefix(a.routeTo[0], "{{")) {
			doc.Serial = true // routed through shared queues
		}
	}
	return doc
}

// exchange adds the steps for one recorded request and the notifications it caused.
func (g *generator) exchange(x *fixture.Exchange, notes []*fixture.BayeuxMessage) {
	var actor *genActor
	switch x.Kind {
	case fixture.KindAgent, fixture.KindBayeux:
		actor = g.agents[x.Account]
	case fixture.KindCustomer:
		actor = g.customers[x.Account]
	}
	if actor == nil {
		return
	}
	var step *scenarios.DocStep
	var ref *refVar
	notifies := false
	switch {
	case x.Kind == fixture.KindBayeux:
		if g.plumbing.isRunnerBayeux(x) {
			return
		}
		step = g.bayeuxStep(actor.name, x)
	case actor.kind == scenarios.KindCustomer && actor.secureKey == "":
		step = g.httpStep(actor, x) // no chat of its own: only raw requests can name one
	default:
		step, ref, notifies = g.requestStep(actor, x)
	}
	// The caller's own notifications go in its `then`; other agents' (and the caller's,
	// after a request that has no `then`) become awaits.
	var then []any
	others := map[string][]any{}
	var order []string
	for _, n := range notes {
		target := g.agents[n.Account]
		if target == nil {
			continue
		}
		var data map[string]any
		if dec, err := fixture.DecodeJSON(n.Data); err == nil {
			data, _ = normalizeNumbers(dec).(map[string]any)
		}
		if data == nil {
			continue
		}
		cause := g.causes[n]
		if target == actor && notifies && cause == x.Seq {
			then = append(then, g.notificationMatcher(data, ref.expr(data)))
			continue
		}
		if g.completed[target.name] && target != actor {
			continue // the linter rejects expectations after a Complete
		}
		if len(others[target.name]) == 0 {
			order = append(order, target.name)
		}
		refExpr := ""
		if late := g.refs[cause]; cause != x.Seq && late != nil && n.Account == late.account {
			refExpr = late.expr(data)
		}
		others[target.name] = append(others[target.name], g.notificationMatcher(data, refExpr))
	}
	step.Then = then
	if ref != nil {
		ref.account = x.Account
		g.refs[x.Seq] = ref
		// Late notifications of this step (placed after later steps) name it too.
		for _, n := range g.byCause[x.Seq] {
			if n.Account == x.Account && fixture.ReferenceID(n.Data) == ref.value {
				ref.used = true
			}
		}
	}
	if ref != nil && ref.used {
		step.Save = append(step.Save, kv{Key: ref.name, Value: "/referenceId"})
	}
	g.steps = append(g.steps, *step)
	if x.Kind != fixture.KindBayeux {
		if x.OperationName() == "Complete" && x.Response.Status < 300 {
			g.completed[actor.name] = true
		} else {
			delete(g.completed, actor.name)
		}
	}
	for _, name := range order {
		if name == actor.name && g.completed[name] {
			continue
		}
		g.steps = append(g.steps, scenarios.DocStep{Actor: name, Await: others[name]})
	}
}

// refVar names the referenceId of one request, saved only when a notification uses it.
type refVar struct {
	name    string
	value   string
	account string // the agent that made the request: only its notifications carry it
	used    bool
}

func (r *refVar) expr(data map[string]any) string {
	if r == nil || r.value == "" {
		return ""
	}
	if v, ok := data["referenceId"]; ok && fmt.Sprint(v) == r.value {
		r.used = true
		return "{{" + r.name + "}}"
	}
	return ""
}
