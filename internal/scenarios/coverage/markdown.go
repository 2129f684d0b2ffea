package coverage

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Command is how docs/coverage.md is regenerated; the drift test names it.
const Command = "go run ./cmd/gwsconform coverage --out docs/coverage.md"

// intro explains how to read and extend the document.
const intro = "A scenario checks a statement by naming its id in `refs`, on the scenario, a step or an\n" +
	"expectation (for example `refs: [seed-001/consultant-invisible]`); the statement's level is the\n" +
	"evidence of the checks that cite it (docs/evidence.md): only documented statements can fail a target.\n\n" +
	"A step calls an operation when it is an `op` step naming it, or a raw `http` step with the operation's\n" +
	"method and path (a `{chat}` segment matches any id) and, for a POST, the operation's name as the body's\n" +
	"`operationName`; so requests an op step cannot make (a missing required parameter, `auth: wrong`) count.\n" +
	"The success column lists the scenarios (and fragments) that call the operation expecting success (no\n" +
	"`expect`, or a status matcher that accepts 200); the failure column lists the scenarios whose own steps\n" +
	"call it expecting a refusal. Every operation needs both.\n\n" +
	"To add a documented fact: add an entry `{id: SOURCE/slug, text: ...}` to the statement list, cite it\n" +
	"from the scenario that proves it, and regenerate this file. `gwsconform coverage` exits 1 and lists\n" +
	"the gaps when an operation has no success or no failure scenario, a statement has no scenario, or a\n" +
	"ref names no statement.\n\n"

// Markdown writes the table as the document docs/coverage.md holds. The output
// depends only on the inputs (everything is sorted), so it can be compared.
func (t *Table) Markdown(w io.Writer) error {
	var b strings.Builder
	opsCovered, opsFailing := 0, 0
	covered, total := map[evidence.Level]int{}, map[evidence.Level]int{}
	for _, r := range t.Ops {
		if r.Covered() {
			opsCovered++
		}
		if r.FailureCovered() {
			opsFailing++
		}
	}
	for _, r := range t.Statements {
		total[r.Statement.Level]++
		if len(r.Scenarios) > 0 {
			covered[r.Statement.Level]++
		}
	}
	fmt.Fprintf(&b, "# Coverage of the scenario catalogue\n\n")
	fmt.Fprintf(&b, "Generated from the embedded catalogue, the operation registry and `%s` by\n`%s`; do not edit by hand (a test fails when this file is stale).\n\n", evidence.StatementsFile, Command)
	fmt.Fprintf(&b, "- scenarios: %d\n", t.Scenarios)
	fmt.Fprintf(&b, "- operations called expecting success: %d of %d\n", opsCovered, len(t.Ops))
	fmt.Fprintf(&b, "- operations called expecting a refusal: %d of %d\n", opsFailing, len(t.Ops))
	fmt.Fprintf(&b, "- documented statements (seed pages, API-NOTES) checked by at least one scenario: %d of %d\n", covered[evidence.Documented], total[evidence.Documented])
	fmt.Fprintf(&b, "- inferred statements (API-NOTES \"(inferred)\"; a miss is a deviation): %d of %d\n", covered[evidence.Inferred], total[evidence.Inferred])
	fmt.Fprintf(&b, "- reference statements (the reference server's choices; a miss is a deviation): %d of %d\n\n", covered[evidence.Reference], total[evidence.Reference])
	b.WriteString(intro)

	if problems := t.Problems(); len(problems) > 0 {
		b.WriteString("## Gaps\n\n")
		for _, p := range problems {
			fmt.Fprintf(&b, "- %s\n", p)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Operations\n\n| dialect | operation | request | success | failure |\n|---|---|---|---|---|\n")
	for _, r := range t.Ops {
		fmt.Fprintf(&b, "| %s | %s | `%s %s` | %s | %s |\n", r.Op.Dialect, r.Op.Name, r.Op.Method, r.Op.Path,
			successCell(r), failureCell(r))
	}

	b.WriteString("\n## Statements\n")
	for _, src := range t.Sources {
		fmt.Fprintf(&b, "\n### %s: %s\n\nSource: `%s`\n\n| statement | level | says | scenarios |\n|---|---|---|---|\n", src.ID, src.Title, src.File)
		for _, r := range t.Statements {
			if r.Statement.Source != src.ID {
				continue
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Statement.ID, r.Statement.Level, cell(r.Statement.Text), names(r.Scenarios))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func successCell(r OpRow) string {
	parts := []string{}
	if len(r.Success) > 0 {
		parts = append(parts, names(r.Success))
	}
	for _, f := range slices.Sorted(maps.Keys(r.Fragments)) {
		parts = append(parts, fmt.Sprintf("fragment `%s` (%s)", f, plural(r.Fragments[f], "scenario")))
	}
	if len(parts) == 0 {
		return "**none**"
	}
	return strings.Join(parts, "; ")
}

func failureCell(r OpRow) string {
	if !r.FailureCovered() {
		return "**none**"
	}
	return names(r.Failure)
}

// names lists scenario names as code spans: names may hold commas.
func names(list []string) string {
	quoted := make([]string, len(list))
	for i, n := range list {
		quoted[i] = "`" + strings.ReplaceAll(n, "`", "'") + "`"
	}
	return cell(strings.Join(quoted, ", "))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// Generate builds the table of the embedded catalogue.
func Generate() (*Table, error) {
	st, err := evidence.LoadStatements()
	if err != nil {
		return nil, err
	}
	scs, err := scenarios.LoadCatalogue()
	if err != nil {
		return nil, fmt.Errorf("loading the catalogue: %w", err)
	}
	return Build(scs, gws.Ops(), st), nil
}
