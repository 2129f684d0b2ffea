package coverage

import (
	"fmt"
	"slices"
	"sort"

	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/scenarios"
)

// OpRow is one operation of the registry and the scenarios that call it.
type OpRow struct {
	Op scenarios.Op
	// Success and Failure name the scenarios whose own steps call the op
	// expecting success (no `expect`, or a 2xx status) or a failure.
	Success, Failure []string
	// Fragments names the fragments that call the op, with how many
	// scenarios include them.
	Fragments map[string]int
}

// Covered reports whether some scenario calls the op expecting success.
func (r OpRow) Covered() bool { return len(r.Success) > 0 || len(r.Fragments) > 0 }

// StatementRow is one statement and the scenarios that cite it in refs.
type StatementRow struct {
	Statement Statement
	Scenarios []string
}

// Table is the joined coverage of a catalogue.
type Table struct {
	Scenarios  int
	Sources    []Source
	Ops        []OpRow
	Statements []StatementRow
	// UnknownRefs are "FILE:LINE: scenario NAME: ..." problems: refs shaped
	// like a statement id that match no statement.
	UnknownRefs []string
}

// Build joins scs with the registry ops and the statement list.
func Build(scs []*scenarios.Scenario, ops []scenarios.Op, st *Statements) *Table {
	t := &Table{Scenarios: len(scs), Sources: st.Sources}
	byOp := map[[2]string]*OpRow{}
	for _, op := range ops {
		t.Ops = append(t.Ops, OpRow{Op: op, Fragments: map[string]int{}})
	}
	for i := range t.Ops {
		byOp[[2]string{t.Ops[i].Op.Dialect, t.Ops[i].Op.Name}] = &t.Ops[i]
	}
	stRows := map[string]*StatementRow{}
	for _, s := range st.Statements {
		t.Statements = append(t.Statements, StatementRow{Statement: s})
	}
	for i := range t.Statements {
		stRows[t.Statements[i].Statement.ID] = &t.Statements[i]
	}

	for _, sc := range scs {
		for _, ref := range sc.Refs {
			if row := stRows[ref]; row != nil {
				row.Scenarios = appendOnce(row.Scenarios, sc.Name)
			} else if st.isStatementRef(ref) {
				t.UnknownRefs = append(t.UnknownRefs, fmt.Sprintf("%s:%d: scenario %s: ref %q names no statement of %s", sc.File, sc.Line, sc.Name, ref, StatementsFile))
			}
		}
		seenFragments := map[[3]string]bool{}
		for _, step := range sc.Steps {
			if step.Op == nil {
				continue
			}
			row := byOp[[2]string{step.Op.Op.Dialect, step.Op.Op.Name}]
			if row == nil {
				continue
			}
			switch {
			case step.Include != "":
				key := [3]string{step.Include, row.Op.Dialect, row.Op.Name}
				if !seenFragments[key] {
					seenFragments[key] = true
					row.Fragments[step.Include]++
				}
			case expectsSuccess(step.Op):
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

// expectsSuccess: a step without `expect` requires the op's success shape; a
// step with `expect` expects success unless its status matcher refuses 200.
func expectsSuccess(op *scenarios.OpStep) bool {
	if op.Expect == nil || op.Expect.Status == nil {
		return true
	}
	return op.Expect.Status.Match(200, match.MapVars{}) == nil
}

func appendOnce(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// Problems lists what makes the catalogue's coverage incomplete: operations
// no scenario calls successfully, statements no scenario cites, and refs that
// name no statement. Empty means complete.
func (t *Table) Problems() []string {
	var out []string
	for _, r := range t.Ops {
		if !r.Covered() {
			out = append(out, fmt.Sprintf("operation %s %s: no scenario calls it expecting success", r.Op.Dialect, r.Op.Name))
		}
	}
	for _, r := range t.Statements {
		if len(r.Scenarios) == 0 {
			out = append(out, fmt.Sprintf("%s:%d: statement %s: no scenario cites it in refs", StatementsFile, r.Statement.Line, r.Statement.ID))
		}
	}
	return append(out, t.UnknownRefs...)
}
