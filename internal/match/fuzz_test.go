package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzCompile compiles arbitrary YAML and matches it against arbitrary JSON:
// nothing may panic, and the rendering must stay bounded.
func FuzzCompile(f *testing.F) {
	seeds := []struct{ yaml, json string }{
		{`{chat: {state: Chatting}}`, `{"chat":{"state":"Chatting"}}`},
		{`{messages: {$contains: [{type: Text}, {$save: x}]}}`, `{"messages":[{"type":"Text"},1]}`},
		{`{$oneOf: [{$absent: true}, {$regex: "^a"}]}`, `"abc"`},
		{`{a: {$not: {$absent: true}}, b: "{{x}}-{{y}}"}`, `{"a":1,"b":"1-2"}`},
		{`{$exact: {a: [1, {$range: [null, 2]}], t: {$timestamp: true}}}`, `{"a":[1,2],"t":"2014-01-02 10:00:00.1+0200"}`},
		{`{$len: {$type: integer}}`, `[1,2,3]`},
		{"a: &a {$oneOf: [1, 2]}\nb: [*a, *a]\n<<: {c: 1}", `{"a":2,"b":[1,2],"c":1}`},
		{`[1, 2.5, true, null, "x"]`, `[1,2.5,true,null,"x"]`},
	}
	for _, s := range seeds {
		f.Add(s.yaml, s.json)
	}
	f.Fuzz(func(t *testing.T, src, actualJSON string) {
		var node yaml.Node
		if yaml.Unmarshal([]byte(src), &node) != nil {
			return
		}
		m, err := Compile(&node)
		if err != nil {
			var ce *CompileError
			if errors.As(err, &ce) && ce.Line <= 0 {
				t.Fatalf("compile error without a line: %v", err)
			}
			return
		}
		if s := m.String(); len(s) > maxRendered+len("…") {
			t.Fatalf("String() is %d bytes", len(s))
		}
		for _, o := range m.Shape().Objects() {
			for _, f := range o.Fields() {
				_ = f.Value.Strings()
			}
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(actualJSON)))
		if strings.HasPrefix(actualJSON, "n") {
			dec.UseNumber() // cover both number representations
		}
		var actual any
		if dec.Decode(&actual) != nil {
			return
		}
		vars := MapVars{"x": 1.0, "y": "two", "alice.uri": "http://h/u/1"}
		if err := m.Match(actual, vars); err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
		_, _ = Expand(actual, vars)
	})
}

func TestExponentialAlternativesStop(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 {$oneOf: [1, 1]}\n")
	for i := 1; i <= 30; i++ {
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll("lN: &lN {$oneOf: [*lP, *lP]}\n", "N", strconv.Itoa(i)), "P", strconv.Itoa(i-1)))
	}
	b.WriteString("root: *l30\n")
	m := mustCompile(t, b.String())
	// Every level matches 1 at its first alternative; 2 would need 2^31 tries.
	actual := map[string]any{"root": 2.0}
	for i := 0; i <= 30; i++ {
		actual["l"+strconv.Itoa(i)] = 1.0
	}
	err := m.Match(actual, nil)
	var tooComplex *TooComplexError
	if !errors.As(err, &tooComplex) || tooComplex.Pointer != "/root" {
		t.Fatalf("err = %v, want TooComplexError at /root", err)
	}
}
