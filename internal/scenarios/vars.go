package scenarios

import (
	"sort"
	"strings"

	"github.com/gwsconform/gwsconform/internal/evidence"
	"github.com/gwsconform/gwsconform/internal/match"
)

// ActorProperties are the built-in variables of an actor, {{alice.uri}} and
// friends: what the linter accepts after an actor's name, and what the runner
// serves (internal/runner checks its lookup against this list).
func ActorProperties() []string {
	return []string{"uri", "id", "username", "nickname", "chat", "secureKey"}
}

// VarUse is a step's reading or saving of a variable, where it is written.
type VarUse struct {
	// Name is the reference as written: "chat", "alice.uri", or a malformed
	// one ("bob uri") for the linter to report.
	Name string
	Save bool // the step sets it; false: the step reads it
	File string
	Line int
	// Level is the evidence of the check that reads or saves it. A $save under
	// $inferred or $reference counts as reference evidence whatever its
	// check's: a lenient run may leave it unsaved.
	Level evidence.Level
}

// Vars lists the variables the step reads and saves, in the order the runner
// meets them: a request's own references and those of its `within`, then
// the checks of its answer and its `save`, then each item's matcher and
// `save`. A matcher's saves come before its reads: a match sees the values it
// saved earlier in itself. A never step only reads: what it would save the
// linter reports, since it matches nothing.
func (s *Step) Vars() []VarUse {
	if s.Action == nil {
		return nil
	}
	return s.Action.uses(s)
}

func (o *OpStep) uses(st *Step) []VarUse {
	reads := match.TextRefs(o.Chat)
	reads = append(reads, valueRefs(o.Body)...)
	reads = append(reads, mapRefs(o.Query)...)
	out := o.Request.uses(st, reads)
	for _, e := range o.Then {
		out = append(out, e.uses()...)
	}
	return out
}

func (h *HTTPStep) uses(st *Step) []VarUse {
	reads := match.TextRefs(h.Path)
	reads = append(reads, valueRefs(h.Body)...)
	reads = append(reads, mapRefs(h.Query)...)
	reads = append(reads, mapRefs(h.Headers)...)
	return h.Request.uses(st, reads)
}

func (a *AwaitStep) uses(*Step) []VarUse {
	var out []VarUse
	for _, e := range a.Items {
		out = append(out, e.uses()...)
	}
	return out
}

func (n *NeverStep) uses(*Step) []VarUse {
	var out []VarUse
	for _, e := range n.Items {
		if e.Match != nil {
			out = append(out, readsOf(e.Match.Refs(), e.File, e.Match.Line(), e.Level)...)
		}
	}
	return out
}

func (*BarrierStep) uses(*Step) []VarUse { return nil }

// uses is what a request step reads before it is sent (reads, and its
// `within`: the limit is computed first), then what its answer's checks read
// and save.
func (r *Request) uses(st *Step, reads []string) []VarUse {
	out := readsOf(reads, st.File, st.Line, st.Level)
	if d := r.Within; d != nil {
		line := d.Line
		if line == 0 {
			line = st.Line
		}
		out = append(out, readsOf(d.Refs(), st.File, line, st.Level)...)
	}
	if e := r.Expect; e != nil {
		for _, m := range e.matchers() {
			out = append(out, matcherUses(m, e.File, st.Level)...)
		}
	}
	return append(out, savesOf(r.Save, st.File, st.Line, st.Level)...)
}

func (e Expectation) uses() []VarUse {
	var out []VarUse
	if e.Match != nil {
		out = matcherUses(e.Match, e.File, e.Level)
	}
	return append(out, savesOf(e.Save, e.File, e.Line, e.Level)...)
}

func matcherUses(m match.Matcher, file string, level evidence.Level) []VarUse {
	var out []VarUse
	for _, s := range m.Saves() {
		saveLevel := level
		if s.Weak {
			saveLevel = evidence.Reference
		}
		out = append(out, VarUse{Name: s.Name, Save: true, File: file, Line: m.Line(), Level: saveLevel})
	}
	return append(out, readsOf(m.Refs(), file, m.Line(), level)...)
}

func readsOf(refs []string, file string, line int, level evidence.Level) []VarUse {
	out := make([]VarUse, len(refs))
	for i, ref := range refs {
		out[i] = VarUse{Name: ref, File: file, Line: line, Level: level}
	}
	return out
}

func savesOf(save map[string]string, file string, line int, level evidence.Level) []VarUse {
	var out []VarUse
	for _, name := range sortedKeys(save) {
		out = append(out, VarUse{Name: name, Save: true, File: file, Line: line, Level: level})
	}
	return out
}

// valueRefs lists the references in a decoded YAML value (strings only;
// keys are never interpolated), in the order of sorted keys.
func valueRefs(v any) []string {
	switch v := v.(type) {
	case string:
		return match.TextRefs(v)
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(v) {
			out = append(out, valueRefs(v[k])...)
		}
		return out
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, valueRefs(x)...)
		}
		return out
	}
	return nil
}

func mapRefs(m map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, match.TextRefs(m[k])...)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rootName is the part of a reference before its first dot.
func rootName(ref string) string {
	root, _, _ := strings.Cut(ref, ".")
	return root
}
