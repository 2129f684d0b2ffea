package match

import (
	"regexp"
	"strings"
)

// The grammar of variables lives here alone: the matchers expand references,
// and the scenario loader, linter and runner read and check them with these
// functions, so a name one accepts is a name the others accept.

// NameRule says in words what ValidName accepts, for messages.
const NameRule = "letters, digits, _ and -, starting with a letter"

const namePattern = `[A-Za-z][A-Za-z0-9_\-]*`

var (
	validName = regexp.MustCompile(`^` + namePattern + `$`)
	// A reference is a name, or a name and a field: "alice.uri", "queue1.uri".
	validRef = regexp.MustCompile(`^` + namePattern + `(\.` + namePattern + `)*$`)
	// writtenRef is one "{{...}}" as written, well formed or not, so that a
	// malformed one can be named rather than read as text.
	writtenRef = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
)

// ValidName reports whether a variable can be given the name s: by $save or
// $echo, and in scenarios by save, vars, actors and fragment parameters.
func ValidName(s string) bool { return validName.MatchString(s) }

// ValidRef reports whether "{{s}}" is a well-formed reference.
func ValidRef(s string) bool { return validRef.MatchString(s) }

// TextRefs lists the references written in s, without braces and spaces, in
// order: "{{ chat }}/{{bob uri}}" gives "chat" and "bob uri". Malformed ones
// are listed too, for a checker to report (ValidRef tells them apart).
func TextRefs(s string) []string {
	if !strings.Contains(s, "{{") {
		return nil
	}
	var out []string
	for _, m := range writtenRef.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// RenameRefs returns s with the references rename changes rewritten as
// "{{new}}"; the others stay as written.
func RenameRefs(s string, rename func(ref string) string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return writtenRef.ReplaceAllStringFunc(s, func(written string) string {
		ref := writtenRef.FindStringSubmatch(written)[1]
		if renamed := rename(ref); renamed != ref {
			return "{{" + renamed + "}}"
		}
		return written
	})
}

// CutRef reads the reference s starts with: "{{timeout}}ms" gives "timeout"
// and "ms".
func CutRef(s string) (ref, rest string, ok bool) {
	loc := writtenRef.FindStringSubmatchIndex(s)
	if loc == nil || loc[0] != 0 {
		return "", s, false
	}
	return s[loc[2]:loc[3]], s[loc[1]:], true
}
