// Package coverage joins the scenario catalogue with the operation registry and
// the list of documented statements (statements.yaml), and renders the coverage
// table of docs/coverage.md: which scenarios exercise each operation, and which
// prove each statement of the seed pages and notes.
package coverage

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// StatementsFile is where the statement list lives, as shown in messages.
const StatementsFile = "scenarios/coverage/statements.yaml"

//go:embed statements.yaml
var statementsYAML []byte

// Source is a documentation page statements are taken from.
type Source struct {
	ID    string `yaml:"id"`    // e.g. seed-001; the prefix of its statement ids
	File  string `yaml:"file"`  // the page, e.g. seeds/001_0316506c927f6789.txt
	Title string `yaml:"title"` // what the page is about
}

// Statement is one documented fact a scenario can prove.
type Statement struct {
	ID     string `yaml:"id"`   // SOURCE/slug, e.g. seed-001/consultant-invisible
	Text   string `yaml:"text"` // a quote or a close paraphrase of the page
	Source string `yaml:"-"`    // the source id: ID up to the slash
	Line   int    `yaml:"-"`    // line in statements.yaml
}

// Statements is the parsed statement list.
type Statements struct {
	Sources    []Source
	Statements []Statement
}

// idPattern is the shape of a statement id; a scenario ref of this shape whose
// prefix is a known source must name a listed statement.
var idPattern = regexp.MustCompile(`^([a-z0-9-]+)/([a-z0-9-]+)$`)

// LoadStatements parses the embedded statements.yaml.
func LoadStatements() (*Statements, error) {
	return ParseStatements(statementsYAML, StatementsFile)
}

// ParseStatements parses a statement list; every problem is reported as
// "FILE:LINE: message".
func ParseStatements(data []byte, file string) (*Statements, error) {
	var doc struct {
		Sources    []Source    `yaml:"sources"`
		Statements []yaml.Node `yaml:"statements"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var problems []string
	sources := map[string]bool{}
	for _, s := range doc.Sources {
		if s.ID == "" || s.File == "" {
			problems = append(problems, fmt.Sprintf("%s: source %q needs an id and a file", file, s.ID))
		}
		sources[s.ID] = true
	}
	st := &Statements{Sources: doc.Sources}
	seen := map[string]int{}
	for _, n := range doc.Statements {
		var s Statement
		if err := n.Decode(&s); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %v", file, n.Line, err))
			continue
		}
		s.Line = n.Line
		m := idPattern.FindStringSubmatch(s.ID)
		switch {
		case m == nil:
			problems = append(problems, fmt.Sprintf("%s:%d: statement id %q: want SOURCE/slug (lower case, digits, dashes)", file, n.Line, s.ID))
			continue
		case !sources[m[1]]:
			problems = append(problems, fmt.Sprintf("%s:%d: statement %s: unknown source %q", file, n.Line, s.ID, m[1]))
		case strings.TrimSpace(s.Text) == "":
			problems = append(problems, fmt.Sprintf("%s:%d: statement %s has no text", file, n.Line, s.ID))
		}
		if first, dup := seen[s.ID]; dup {
			problems = append(problems, fmt.Sprintf("%s:%d: statement %s already listed at line %d", file, n.Line, s.ID, first))
			continue
		}
		seen[s.ID] = n.Line
		s.Source = m[1]
		st.Statements = append(st.Statements, s)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return st, nil
}

// isStatementRef reports whether a scenario ref claims to be a statement id:
// SOURCE/slug with a known source. Other refs are free-text citations.
func (st *Statements) isStatementRef(ref string) bool {
	m := idPattern.FindStringSubmatch(ref)
	if m == nil {
		return false
	}
	for _, s := range st.Sources {
		if s.ID == m[1] {
			return true
		}
	}
	return false
}
