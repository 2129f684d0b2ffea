package match

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"a: 1\nb:\n  $regx: x\n", "line 3: unknown operator $regx (did you mean $regex?)"},
		{"{$foo: 1}", "line 1: unknown operator $foo (write $$foo for a literal key)"},
		{"a:\n  b: {$regex: \"([a-z\"}\n", "line 2: bad $regex \"([a-z\": error parsing regexp: missing closing ]: `[a-z`"},
		{"{$regex: x, other: 1}", "line 1: operator $regex must be the only key of its map (write $$regex for a literal key)"},
		{"{a: 1, a: 2}", `line 1: duplicate key "a"`},
		{"{$type: strng}", `line 1: unknown $type "strng" (did you mean string?)`},
		{"{$type: [string]}", "line 1: $type needs one of string, number, integer, boolean, object, array, null"},
		{"{$absent: true}", "line 1: $absent only makes sense as the value of an object key, as in {chat: {$absent: true}}"},
		{"[{$absent: true}]", "line 1: $absent only makes sense as the value of an object key, as in {chat: {$absent: true}}"},
		{"{a: {$absent: 1}}", "line 1: $absent takes true (write {$absent: true})"},
		{"{$any: false}", "line 1: $any takes true (write {$any: true})"},
		{"{$range: [1]}", "line 1: $range needs [min, max] (null for no bound)"},
		{"{$range: [a, 2]}", `line 1: $range bounds must be numbers or null, got "a"`},
		{"{$range: [5, 2]}", "line 1: $range min 5 is greater than max 2"},
		{"{$timestamp: yes please}", "line 1: $timestamp takes true (write {$timestamp: true})"},
		{"{$save: \"a b\"}", `line 1: $save needs a variable name (letters, digits, _ and -, starting with a letter), got "a b"`},
		{"{$save: a.b}", `line 1: $save needs a variable name (letters, digits, _ and -, starting with a letter), got "a.b"`},
		{"x: \"{{_x}}\"", `line 1: malformed variable reference in "{{_x}}" (want {{name}})`},
		{"{$oneOf: []}", "line 1: $oneOf needs a non-empty list of alternatives"},
		{"{$len: many}", `line 1: $len needs a non-negative integer or a matcher, got "many"`},
		{"x: \"{{bob uri}}\"", `line 1: malformed variable reference in "{{bob uri}}" (want {{name}})`},
		{"x: !custom 1", "line 1: unsupported YAML tag !custom"},
		{"? [a]\n: 1\n", "line 1: object keys must be scalars"},
		{"\n\nlist:\n  - {$not: {$regx: 1}}\n", "line 4: unknown operator $regx (did you mean $regex?)"},
	}
	for _, tc := range cases {
		_, err := Compile(parseYAML(t, tc.yaml))
		if err == nil {
			t.Errorf("Compile(%q) succeeded, want %q", tc.yaml, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Compile(%q):\n got %q\nwant %q", tc.yaml, err.Error(), tc.want)
		}
		var ce *CompileError
		if !errors.As(err, &ce) || ce.Line == 0 {
			t.Errorf("Compile(%q): error %T has no line", tc.yaml, err)
		}
	}
}

func TestCompileNilAndEmpty(t *testing.T) {
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) succeeded")
	}
	if _, err := Compile(&yaml.Node{Kind: yaml.DocumentNode, Line: 1}); err == nil {
		t.Error("Compile(empty document) succeeded")
	}
}

func TestDeepNestingIsRefused(t *testing.T) {
	src := strings.Repeat("[", maxDepth+5) + strings.Repeat("]", maxDepth+5)
	_, err := Compile(parseYAML(t, src))
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("err = %v", err)
	}
}

func TestAliasBombCompilesCheaply(t *testing.T) {
	src := `
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
`
	m := mustCompile(t, src)
	if s := m.String(); len(s) > maxRendered+10 {
		t.Fatalf("String() is %d bytes, want it bounded", len(s))
	}
	if err := m.Match(map[string]any{"a": []any{"x"}}, nil); err == nil || err.Error() != "/a: expected 10 elements, got 1" {
		t.Fatalf("err = %v", err)
	}
}

func TestString(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{`{type: ParticipantJoined, visibility: Agents}`, `{type: ParticipantJoined, visibility: Agents}`},
		{`{referenceId: "{{ref}}", n: 1.5, ok: true, z: null, s: "true", e: ""}`, `{referenceId: "{{ref}}", n: 1.5, ok: true, z: null, s: "true", e: ""}`},
		{`[Accept, "with: colon"]`, `[Accept, "with: colon"]`},
		{`{$$ref: 1}`, `{$$ref: 1}`},
		{`{a: {$regex: "^\\d+$"}, b: {$type: integer}, c: {$any: true}, d: {$absent: true}}`,
			`{a: {$regex: "^\\d+$"}, b: {$type: integer}, c: {$any: true}, d: {$absent: true}}`},
		{`{$contains: [{$exact: {a: 1}}, {$range: [null, 3]}]}`, `{$contains: [{$exact: {a: 1}}, {$range: [null, 3]}]}`},
		{`{$oneOf: [{$not: x}, {$len: 2}, {$timestamp: true}, {$save: id}]}`, `{$oneOf: [{$not: x}, {$len: 2}, {$timestamp: true}, {$save: id}]}`},
		{`{state: Chatting, uri: "http://h/api/v2/users/1"}`, `{state: Chatting, uri: "http://h/api/v2/users/1"}`},
	}
	for _, tc := range cases {
		m := mustCompile(t, tc.yaml)
		if got := m.String(); got != tc.want {
			t.Errorf("String(%s):\n got %s\nwant %s", tc.yaml, got, tc.want)
		}
		// The rendering is itself a valid matcher source with the same rendering.
		again := mustCompile(t, m.String())
		if again.String() != m.String() {
			t.Errorf("String(%s) does not round-trip: %s", tc.yaml, again.String())
		}
	}
}

// TestFloat64Decoding covers actual values decoded without UseNumber.
func TestFloat64Decoding(t *testing.T) {
	var actual any
	if err := json.Unmarshal([]byte(`{"statusCode":0,"referenceId":12,"ratio":0.25,"ts":1388701398000}`), &actual); err != nil {
		t.Fatal(err)
	}
	m := mustCompile(t, `{statusCode: 0, referenceId: {$type: integer}, ratio: {$range: [0, 0.5]}, ts: {$timestamp: true}}`)
	if err := m.Match(actual, nil); err != nil {
		t.Fatal(err)
	}
}
