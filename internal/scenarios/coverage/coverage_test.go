package coverage

import (
	"bytes"
	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"os"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/scenarios"
)

const docPath = "../../../docs/coverage.md"

// docs/coverage.md must be exactly what the command generates, so it cannot
// drift from the catalogue.
func TestCoverageDocIsCurrent(t *testing.T) {
	table, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := table.Markdown(&want); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v; generate it with: %s", err, Command)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("docs/coverage.md is stale (first difference at line %d); regenerate it with: %s",
			firstDiffLine(got, want.Bytes()), Command)
	}
}

// Every operation of the registry and every documented statement has a
// scenario, and every statement-shaped ref names a statement.
func TestCatalogueCoversEverything(t *testing.T) {
	table, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range table.Problems() {
		t.Error(p)
	}
	if len(table.Ops) != len(gws.Ops()) {
		t.Errorf("table has %d operations, registry %d", len(table.Ops), len(gws.Ops()))
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

func TestBuildJoinsRefsAndOps(t *testing.T) {
	st, err := evidence.ParseStatements([]byte(`sources:
  - {id: seed-001, file: f, title: t}
statements:
  - {id: seed-001/covered, text: a}
  - {id: seed-001/uncovered, text: b}
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scs, err := scenarios.Load(os.DirFS("testdata"), "catalogue")
	if err != nil {
		t.Fatal(err)
	}
	send, _ := gws.Lookup(gws.DialectChats, "SendMessage")
	leave, _ := gws.Lookup(gws.DialectChats, "Leave")
	accept, _ := gws.Lookup(gws.DialectChats, "Accept")
	table := Build(scs, []gws.Op{send, leave, accept}, st)

	rows := map[string]OpRow{}
	for _, r := range table.Ops {
		rows[r.Op.Name] = r
	}
	if got := rows["SendMessage"]; strings.Join(got.Success, ",") != "raw-success,sends" || strings.Join(got.Failure, ",") != "refused" {
		t.Errorf("SendMessage: success %v failure %v; want [raw-success sends] [refused]", got.Success, got.Failure)
	}
	if got := rows["Accept"].Fragments["accept-it"]; got != 4 {
		t.Errorf("Accept via fragment accept-it: %d scenarios, want 4", got)
	}
	problems := strings.Join(table.Problems(), "\n")
	for _, want := range []string{
		"operation chats Leave: no scenario calls it expecting success",
		"statement seed-001/uncovered: no scenario cites it",
		`scenario refused: ref "seed-001/typo" names no statement`,
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	if strings.Contains(problems, "free text") || strings.Contains(problems, "seed-001/covered") {
		t.Errorf("free-text refs and covered statements are not problems:\n%s", problems)
	}
	var md bytes.Buffer
	if err := table.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| chats | Leave | `POST /api/v2/me/chats/{chat}` | **none** | `raw-refusals` |", "| chats | Accept | `POST /api/v2/me/chats/{chat}` | fragment `accept-it` (4 scenarios) | **none** |", "| `seed-001/covered` | documented | a | `refused`, `sends` |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}

// A raw http step is a call of the op whose method and path template match
// and, for a POST, whose name is the body's operationName; `auth: wrong` and
// missing-parameter requests therefore count as failure scenarios.
func TestHTTPStepsCountAsCalls(t *testing.T) {
	scs, err := scenarios.Load(os.DirFS("testdata"), "catalogue")
	if err != nil {
		t.Fatal(err)
	}
	var ops []gws.Op
	for _, name := range []struct {
		dialect gws.Dialect
		name    string
	}{
		{gws.DialectAgent, "GetMe"}, {gws.DialectChats, "Leave"},
		{gws.DialectChats, "SendMessage"}, {gws.DialectInteractions, "Complete"},
	} {
		op, ok := gws.Lookup(name.dialect, name.name)
		if !ok {
			t.Fatalf("no op %s %s in the registry", name.dialect, name.name)
		}
		ops = append(ops, op)
	}
	table := Build(scs, ops, &evidence.Statements{})
	want := map[string][2]string{ // op -> success, failure
		"GetMe":       {"raw-success", "raw-refusals"},
		"Leave":       {"", "raw-refusals"},
		"SendMessage": {"raw-success,sends", "refused"},
		"Complete":    {"", ""},
	}
	for _, r := range table.Ops {
		got := [2]string{strings.Join(r.Success, ","), strings.Join(r.Failure, ",")}
		if got != want[r.Op.Name] {
			t.Errorf("%s %s: success/failure %q, want %q", r.Op.Dialect, r.Op.Name, got, want[r.Op.Name])
		}
	}
}

// An operation no scenario calls expecting a refusal is a gap: coverage
// reports it, so `gwsconform coverage` exits 1 and this package's tests fail.
func TestProblemsListOperationsWithoutFailureScenario(t *testing.T) {
	scs, err := scenarios.Load(os.DirFS("testdata"), "catalogue")
	if err != nil {
		t.Fatal(err)
	}
	send, _ := gws.Lookup(gws.DialectChats, "SendMessage")
	accept, _ := gws.Lookup(gws.DialectChats, "Accept")
	problems := strings.Join(Build(scs, []gws.Op{send, accept}, &evidence.Statements{}).Problems(), "\n")
	if want := "operation chats Accept: no failure scenario"; !strings.Contains(problems, want) {
		t.Errorf("problems lack %q:\n%s", want, problems)
	}
	if strings.Contains(problems, "chats SendMessage") {
		t.Errorf("SendMessage has both a success and a failure scenario, yet:\n%s", problems)
	}
}
