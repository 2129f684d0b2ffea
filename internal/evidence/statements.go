package evidence

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// StatementsFile is where the statement list lives, as shown in messages.
const StatementsFile = "internal/evidence/statements.yaml"

//go:embed statements.yaml
var statementsYAML []byte

// Source is a documentation page statements are taken from.
type Source struct {
	ID    string `yaml:"id"`    // e.g. seed-001; the prefix of its statement ids
	File  string `yaml:"file"`  // the page, e.g. seeds/001_0316506c927f6789.txt
	Title string `yaml:"title"` // what the page is about
	// Level is the level of the source's statements unless a statement says
	// otherwise: "reference" for the wire decisions; empty = documented.
	Level string `yaml:"level,omitempty"`
	// Generated: the source's statements are cited by generated scenarios (a
	// recording's), not by the catalogue, so coverage demands no catalogue
	// scenario for them.
	Generated bool `yaml:"generated,omitempty"`
}

// Statement is one documented fact a scenario can prove.
type Statement struct {
	ID   string `yaml:"id"`   // SOURCE/slug, e.g. seed-001/consultant-invisible
	Text string `yaml:"text"` // a quote or a close paraphrase of the page
	// Feature, for a statement of behaviour a target claims by declaring a
	// feature (source feature), names that feature: only scenarios that require
	// it may cite the statement, and then it binds like the documentation,
	// because the vendor's declaration is its documentation.
	Feature string `yaml:"feature,omitempty"`
	// Samples names the normalised seed samples (schemas/testdata/seeds) that
	// print what the statement says: every expectation citing the statement
	// must accept them.
	Samples []string `yaml:"samples,omitempty"`
	Source  string   `yaml:"-"` // the source id: ID up to the slash
	Line    int      `yaml:"-"` // line in statements.yaml
	// Level is derived: the source's level, Inferred when the text is marked
	// "(inferred)" as API-NOTES marks it, else Documented.
	Level Level `yaml:"-"`
}

// Statements is the parsed statement list.
type Statements struct {
	Sources    []Source
	Statements []Statement
	byID       map[string]int
}

// Lookup finds a statement by id.
func (st *Statements) Lookup(id string) (Statement, bool) {
	i, ok := st.byID[id]
	if !ok {
		return Statement{}, false
	}
	return st.Statements[i], true
}

// idPattern is the shape of a statement id; a scenario ref of this shape whose
// prefix is a known source must name a listed statement.
var idPattern = regexp.MustCompile(`^([a-z0-9-]+)/([a-z0-9-]+)$`)

// catalogue is the embedded statement list, parsed once.
var catalogue = sync.OnceValues(func() (*Statements, error) {
	return ParseStatements(statementsYAML, StatementsFile)
})

// LoadStatements returns the embedded statements.yaml, parsed. The result is
// shared: do not modify it.
func LoadStatements() (*Statements, error) { return catalogue() }

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
	sources := map[string]Level{}
	for _, s := range doc.Sources {
		if s.ID == "" || s.File == "" {
			problems = append(problems, fmt.Sprintf("%s: source %q needs an id and a file", file, s.ID))
		}
		level := Documented
		if s.Level != "" {
			var err error
			if level, err = ParseLevel(s.Level); err != nil {
				problems = append(problems, fmt.Sprintf("%s: source %s: %v", file, s.ID, err))
			}
		}
		sources[s.ID] = level
	}
	st := &Statements{Sources: doc.Sources, byID: map[string]int{}}
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
		case sources[m[1]] == Unknown:
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
		s.Level = sources[s.Source]
		if strings.Contains(s.Text, "(inferred)") && s.Level == Documented {
			s.Level = Inferred
		}
		st.byID[s.ID] = len(st.Statements)
		st.Statements = append(st.Statements, s)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return st, nil
}

// IsStatementRef reports whether a scenario ref claims to be a statement id:
// SOURCE/slug with a known source. Other refs are free-text citations.
func (st *Statements) IsStatementRef(ref string) bool {
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
