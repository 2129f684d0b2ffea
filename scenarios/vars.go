package scenarios

import (
	"strings"

	"github.com/gwsconform/gwsconform/internal/match"
)

// ActorProperties are the built-in variables of an actor, {{alice.uri}} and
// friends: what the linter accepts after an actor's name, and what the runner
// serves (internal/runner checks its lookup against this list).
func ActorProperties() []string {
	return []string{"uri", "id", "username", "nickname", "chat", "secureKey"}
}

// valueRefs lists the references in a decoded YAML value (strings only;
// keys are never interpolated).
func valueRefs(v any) []string {
	switch v := v.(type) {
	case string:
		return match.TextRefs(v)
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, valueRefs(x)...)
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

// rootName is the part of a reference before its first dot.
func rootName(ref string) string {
	root, _, _ := strings.Cut(ref, ".")
	return root
}

// stepRefs lists the references of a step's request side (chat, body,
// query, path, headers). Matcher references are read from their nodes by
// the linter, in order with saves.
func stepRefs(st *Step) []string {
	var out []string
	if op := st.Op; op != nil {
		out = append(out, match.TextRefs(op.Chat)...)
		out = append(out, valueRefs(op.Body)...)
		for _, v := range op.Query {
			out = append(out, match.TextRefs(v)...)
		}
	}
	if h := st.HTTP; h != nil {
		out = append(out, match.TextRefs(h.Path)...)
		out = append(out, valueRefs(h.Body)...)
		for _, v := range h.Query {
			out = append(out, match.TextRefs(v)...)
		}
		for _, v := range h.Headers {
			out = append(out, match.TextRefs(v)...)
		}
	}
	return out
}
