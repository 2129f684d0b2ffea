package match

import (
	"errors"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/evidence"
)

// levelMatcher is {$inferred: M} or {$reference: M}: the part of an
// expectation that rests on weaker evidence than the rest of it. In a strict
// match (Match) it is M. In a lenient match (MatchLenient) a value M does not
// match still matches, and the miss is returned as a Deviation, so a vendor
// learns where it differs from our reading without failing for it.
type levelMatcher struct {
	level evidence.Level
	name  string
	inner matcher
}

// levelOperators maps each level operator to its level.
var levelOperators = map[string]evidence.Level{"$inferred": evidence.Inferred, "$reference": evidence.Reference}

func init() {
	for name, level := range levelOperators {
		register(name, func(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
			inner, err := c.compile(n, context{mapValue: ctx.mapValue})
			if err != nil {
				return nil, err
			}
			return &levelMatcher{level: level, name: name, inner: inner}, nil
		})
	}
}

// Deviation is a part of an expectation below the documented level that did not
// hold in a lenient match.
type Deviation struct {
	Level   evidence.Level
	Pointer string // JSON pointer into the matched value
	Reason  string
}

func (d Deviation) Error() string {
	if d.Pointer == "" {
		return d.Reason
	}
	return d.Pointer + ": " + d.Reason
}

func (m *levelMatcher) match(actual any, st *state, ptr string) error {
	if !st.lenient {
		return m.inner.match(actual, st, ptr)
	}
	n, nd := len(st.saves), len(st.deviations)
	err := m.inner.match(actual, st, ptr)
	if err == nil {
		return nil
	}
	st.saves, st.deviations = st.saves[:n], st.deviations[:nd]
	var mm *Mismatch
	var undefined *UndefinedError
	switch {
	case errors.As(err, &mm):
		st.deviations = append(st.deviations, Deviation{Level: m.level, Pointer: mm.Pointer, Reason: mm.Reason})
	case errors.As(err, &undefined):
		// The variable went unsaved because an earlier check of weak evidence
		// deviated: this one cannot be checked either, and says so.
		st.deviations = append(st.deviations, Deviation{Level: m.level, Pointer: ptr,
			Reason: "not checked: {{" + undefined.Name + "}} has no value (an earlier check deviated)"})
	default:
		return err
	}
	return nil
}

func (m *levelMatcher) flow(w *flowWriter) { w.op(m.name, m.inner) }

func (m *levelMatcher) parts() []matcher { return []matcher{m.inner} }
