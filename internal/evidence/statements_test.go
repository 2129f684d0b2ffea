package evidence

import (
	"strings"
	"testing"
)

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

func TestLevelsComeFromTheSourceAndTheInferredMark(t *testing.T) {
	st, err := ParseStatements([]byte(`sources:
  - {id: seed-003, file: f, title: t}
  - {id: notes, file: n, title: t}
  - {id: wire, file: w, title: t, level: reference}
statements:
  - {id: seed-003/a, text: shown on the page}
  - {id: notes/b, text: "said by the notes"}
  - {id: notes/c, text: "guessed by the notes (inferred)."}
  - {id: wire/d, text: our choice}
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]Level{"seed-003/a": Documented, "notes/b": Documented, "notes/c": Inferred, "wire/d": Reference} {
		if s, _ := st.Lookup(id); s.Level != want {
			t.Errorf("%s: level %s, want %s", id, s.Level, want)
		}
	}
	if l, err := st.Of([]string{"seed-003/a", "notes/b"}); err != nil || l != Documented {
		t.Errorf("two documented refs: %s, %v", l, err)
	}
	if l, err := st.Of(nil); err != nil || l != Unknown {
		t.Errorf("no refs: %s, %v; want unknown without error (an outer citation decides)", l, err)
	}
	_, err = st.Of([]string{"seed-003/a", "wire/d", "notes/c"})
	if err == nil || !strings.Contains(err.Error(), "documented (seed-003/a) and inferred (notes/c) and reference (wire/d)") {
		t.Errorf("mixed refs: want the levels named, got %v", err)
	}
	if _, err := st.Of([]string{"seed 003 Accept"}); err == nil || !strings.Contains(err.Error(), `"seed 003 Accept" names no statement`) {
		t.Errorf("free text: want it refused, got %v", err)
	}
	if _, err := ParseStatements([]byte("sources:\n  - {id: w, file: f, title: t, level: guess}\nstatements: []\n"), "s.yaml"); err == nil {
		t.Error("an unknown source level parsed")
	}
}

func TestEmbeddedStatementsParse(t *testing.T) {
	st, err := LoadStatements()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Level]int{}
	for _, s := range st.Statements {
		counts[s.Level]++
		if s.Source == "wire" && s.Level != Reference {
			t.Errorf("%s: a wire decision must be reference level, is %s", s.ID, s.Level)
		}
	}
	if counts[Documented] == 0 || counts[Inferred] == 0 || counts[Reference] == 0 {
		t.Errorf("want statements of every level, got %v", counts)
	}
}

func TestBinding(t *testing.T) {
	for _, c := range []struct {
		l      Level
		strict bool
		want   bool
	}{{Documented, false, true}, {Unknown, false, true}, {Inferred, false, false}, {Reference, false, false}, {Reference, true, true}} {
		if got := c.l.Binding(c.strict); got != c.want {
			t.Errorf("%s.Binding(%v) = %v", c.l, c.strict, got)
		}
	}
	if Weaker(Documented, Reference) != Reference || Weaker(Unknown, Inferred) != Inferred {
		t.Error("Weaker")
	}
}
