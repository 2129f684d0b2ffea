package schemas

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gwsconform/gwsconform/internal/jsonptr"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// ValidationError says why an instance does not match a schema: one Problem per
// failing constraint, at the place in the instance where it fails.
type ValidationError struct {
	Schema   string
	Problems []Problem
}

// Problem is one failing constraint.
type Problem struct {
	Pointer string // JSON pointer into the instance ("" is the whole document)
	Keyword string // the JSON Schema keyword that failed: required, enum, type, ...
	Message string // what is wrong, for a person
}

func (p Problem) String() string {
	pointer := p.Pointer
	if pointer == "" {
		pointer = "(root)"
	}
	return pointer + ": " + p.Keyword + ": " + p.Message
}

// Error lists the problems, one "pointer: keyword: message" per line after the first.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "does not match schema " + e.Schema + ": " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "does not match schema %s (%d problems):", e.Schema, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// problems flattens the library's tree of errors to its leaves, the causes a person
// can act on. An anyOf/oneOf becomes one problem listing its alternatives, since no
// single branch is "the" cause.
func problems(root *jsonschema.ValidationError, doc any) []Problem {
	var out []Problem
	seen := map[Problem]bool{}
	add := func(p Problem) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		keyword := keywordOf(e.KeywordLocation)
		switch {
		case keyword == "anyOf" || keyword == "oneOf":
			add(alternatives(e, keyword, doc))
		case len(e.Causes) == 0:
			for _, p := range leafProblems(e, keyword, doc) {
				add(p)
			}
		default:
			for _, c := range e.Causes {
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

// alternatives describes a failed anyOf/oneOf as one problem naming what each branch missed.
func alternatives(e *jsonschema.ValidationError, keyword string, doc any) Problem {
	if len(e.Causes) == 0 { // oneOf matched by more than one branch
		return Problem{Pointer: e.InstanceLocation, Keyword: keyword, Message: e.Message}
	}
	var branches []string
	for _, branch := range e.Causes {
		var reasons []string
		for _, p := range problems(branch, doc) {
			reason := p.Message
			if p.Pointer != e.InstanceLocation {
				reason = p.Pointer + ": " + reason
			}
			reasons = append(reasons, reason)
		}
		branches = append(branches, strings.Join(reasons, ", "))
	}
	return Problem{
		Pointer: e.InstanceLocation,
		Keyword: keyword,
		Message: "matches none of the alternatives: " + strings.Join(branches, " | "),
	}
}

// leafProblems turns one leaf error into problems. A missing property is reported
// at the pointer where it should be, one problem per property, so the pointer alone
// says what to add.
func leafProblems(e *jsonschema.ValidationError, keyword string, doc any) []Problem {
	if keyword == "required" {
		if names, ok := strings.CutPrefix(e.Message, "missing properties: "); ok {
			var out []Problem
			for _, name := range strings.Split(names, ", ") {
				name = strings.Trim(name, "'")
				out = append(out, Problem{
					Pointer: e.InstanceLocation + "/" + jsonptr.Escape(name),
					Keyword: keyword,
					Message: fmt.Sprintf("missing required property %q", name),
				})
			}
			return out
		}
	}
	msg := e.Message
	if plain, ok := patternMeanings[strings.TrimPrefix(e.AbsoluteKeywordLocation, baseURL)]; ok {
		msg = plain
	}
	// The library does not always say what it found; the value makes the message actionable.
	if v, ok := jsonptr.Get(doc, e.InstanceLocation); ok {
		switch keyword {
		case "enum", "const", "pattern", "format", "minLength":
			msg += "; got " + brief(v)
		case "type":
			msg += " " + brief(v)
		}
	}
	return []Problem{{Pointer: e.InstanceLocation, Keyword: keyword, Message: msg}}
}

// patternMeanings says in words what the shared patterns accept, instead of showing
// the regular expression. Keyed by schema file and keyword location.
var patternMeanings = map[string]string{
	"message.json#/$defs/timestamp/pattern": "not an RFC 3339-like timestamp with a zone " +
		"(2014-01-02T14:23:18.000-0800, 2014-01-09 11:58:12.035+0200 or 2014-01-09T11:58:12Z)",
	"common.json#/$defs/absoluteUri/pattern":                      "not an absolute http(s) URI without spaces",
	"bayeux/common.json#/$defs/channel/pattern":                   "not a channel name (it starts with / and has no spaces)",
	"bayeux/common.json#/$defs/fields/properties/version/pattern": "not a Bayeux version number",
}

// keywordOf extracts the failing keyword from a keyword location such as
// "/allOf/2/then/$ref/properties/chat/properties/state/enum", skipping the segments
// that are property names or indexes.
func keywordOf(location string) string {
	segments := strings.Split(strings.TrimPrefix(location, "/"), "/")
	keyword := ""
	for i := 0; i < len(segments); i++ {
		s := segments[i]
		keyword = s
		switch s {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			i++ // the next segment is a name, not a keyword
		case "allOf", "anyOf", "oneOf", "prefixItems":
			i++ // the next segment is an index
		case "dependentRequired", "dependencies":
			return s // followed by a name and an index, and nothing else
		}
	}
	return keyword
}

// brief renders a value as compact JSON, cut short when long.
func brief(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 80
	if len(data) > max {
		return string(data[:max]) + "..."
	}
	return string(data)
}
