package match

import (
	"fmt"
	"strconv"
	"strings"
)

// UndefinedError reports a "{{name}}" whose variable is not defined when it is
// expanded; it is a scenario problem, not a target failure.
type UndefinedError struct {
	Name    string
	Pointer string // where the reference was being expanded or matched
}

func (e *UndefinedError) Error() string {
	if e.Pointer == "" {
		return fmt.Sprintf("undefined variable {{%s}}", e.Name)
	}
	return fmt.Sprintf("%s: undefined variable {{%s}}", e.Pointer, e.Name)
}

// isFatal reports errors that are not a mismatch (an undefined variable, a
// match too complex to finish): operators that invert or choose must pass
// them on rather than read them as "did not match".
func isFatal(err error) bool {
	_, mismatched := err.(*Mismatch)
	return err != nil && !mismatched
}

// template is a string with variable references.
type template struct {
	raw   string
	parts []part
}

// part is either literal text or a reference (ref != "").
type part struct {
	lit, ref string
}

// parseTemplate splits s into literal text and references. A "{{" that does
// not start a well-formed reference is an error, so a typo such as
// "{{bob uri}}" is caught instead of compared literally.
func parseTemplate(s string) (template, error) {
	t := template{raw: s}
	if !strings.Contains(s, "{{") {
		t.parts = []part{{lit: s}}
		return t, nil
	}
	last := 0
	for _, loc := range writtenRef.FindAllStringSubmatchIndex(s, -1) {
		if !ValidRef(s[loc[2]:loc[3]]) {
			continue // left in the text, where it is reported below
		}
		if loc[0] > last {
			t.parts = append(t.parts, part{lit: s[last:loc[0]]})
		}
		t.parts = append(t.parts, part{ref: s[loc[2]:loc[3]]})
		last = loc[1]
	}
	if last < len(s) {
		t.parts = append(t.parts, part{lit: s[last:]})
	}
	for _, p := range t.parts {
		if p.ref == "" && strings.Contains(p.lit, "{{") {
			return t, fmt.Errorf("malformed variable reference in %q (want {{name}})", s)
		}
	}
	return t, nil
}

func (t template) hasRefs() bool {
	for _, p := range t.parts {
		if p.ref != "" {
			return true
		}
	}
	return false
}

// whole reports whether the template is exactly one reference: its value
// keeps its type.
func (t template) whole() (string, bool) {
	if len(t.parts) == 1 && t.parts[0].ref != "" {
		return t.parts[0].ref, true
	}
	return "", false
}

// expand resolves the template with lookup; ptr names the place for errors.
func (t template) expand(lookup func(string) (any, bool), ptr string) (any, error) {
	if name, ok := t.whole(); ok {
		v, ok := lookup(name)
		if !ok {
			return nil, &UndefinedError{Name: name, Pointer: ptr}
		}
		return v, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.ref == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := lookup(p.ref)
		if !ok {
			return nil, &UndefinedError{Name: p.ref, Pointer: ptr}
		}
		b.WriteString(stringify(v))
	}
	return b.String(), nil
}

// stringify is how a value reads inside a longer string: strings as they
// are, numbers without exponent noise for integers, the rest as JSON.
func stringify(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if n, ok := toNumber(v); ok {
		return formatNumber(n)
	}
	if v == nil {
		return "null"
	}
	if b, ok := v.(bool); ok {
		return strconv.FormatBool(b)
	}
	if b, err := marshal(v); err == nil {
		return b
	}
	return fmt.Sprint(v)
}

func expandValue(v any, vars Vars, ptr string) (any, error) {
	lookup := func(name string) (any, bool) {
		if vars == nil {
			return nil, false
		}
		return vars.Lookup(name)
	}
	switch x := v.(type) {
	case string:
		t, err := parseTemplate(x)
		if err != nil {
			if ptr != "" {
				return nil, fmt.Errorf("%s: %w", ptr, err)
			}
			return nil, err
		}
		if !t.hasRefs() {
			return x, nil
		}
		return t.expand(lookup, ptr)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := expandValue(e, vars, child(ptr, k))
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			ev, err := expandValue(e, vars, child(ptr, fmt.Sprint(k)))
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := expandValue(e, vars, index(ptr, i))
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	}
	return v, nil
}
