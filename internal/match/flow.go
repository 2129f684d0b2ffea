package match

import (
	"regexp"
	"strconv"
	"strings"
)

// maxRendered bounds String(): timelines need a readable line, and a matcher
// built from aliases can be exponentially larger than its YAML.
const maxRendered = 400

// flowWriter builds the YAML-ish flow rendering of a matcher.
type flowWriter struct {
	b    strings.Builder
	full bool
}

func (w *flowWriter) write(s string) {
	if w.full {
		return
	}
	if w.b.Len()+len(s) > maxRendered {
		w.b.WriteString(truncate(s, maxRendered-w.b.Len()))
		if !strings.HasSuffix(w.b.String(), "…") {
			w.b.WriteString("…")
		}
		w.full = true
		return
	}
	w.b.WriteString(s)
}

func render(m matcher) string {
	w := &flowWriter{}
	m.flow(w)
	return w.b.String()
}

// op writes {name: operand} for an operator whose operand is a matcher.
func (w *flowWriter) op(name string, operand matcher) {
	w.write("{" + name + ": ")
	operand.flow(w)
	w.write("}")
}

// list writes [a, b, c].
func (w *flowWriter) list(items []matcher) {
	w.write("[")
	for i, it := range items {
		if w.full {
			return // stop walking: a huge (aliased) matcher must render in bounded time
		}
		if i > 0 {
			w.write(", ")
		}
		it.flow(w)
	}
	w.write("]")
}

// plainSafe matches strings that read back as the same string unquoted in a
// flow collection.
var plainSafe = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./@+\-]*( [A-Za-z0-9_./@+\-]+)*$`)

// plainReserved are plain words yaml.v3 would read as something else.
var plainReserved = map[string]bool{
	"true": true, "false": true, "null": true,
	"True": true, "False": true, "Null": true, "TRUE": true, "FALSE": true, "NULL": true,
}

// scalarText renders a scalar value: plain words unquoted, other strings
// quoted, numbers and booleans as YAML reads them.
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return stringText(x)
	case bool:
		return strconv.FormatBool(x)
	}
	if n, ok := toNumber(v); ok {
		return formatNumber(n)
	}
	return show(v)
}

func stringText(s string) string {
	if plainSafe.MatchString(s) && !plainReserved[s] {
		return s
	}
	return strconv.Quote(s)
}

// keyText renders an object key; a literal key starting with "$" is written
// with the "$$" escape so the rendering compiles back to the same matcher.
func keyText(k string) string {
	if rest, ok := strings.CutPrefix(k, "$"); ok {
		if plainSafe.MatchString(rest) {
			return "$$" + rest
		}
		return strconv.Quote("$$" + rest)
	}
	return stringText(k)
}
