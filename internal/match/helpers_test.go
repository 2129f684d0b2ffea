package match

import (
	"bytes"
	"encoding/json"
	"testing"

	"gopkg.in/yaml.v3"
)

// matchCase is one row of a matcher table: the expectation in YAML, the
// actual value in JSON, and the failure text wanted ("" means it matches).
type matchCase struct {
	name    string
	yaml    string
	actual  string
	vars    MapVars
	wantErr string
}

func parseYAML(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("bad test YAML %q: %v", src, err)
	}
	return &n
}

func mustCompile(t testing.TB, src string) Matcher {
	t.Helper()
	m, err := Compile(parseYAML(t, src))
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return m
}

// decodeJSON decodes like the runner does, with json.Number for numbers, so
// the tables also cover the float64 path in values_test.go.
func decodeJSON(t testing.TB, src string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(src)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %q: %v", src, err)
	}
	return v
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mustCompile(t, tc.yaml)
			vars := tc.vars
			if vars == nil {
				vars = MapVars{}
			}
			err := m.Match(decodeJSON(t, tc.actual), vars)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("%s against %s: unexpected failure: %v", tc.yaml, tc.actual, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("%s against %s: matched, want failure %q", tc.yaml, tc.actual, tc.wantErr)
			case tc.wantErr != "" && err.Error() != tc.wantErr:
				t.Fatalf("%s against %s:\n got failure %q\nwant failure %q", tc.yaml, tc.actual, err.Error(), tc.wantErr)
			}
		})
	}
}
