// Package evidence says what the suite's checks rest on: the documented
// statements of the seed pages and the API notes (statements.yaml), and the
// evidence level each statement gives the expectations that cite it.
//
// Only a documented expectation can fail a target. An inferred one (the notes'
// "(inferred)") or a reference one (the reference server's choice where the
// documentation is silent) that does not hold is a deviation: reported, never a
// failure, unless the run is strict.
package evidence

import (
	"fmt"
	"strings"
)

// Level is the evidence behind an expectation. The zero value is Unknown: a
// level that could not be determined, which the linter refuses.
type Level int

// Levels, strongest first after Unknown.
const (
	Unknown Level = iota
	// Documented: a seed page, or a statement of API-NOTES not marked
	// "(inferred)". Failing it is a failure of the target.
	Documented
	// Inferred: API-NOTES marks the statement "(inferred)". Failing it is a
	// deviation.
	Inferred
	// Reference: the reference server's choice where the documentation is
	// silent (the wire decisions). Failing it is a deviation.
	Reference
)

var levelNames = [...]string{Unknown: "unknown", Documented: "documented", Inferred: "inferred", Reference: "reference"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel reads "documented", "inferred" or "reference".
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if l != int(Unknown) && name == s {
			return Level(l), nil
		}
	}
	return Unknown, fmt.Errorf("unknown evidence level %q (want documented, inferred or reference)", s)
}

// Binding reports whether failing an expectation of this level fails the target.
// An Unknown level is treated as binding: a check of undetermined evidence must
// not pass silently (the linter refuses it before a run anyway).
func (l Level) Binding(strict bool) bool {
	return l == Documented || l == Unknown || strict
}

// Weaker returns the weaker of two known levels (Reference is the weakest); an
// Unknown side yields the other.
func Weaker(a, b Level) Level {
	if a == Unknown {
		return b
	}
	return max(a, b)
}

// Of returns the one level a set of statement ids gives, or an error naming
// the ids it could not resolve or the levels they mix. An empty list is
// Unknown without error: the caller falls back to an outer citation.
func (st *Statements) Of(refs []string) (Level, error) {
	level := Unknown
	var unknown []string
	byLevel := map[Level][]string{}
	for _, ref := range refs {
		s, ok := st.Lookup(ref)
		if !ok {
			unknown = append(unknown, ref)
			continue
		}
		byLevel[s.Level] = append(byLevel[s.Level], ref)
		level = s.Level
	}
	if len(unknown) > 0 {
		return Unknown, fmt.Errorf("ref %s names no statement of %s (gwsconform coverage lists them)", quoteList(unknown), StatementsFile)
	}
	if len(byLevel) > 1 {
		var parts []string
		for _, l := range []Level{Documented, Inferred, Reference} {
			if ids := byLevel[l]; len(ids) > 0 {
				parts = append(parts, fmt.Sprintf("%s (%s)", l, strings.Join(ids, ", ")))
			}
		}
		return Unknown, fmt.Errorf("refs mix evidence levels: %s; cite the weaker ones on the steps or expectations they back", strings.Join(parts, " and "))
	}
	return level, nil
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}
