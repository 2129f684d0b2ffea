// Package coverage joins the scenario catalogue with the operation registry and
// the documented statements (internal/evidence), and renders the coverage table
// of docs/coverage.md: which scenarios exercise each operation, and which prove
// each statement of the seed pages and notes, at which evidence level.
package coverage

import (
	"fmt"
	"slices"
	"sort"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// OpRow is one operation of the registry and the scenarios that call it.
type OpRow struct {
	Op gws.Op
	// Success and Failure name the scenarios whose own steps call the op
	// (an op step, or a raw http step with the op's method, path and
	// operationName) expecting success (no `expect`, or a status matcher
	// that accepts 200) or a failure.
	Success, Failure []string
	// Fragments names the fragments that call the op expecting success, with
	// how many scenarios include them.
	Fragments map[string]int
}

// Covered reports whether some scenario calls the op expecting success.
func (r OpRow) Covered() bool { return len(r.Success) > 0 || len(r.Fragments) > 0 }

// FailureCovered reports whether some scenario's own steps call the op
// expecting a refusal.
func (r OpRow) FailureCovered() bool { return len(r.Failure) > 0 }

// StatementRow is one statement and the scenarios that cite it in refs.
type StatementRow struct {
	Statement evidence.Statement
	Scenarios []string
}

// Table is the joined coverage of a catalogue.
type Table struct {
	Scenarios  int
	Sources    []evidence.Source
	Ops        []OpRow
	Statements []StatementRow
	// UnknownRefs are "FILE:LINE: scenario NAME: ..." problems: refs shaped
	// like a statement id that match no statement.
	UnknownRefs []string

	generated map[string]bool // sources cited by generated scenarios only
}

// Build joins scs with the registry ops and the statement list.
func Build(scs []*scenarios.Scenario, ops []gws.Op, st *evidence.Statements) *Table {
	t := &Table{Scenarios: len(scs), Sources: st.Sources, generated: map[string]bool{}}
	for _, src := range st.Sources {
		t.generated[src.ID] = src.Generated
	}
	byOp := map[opKey]*OpRow{}
	for _, op := range ops {
		t.Ops = append(t.Ops, OpRow{Op: op, Fragments: map[string]int{}})
	}
	for i := range t.Ops {
		byOp[opKey{t.Ops[i].Op.Dialect, t.Ops[i].Op.Name}] = &t.Ops[i]
	}
	stRows := map[string]*StatementRow{}
	for _, s := range st.Statements {
		t.Statements = append(t.Statements, StatementRow{Statement: s})
	}
	for i := range t.Statements {
		stRows[t.Statements[i].Statement.ID] = &t.Statements[i]
	}

	for _, sc := range scs {
		for _, c := range citations(sc) {
			if row := stRows[c.ref]; row != nil {
				row.Scenarios = appendOnce(row.Scenarios, sc.Name)
			} else if st.IsStatementRef(c.ref) {
				t.UnknownRefs = append(t.UnknownRefs, fmt.Sprintf("%s:%d: scenario %s: ref %q names no statement of %s", c.file, c.line, sc.Name, c.ref, evidence.StatementsFile))
			}
		}
		seenFragments := map[fragmentCall]bool{}
		for i := range sc.Steps {
			step := &sc.Steps[i]
			row, success := t.callOf(step, byOp)
			if row == nil {
				continue
			}
			switch {
			case step.Include != "":
				// A fragment's call counts once per fragment, as setup: only
				// a scenario's own steps prove a failure path.
				key := fragmentCall{step.Include, opKey{row.Op.Dialect, row.Op.Name}}
				if success && !seenFragments[key] {
					seenFragments[key] = true
					row.Fragments[step.Include]++
				}
			case success:
				row.Success = appendOnce(row.Success, sc.Name)
			default:
				row.Failure = appendOnce(row.Failure, sc.Name)
			}
		}
	}
	for i := range t.Ops {
		sort.Strings(t.Ops[i].Success)
		sort.Strings(t.Ops[i].Failure)
	}
	for i := range t.Statements {
		sort.Strings(t.Statements[i].Scenarios)
	}
	sort.Strings(t.UnknownRefs)
	return t
}

// citation is one ref and where it is written.
type citation struct {
	ref  string
	file string
	line int
}

// citations lists every ref of a scenario: its own, its steps' (a fragment's
// included steps cite the fragment's) and its expectation items'.
func citations(sc *scenarios.Scenario) []citation {
	var out []citation
	for _, ref := range sc.Refs {
		out = append(out, citation{ref, sc.File, sc.Line})
	}
	for i := range sc.Steps {
		step := &sc.Steps[i]
		for _, ref := range step.Refs {
			out = append(out, citation{ref, step.File, step.Line})
		}
		for _, e := range step.Expectations() {
			for _, ref := range e.Refs {
				out = append(out, citation{ref, e.File, e.Line})
			}
		}
	}
	return out
}

// opKey names an operation of the registry.
type opKey struct {
	dialect gws.Dialect
	name    string
}

// fragmentCall is a fragment's call of an operation.
type fragmentCall struct {
	fragment string
	op       opKey
}

// callOf finds the operation a step calls, and whether it expects success.
// An op step names its op; a raw http step calls the op gws.Identify finds
// for its method, path and operationName, so negative requests an op step
// cannot express (a missing required parameter, wrong credentials) count too.
func (t *Table) callOf(step *scenarios.Step, byOp map[opKey]*OpRow) (*OpRow, bool) {
	switch act := step.Action.(type) {
	case *scenarios.OpStep:
		return byOp[opKey{act.Op.Dialect, act.Op.Name}], act.Expect.ExpectsSuccess()
	case *scenarios.HTTPStep:
		body, _ := act.Body.(map[string]any)
		if op, _, ok := gws.Identify(act.Method, act.Path, body); ok {
			return byOp[opKey{op.Dialect, op.Name}], act.Expect.ExpectsSuccess()
		}
	case *scenarios.AwaitStep, *scenarios.NeverStep, *scenarios.BarrierStep:
	}
	return nil, false
}

func appendOnce(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// Problems lists what makes the catalogue's coverage incomplete: operations
// no scenario calls successfully, operations no scenario calls expecting a
// refusal, statements no scenario cites, and refs that name no statement.
// Empty means complete.
func (t *Table) Problems() []string {
	var out []string
	for _, r := range t.Ops {
		if !r.Covered() {
			out = append(out, fmt.Sprintf("operation %s %s: no scenario calls it expecting success", r.Op.Dialect, r.Op.Name))
		}
		if !r.FailureCovered() {
			out = append(out, fmt.Sprintf("operation %s %s: no failure scenario (no scenario's own steps call it expecting a refusal)", r.Op.Dialect, r.Op.Name))
		}
	}
	for _, r := range t.Statements {
		if len(r.Scenarios) == 0 && !t.generated[r.Statement.Source] {
			out = append(out, fmt.Sprintf("%s:%d: statement %s: no scenario cites it in refs", evidence.StatementsFile, r.Statement.Line, r.Statement.ID))
		}
	}
	return append(out, t.UnknownRefs...)
}
