// Package jsonptr resolves RFC 6901 JSON pointers in decoded JSON documents
// (map[string]any, []any and scalars), the one shape every package here decodes into.
package jsonptr

import (
	"strconv"
	"strings"
)

// Get returns the value at pointer in doc. "" is the whole document; a pointer
// without its leading "/" is accepted, since scenario authors often leave it out.
func Get(doc any, pointer string) (any, bool) {
	cur := doc
	for _, token := range Split(pointer) {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[token]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// Split returns the unescaped reference tokens of pointer; "" has none.
func Split(pointer string) []string {
	if pointer == "" {
		return nil
	}
	tokens := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, t := range tokens {
		tokens[i] = Unescape(t)
	}
	return tokens
}

// Escape makes a reference token of an object key ("a/b" -> "a~1b").
func Escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// Unescape undoes Escape; "~1" is replaced first, as RFC 6901 requires.
func Unescape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
}
