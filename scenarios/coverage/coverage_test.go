package coverage

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/scenarios"
)

const docPath = "../../docs/coverage.md"

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
	if len(table.Ops) != len(scenarios.Ops()) {
		t.Errorf("table has %d operations, registry %d", len(table.Ops), len(scenarios.Ops()))
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

func TestParseStatementsReportsProblemsWithLines(t *testing.T) {
	src := `sources:
  - {id: seed-001, file: seeds/001.txt, title: Consult}
statements:
  - {id: seed-001/ok, text: fine}
  - {id: seed-009/orphan, text: unknown source}
  - {id: Not An Id, text: bad id}
  - {id: seed-001/empty, text: ""}
  - {id: seed-001/ok, text: duplicate}
`
	_, err := ParseStatements([]byte(src), "s.yaml")
	if err == nil {
		t.Fatal("want errors, got none")
	}
	for _, want := range []string{
		`s.yaml:5: statement seed-009/orphan: unknown source "seed-009"`,
		`s.yaml:6: statement id "Not An Id"`,
		`s.yaml:7: statement seed-001/empty has no text`,
		`s.yaml:8: statement seed-001/ok already listed at line 4`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	if _, err := ParseStatements([]byte("sources: []\nstatments: []\n"), "s.yaml"); err == nil || !strings.Contains(err.Error(), "statments") {
		t.Errorf("unknown top-level key: want an error naming it, got %v", err)
	}
}

func TestBuildJoinsRefsAndOps(t *testing.T) {
	st, err := ParseStatements([]byte(`sources:
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
	send, _ := scenarios.LookupOp(scenarios.DialectChats, "SendMessage")
	leave, _ := scenarios.LookupOp(scenarios.DialectChats, "Leave")
	accept, _ := scenarios.LookupOp(scenarios.DialectChats, "Accept")
	table := Build(scs, []scenarios.Op{send, leave, accept}, st)

	rows := map[string]OpRow{}
	for _, r := range table.Ops {
		rows[r.Op.Name] = r
	}
	if got := rows["SendMessage"]; strings.Join(got.Success, ",") != "sends" || strings.Join(got.Failure, ",") != "refused" {
		t.Errorf("SendMessage: success %v failure %v; want [sends] [refused]", got.Success, got.Failure)
	}
	if got := rows["Accept"].Fragments["accept-it"]; got != 2 {
		t.Errorf("Accept via fragment accept-it: %d scenarios, want 2", got)
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
	for _, want := range []string{"| chats | Leave | `POST /api/v2/me/chats/{chat}` | **none** |  |", "fragment `accept-it` (2 scenarios)", "| `seed-001/covered` | a | `refused`, `sends` |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}
