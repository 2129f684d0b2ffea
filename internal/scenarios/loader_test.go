package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// mapFS builds an in-memory tree of YAML files.
func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(strings.TrimLeft(text, "\n"))}
	}
	return fsys
}

func mustLoad(t *testing.T, files map[string]string) []*Scenario {
	t.Helper()
	scs, err := Load(mapFS(files))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return scs
}

// actionOf is the step's action as the kind the test expects.
func actionOf[A Action](t *testing.T, st Step) A {
	t.Helper()
	a, ok := st.Action.(A)
	if !ok {
		t.Fatalf("%s: action %T, want %T", st.Where(), st.Action, a)
	}
	return a
}

func loadErrors(t *testing.T, files map[string]string) []string {
	t.Helper()
	_, err := Load(mapFS(files))
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	var out []string
	for _, e := range Errors(err) {
		out = append(out, e.Error())
	}
	return out
}

const greetFragment = `
fragment: greet
params: [agent, customer]
steps:
  - agent:
      op: SendMessage
      chat: "{{customer.chat}}"
      body: {text: "hello {{customer.nickname}}, I am {{agent.nickname}}", nickname: agent}
  - include: wave
    with: {who: customer}
`

const waveFragment = `
fragment: wave
params: [who]
steps:
  - who: {await: {type: Text}}
`

