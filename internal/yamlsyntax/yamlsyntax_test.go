package yamlsyntax

import (
	"errors"
	"testing"
)

func TestLocatePlacesTheErrorOnTheLineToFix(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		problem    string
	}{
		{"key indented less than its siblings", "name: x\nactors:\n  alice: agent\n steps:\n  - alice: {op: Ready}\n", 4, "did not find expected key"},
		{"list item indented wrongly", "baseURL: http://x\naccounts:\n  - username: a\n   password: b\n", 4, "did not find expected '-' indicator"},
		{"tab in indentation", "a: 1\nb:\n\t- c\n", 3, "found character that cannot start any token"},
		{"second document", "a: 1\n---\nb: 2\n c: 3\n", 4, "mapping values are not allowed in this context"},
		{"unclosed flow list: where it opens", "a: [1,\n  2,\n", 1, "did not find expected node content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decodeAll([]byte(c.text))
			if err == nil {
				t.Fatalf("the text decoded without error")
			}
			line, problem := Locate([]byte(c.text), err)
			if line != c.line || problem != c.problem {
				t.Errorf("Locate = line %d %q, want line %d %q (yaml.v3 said %q)", line, problem, c.line, c.problem, err)
			}
		})
	}
}

func TestLocateKeepsTheReportedLineWhenNoPrefixFails(t *testing.T) {
	err := errors.New("yaml: line 7: something only the whole text shows")
	line, problem := Locate([]byte("a: 1\n"), err)
	if line != 7 || problem != "something only the whole text shows" {
		t.Errorf("Locate = line %d %q, want yaml.v3's line 7 and its message", line, problem)
	}
}
