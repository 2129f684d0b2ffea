package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gwsconform/gwsconform/internal/match"
)

// Deadline is the `within` of an op or http step.
//
// A step's `within`, whatever its kind, is how long after the step starts what
// it waits for may arrive: on an op or http step the whole answer (a later one
// fails the step) and, on an op, its `then` items; on an await or unordered
// step its items. An item's own `within` replaces the step's for that item.
// Without either, the runner waits the target's request or notification
// timeout.
//
// On a request step it is written as terms joined by "+", each a Go duration
// ("1s") or a "{{var}}" template ("{{timeout}}ms", "{{timeout}}") expanded at
// run time, so a limit can follow what the target advertised:
// "{{timeout}}ms + 500ms". On an await it is a plain duration
// (AwaitStep.Within).
type Deadline struct {
	Text  string        // as written, for messages
	Line  int           // of the within value in the step's file; 0 when built by hand
	Fixed time.Duration // the sum of the literal terms
	// Vars are the template terms in order, e.g. "{{timeout}}ms". Each expands
	// to a duration string or to a number of milliseconds.
	Vars []string
}

// templateTerm reports whether a term of a `within` is a single reference,
// optionally followed by a duration unit ("{{timeout}}ms"). The reference's
// name is the linter's to check, with the scenario's other references.
func templateTerm(term string) bool {
	_, unit, ok := match.CutRef(term)
	return ok && (unit == "" || contains([]string{"ns", "us", "µs", "ms", "s", "m", "h"}, unit))
}

// ParseDeadline reads a `within` expression of a request step. Literal terms
// are checked here; template terms only for their form (their values are
// known at run time).
func ParseDeadline(text string) (*Deadline, error) {
	d := &Deadline{Text: text}
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("empty duration (write e.g. 5s or \"{{timeout}}ms + 1s\")")
	}
	for _, raw := range strings.Split(text, "+") {
		term := strings.TrimSpace(raw)
		switch {
		case term == "":
			return nil, fmt.Errorf("%q has an empty term (terms are joined by +)", text)
		case strings.Contains(term, "{{") || strings.Contains(term, "}}"):
			if !templateTerm(term) {
				return nil, fmt.Errorf("term %q of %q: write a variable as {{name}} or {{name}}UNIT, such as {{timeout}}ms", term, text)
			}
			d.Vars = append(d.Vars, term)
		default:
			v, err := time.ParseDuration(term)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("term %q of %q is not a duration (write e.g. 5s or 500ms)", term, text)
			}
			d.Fixed += v
		}
	}
	if len(d.Vars) == 0 && d.Fixed <= 0 {
		return nil, fmt.Errorf("%q must be positive", text)
	}
	return d, nil
}

// Refs lists the variable references of the expression, for the linter.
func (d *Deadline) Refs() []string {
	var out []string
	for _, term := range d.Vars {
		out = append(out, match.TextRefs(term)...)
	}
	return out
}

// String is the expression as written.
func (d *Deadline) String() string { return d.Text }

// Resolve computes the deadline. expand turns one template term into its
// value (the runner expands it with the scenario's variables); a term's value
// is a duration string ("1000ms") or a number of milliseconds (1000 or
// "1000"). The error names the term and what it expanded to.
func (d *Deadline) Resolve(expand func(term string) (any, error)) (time.Duration, error) {
	total := d.Fixed
	for _, term := range d.Vars {
		v, err := expand(term)
		if err != nil {
			return 0, err
		}
		part, ok := durationValue(v)
		if !ok {
			return 0, fmt.Errorf("within %q: %s is %#v, neither a duration nor a number of milliseconds", d.Text, term, v)
		}
		total += part
	}
	if total <= 0 {
		return 0, fmt.Errorf("within %q is %s; it must be positive", d.Text, total)
	}
	return total, nil
}

// durationValue reads a non-negative duration from an expanded term: a
// number (milliseconds), a numeric string (milliseconds) or a Go duration.
func durationValue(v any) (time.Duration, bool) {
	var ms float64
	switch v := v.(type) {
	case int:
		ms = float64(v)
	case int64:
		ms = float64(v)
	case float64:
		ms = v
	case string:
		s := strings.TrimSpace(v)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			ms = f
			break
		}
		dur, err := time.ParseDuration(s)
		return dur, err == nil && dur >= 0
	default:
		return 0, false
	}
	if ms < 0 || math.IsNaN(ms) || ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}