func TestIncludeExpandsFragmentsInline(t *testing.T) {
	scs := mustLoad(t, map[string]string{
		"fragments/greet.yaml": greetFragment,
		"fragments/wave.yaml":  waveFragment,
		"s.yaml": `
name: greeting
refs: [seed-003/accept-answer]
actors:
  alice: agent
  carol: {kind: customer, routeTo: [alice]}
steps:
  - alice: {op: Ready}
  - include: greet
    with: {agent: alice, customer: carol}
  - carol: barrier
`})
	sc := scs[0]
	if len(sc.Steps) != 4 {
		t.Fatalf("got %d steps, want 4", len(sc.Steps))
	}
	send, wave := sc.Steps[1], sc.Steps[2]
	if send.Actor != "alice" || send.Index != 2 || send.File != "fragments/greet.yaml" || send.Line != 4 {
		t.Errorf("send step: actor %q index %d at %s:%d", send.Actor, send.Index, send.File, send.Line)
	}
	if send.Include != "greet" || send.IncludeFile != "s.yaml" || send.IncludeLine != 8 {
		t.Errorf("send step included from %q at %s:%d", send.Include, send.IncludeFile, send.IncludeLine)
	}
	sendOp := actionOf[*OpStep](t, send)
	if sendOp.Chat != "{{carol.chat}}" {
		t.Errorf("chat = %q, want the parameter replaced", sendOp.Chat)
	}
	wantBody := map[string]any{"text": "hello {{carol.nickname}}, I am {{alice.nickname}}", "nickname": "agent"}
	if !reflect.DeepEqual(sendOp.Body, wantBody) {
		t.Errorf("body = %#v, want %#v (plain values are not parameters)", sendOp.Body, wantBody)
	}
	if wave.Actor != "carol" || wave.File != "fragments/wave.yaml" || wave.Include != "wave" || wave.IncludeFile != "fragments/greet.yaml" || wave.IncludeLine != 8 {
		t.Errorf("nested include: %+v", wave)
	}
	if _, barrier := sc.Steps[3].Action.(*BarrierStep); sc.Steps[3].Index != 4 || !barrier {
		t.Errorf("last step: %+v", sc.Steps[3])
	}
	want := "fragments/greet.yaml:4: step 2 (alice SendMessage) [fragment greet, included at s.yaml:8]"
	if got := send.Where(); got != want {
		t.Errorf("Where() = %q, want %q", got, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	got := loadErrors(t, map[string]string{
		"fragments/a.yaml": "fragment: a\nparams: [x]\nsteps:\n  - include: b\n    with: {y: x}\n",
		"fragments/b.yaml": "fragment: b\nparams: [y]\nsteps:\n  - include: a\n    with: {x: y}\n",
		"fragments/c.yaml": "fragment: c\nparams: [x]\nsteps:\n  - x: barrier\n",
		"s.yaml": `
name: cycles and bindings
refs: [seed-003/accept-answer]
actors: {alice: agent}
steps:
  - include: a
    with: {x: alice}
  - include: c
`})
	want := []string{
		"fragments/b.yaml:4: include cycle: a -> b -> a",
		"s.yaml:7: include c: parameter \"x\" is not bound (add with: {x: ACTOR})",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got  %q\n want %q", got, want)
	}
}

func TestActorAndStepDefaults(t *testing.T) {
	scs := mustLoad(t, map[string]string{"s.yaml": `
name: defaults
refs: [seed-003/accept-answer]
timeout: 1m
vars: {greeting: hi}
actors:
  alice: agent
  bob: {kind: agent, ready: false, dialect: interactions, nickname: Bobby}
  carol: {kind: customer, routeTo: [alice, "{{queue1}}"]}
steps:
  - alice: {http: {method: get, path: /api/v2/me}, expect: {status: {$range: [200, 299]}}}
  - carol: {http: {method: GET, path: "/api/v2/chats/{{carol.chat}}"}}
  - bob: {op: Accept, body: {nickname: x}, within: 2s, then: [{match: {notificationType: StatusChange}, within: 1s, once: true}]}
  - carol: {never: [{visibility: Agents}, {match: {type: Notice}, from: here}]}
`})
	sc := scs[0]
	wantActors := []Actor{
		{Name: "alice", Kind: KindAgent, File: "s.yaml", Line: 6, Nickname: "Alice", Ready: true, Dialect: gws.DialectChats},
		{Name: "bob", Kind: KindAgent, File: "s.yaml", Line: 7, Nickname: "Bobby", Ready: false, Dialect: gws.DialectInteractions},
		{Name: "carol", Kind: KindCustomer, File: "s.yaml", Line: 8, Nickname: "Carol", RouteTo: []string{"alice", "{{queue1}}"}, Dialect: gws.DialectCustomer},
	}
	if !reflect.DeepEqual(sc.Actors, wantActors) {
		t.Errorf("actors:\n got  %+v\n want %+v", sc.Actors, wantActors)
	}
	if sc.Timeout != time.Minute || sc.Vars["greeting"] != "hi" {
		t.Errorf("timeout %v vars %v", sc.Timeout, sc.Vars)
	}
	wantReq := []string{"customer", "interactions", "notifications", "queues"}
	if !reflect.DeepEqual(sc.Requires, wantReq) {
		t.Errorf("requires = %v, want %v", sc.Requires, wantReq)
	}
	if h := actionOf[*HTTPStep](t, sc.Steps[0]); h.Method != "GET" || h.Auth != "basic" || !h.CSRF || h.Expect.Status == nil || h.Expect.Body != nil {
		t.Errorf("agent http step: %+v", h)
	}
	if h := actionOf[*HTTPStep](t, sc.Steps[1]); h.Auth != "none" || h.CSRF {
		t.Errorf("customer http step: %+v", h)
	}
	op := actionOf[*OpStep](t, sc.Steps[2])
	if op.Dialect != gws.DialectInteractions || op.Op.Path != "/api/v2/me/interactions/{chat}" || op.Within.Fixed != 2*time.Second {
		t.Errorf("op step: %+v", op)
	}
	if e := op.Then[0]; e.Within != time.Second || !e.Once || e.Line != 12 || e.Match == nil {
		t.Errorf("then item: %+v", e)
	}
	never := actionOf[*NeverStep](t, sc.Steps[3]).Items
	if len(never) != 2 || never[0].FromHere || !never[1].FromHere {
		t.Errorf("never items: %+v", never)
	}
}

func TestAwaitSaveAndOpResolution(t *testing.T) {
	scs := mustLoad(t, map[string]string{"s.yaml": `
name: saves
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: customer}
steps:
  - alice: {await: {notificationType: StatusChange}, save: {chat: /chat/id}}
  - alice: {op: GetMe, dialect: agent}
  - alice: {op: GetMe}
  - carol: {op: RequestChat, body: {nickname: C}}
  - alice: {op: NoSuchOp}
`})
	st := scs[0].Steps
	if got := actionOf[*AwaitStep](t, st[0]).Items[0].Save; !reflect.DeepEqual(got, map[string]string{"chat": "/chat/id"}) {
		t.Errorf("await save = %v", got)
	}
	op := func(i int) *OpStep { return actionOf[*OpStep](t, st[i]) }
	if op(1).Op.Name != "GetMe" || op(2).Dialect != gws.DialectAgent {
		t.Errorf("GetMe did not resolve: %+v / %+v", op(1), op(2))
	}
	if op(3).Op.Path != "/api/v2/chats" || op(3).Dialect != gws.DialectCustomer {
		t.Errorf("RequestChat: %+v", op(3))
	}
	if op(4).Op.Name != "" || op(4).Name != "NoSuchOp" {
		t.Errorf("unknown op should stay unresolved for the linter: %+v", op(4))
	}
}

func TestLoadDiskReplacesOrAddsToTheCatalogue(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mine.yaml", `
name: my own
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: {kind: customer, routeTo: [alice]}}
steps:
  - include: chat-in-progress
    with: {agent: alice, customer: carol}
  - include: agent-ready
    with: {agent: alice}
`)
	// A fragment on disk replaces the embedded one of the same name.
	write("fragments/agent-ready.yaml", "fragment: agent-ready\nparams: [agent]\nsteps:\n  - agent: {op: NotReady}\n")

	only, err := LoadDisk(false, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(only) != 1 || only[0].Name != "my own" {
		t.Fatalf("replace: got %d scenarios", len(only))
	}
	last := only[0].Steps[len(only[0].Steps)-1]
	if last.Label() != "alice NotReady" || last.File != filepath.Join(dir, "fragments", "agent-ready.yaml") {
		t.Errorf("disk fragment did not replace the embedded one: %s %s", last.Label(), last.File)
	}
	if only[0].Steps[0].File != "internal/scenarios/catalogue/fragments/chat-in-progress.yaml" {
		t.Errorf("embedded fragment file = %q", only[0].Steps[0].File)
	}

	cat, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	both, err := LoadDisk(true, filepath.Join(dir, "mine.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(both) != len(cat)+1 {
		t.Errorf("add: got %d scenarios, want %d", len(both), len(cat)+1)
	}
	if _, err := LoadDisk(false, filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml: cannot read") {
		t.Errorf("missing path: %v", err)
	}
}

func TestExpectRefused(t *testing.T) {
	scs := mustLoad(t, map[string]string{"s.yaml": `
name: refused
refs: [seed-002/status-code-failure]
actors: {alice: agent}
steps:
  - alice: {op: Ready, expect: refused}
`})
	e := actionOf[*OpStep](t, scs[0].Steps[0]).Expect
	if e == nil || !e.Refused || e.ExpectsSuccess() || e.Line != 5 {
		t.Fatalf("expect: refused loaded as %+v", e)
	}
	errs := loadErrors(t, map[string]string{"s.yaml": `
name: typo
refs: [seed-002/status-code-failure]
actors: {alice: agent}
steps:
  - alice: {op: Ready, expect: refuse}
`})
	if len(errs) != 1 || !strings.Contains(errs[0], `s.yaml:5: expect: "refuse" is not an expectation (write expect: refused`) {
		t.Errorf("a misspelt refused: %q", errs)
	}
}
