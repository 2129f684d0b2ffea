package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/yamlsyntax"
)

// source is one tree of YAML files: the embedded catalogue or a path on disk.
type source struct {
	fsys fs.FS
	root string // file or directory inside fsys
	// show turns a path inside fsys into the name people see in messages.
	show func(p string) string
	// embedded sources lose their fragments to same-named ones on disk.
	embedded bool
	// fragmentsOnly: take the fragments of this source, not its scenarios.
	fragmentsOnly bool
}

// Load reads the scenarios in fsys under paths (files or directories; none =
// "."), recursively, *.yaml and *.yml. Files under a directory named
// "fragments" define fragments; every other file holds scenarios (one per
// YAML document). It returns every problem found, joined, each
// "file:line: message"; scenarios are returned only when there is none.
func Load(fsys fs.FS, paths ...string) ([]*Scenario, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var srcs []source
	for _, p := range paths {
		srcs = append(srcs, source{fsys: fsys, root: path.Clean(p), show: func(p string) string { return p }})
	}
	return load(srcs)
}

// CatalogueDir is the display prefix of embedded files, so messages point at
// the file in the source tree: internal/scenarios/catalogue/chat/consult.yaml:42.
const CatalogueDir = "internal/scenarios"

func catalogueSource(fragmentsOnly bool) source {
	return source{fsys: Catalogue, root: "catalogue", embedded: true, fragmentsOnly: fragmentsOnly,
		show: func(p string) string { return CatalogueDir + "/" + p }}
}

// LoadCatalogue loads the embedded starter catalogue.
func LoadCatalogue() ([]*Scenario, error) {
	return load([]source{catalogueSource(false)})
}

// LoadDisk loads scenario files or directories on disk. withCatalogue adds
// the embedded catalogue's scenarios (the `--add` behaviour); without it the
// paths replace the catalogue (`--scenarios`). The embedded fragments are
// always available to include; a fragment on disk with the same name
// replaces the embedded one.
func LoadDisk(withCatalogue bool, paths ...string) ([]*Scenario, error) {
	srcs := []source{catalogueSource(!withCatalogue)}
	var p problems
	for _, raw := range paths {
		info, err := os.Stat(raw)
		if err != nil {
			p.add(raw, 0, "cannot read: %v", errors.Unwrap(err))
			continue
		}
		dir, root := raw, "."
		if !info.IsDir() {
			dir, root = filepath.Dir(raw), filepath.Base(raw)
		}
		base := dir
		srcs = append(srcs, source{fsys: os.DirFS(dir), root: root,
			show: func(p string) string { return filepath.Join(base, filepath.FromSlash(p)) }})
	}
	if len(p.list) > 0 {
		return nil, errors.Join(p.list...)
	}
	return load(srcs)
}

// document is one YAML document of one file.
type document struct {
	file     string // display name
	node     *yaml.Node
	embedded bool
}

// load runs the whole pipeline over srcs and the documents already read: read files,
// collect fragments, decode scenarios, check names.
func load(srcs []source, read ...document) ([]*Scenario, error) {
	var p problems
	var scenarioDocs, fragmentDocs []document
	scenarioDocs = append(scenarioDocs, read...)
	for _, src := range srcs {
		files, err := yamlFiles(src.fsys, src.root)
		if err != nil {
			p.add(src.show(src.root), 0, "cannot read: %v", err)
			continue
		}
		for _, f := range files {
			isFragment := isFragmentPath(f)
			if src.fragmentsOnly && !isFragment {
				continue
			}
			docs := readDocuments(src.fsys, f, src.show(f), &p)
			for _, doc := range docs {
				doc.embedded = src.embedded
				if isFragment {
					fragmentDocs = append(fragmentDocs, doc)
				} else {
					scenarioDocs = append(scenarioDocs, doc)
				}
			}
		}
	}

	frags := collectFragments(fragmentDocs, &p)

	var out []*Scenario
	byName := map[string]*Scenario{}
	embedded := map[*Scenario]bool{}
	for _, doc := range scenarioDocs {
		d := &decoder{file: doc.file, p: &p}
		sc := decodeScenario(d, doc.node, frags)
		if sc == nil {
			continue
		}
		if first, dup := byName[sc.Name]; dup {
			where := ""
			if embedded[first] {
				where = " in the embedded catalogue; use --scenarios to replace the catalogue"
			}
			d.p.add(sc.File, sc.Line, "duplicate scenario name %q (first defined at %s:%d%s)", sc.Name, first.File, first.Line, where)
			continue
		}
		embedded[sc] = doc.embedded
		byName[sc.Name] = sc
		out = append(out, sc)
	}
	if len(p.list) > 0 {
		return nil, errors.Join(p.sorted()...)
	}
	return out, nil
}

// yamlFiles lists the *.yaml and *.yml files at root (a file or a
// directory, walked recursively), sorted.
func yamlFiles(fsys fs.FS, root string) ([]string, error) {
	info, err := fs.Stat(fsys, root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{root}, nil
	}
	var files []string
	err = fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func isFragmentPath(p string) bool {
	for _, part := range strings.Split(path.Dir(p), "/") {
		if part == "fragments" {
			return true
		}
	}
	return false
}

// readDocuments parses every YAML document of a file. A syntax error stops
// the file: yaml.v3 cannot resynchronise after one.
func readDocuments(fsys fs.FS, p, shown string, probs *problems) (docs []document) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		probs.add(shown, 0, "cannot read: %v", err)
		return nil
	}
	return parseDocuments(data, shown, probs)
}

func parseDocuments(data []byte, shown string, probs *problems) (docs []document) {
	defer func() {
		// yaml.v3 has panicked on hostile input in the past; a scenario file
		// must never take the harness down.
		if r := recover(); r != nil {
			probs.add(shown, 0, "YAML parser failed: %v", r)
			docs = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return docs
		}
		if err != nil {
			line, problem := yamlsyntax.Locate(data, err)
			probs.add(shown, line, "YAML syntax: %s", problem)
			return docs
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		body := n.Content[0]
		if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
			continue // an empty document, e.g. only comments
		}
		d := &decoder{file: shown, p: probs}
		if !d.checkNoAliases(body) {
			continue
		}
		docs = append(docs, document{file: shown, node: body})
	}
}

var scenarioKeys = []string{"name", "description", "refs", "labels", "requires", "serial", "timeout", "vars", "actors", "steps"}

// decodeScenario decodes one scenario document; nil when it is unusable.
func decodeScenario(d *decoder, n *yaml.Node, frags map[string]*fragment) *Scenario {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "fragment" {
				d.errf(n.Content[i], "a fragment definition belongs in a fragments/ directory")
				return nil
			}
		}
	}
	fs, ok := d.fields(n, "scenario", scenarioKeys)
	if !ok {
		return nil
	}
	sc := &Scenario{File: d.file, Line: n.Line}
	var actorsN, stepsN *yaml.Node
	for _, f := range fs {
		switch f.key {
		case "name":
			sc.Name, _ = d.nonEmpty(f.value, "name")
		case "description":
			sc.Description, _ = d.str(f.value, "description")
		case "refs":
			sc.Refs, _ = d.strings(f.value, "refs")
		case "labels":
			sc.Labels, _ = d.strings(f.value, "labels")
		case "requires":
			sc.Declared, _ = d.strings(f.value, "requires")
		case "serial":
			sc.Serial, _ = d.boolean(f.value, "serial")
		case "timeout":
			sc.Timeout, _ = d.duration(f.value, "timeout")
		case "vars":
			sc.Vars = d.vars(f.value)
		case "actors":
			actorsN = f.value
		case "steps":
			stepsN = f.value
		}
	}
	if sc.Name == "" {
		d.errf(n, "scenario has no name")
	}
	if actorsN == nil {
		d.errf(n, "scenario %q has no actors", sc.Name)
		return nil
	}
	sc.Actors = d.actors(actorsN)
	for _, a := range sc.Actors {
		if _, clash := sc.Vars[a.Name]; clash {
			d.errf(actorsN, "actor %q has the name of a scenario variable", a.Name)
		}
	}
	if stepsN == nil {
		d.errf(n, "scenario %q has no steps", sc.Name)
		return nil
	}
	ctx := &stepContext{actors: map[string]*Actor{}, fragments: frags}
	for i := range sc.Actors {
		ctx.actors[sc.Actors[i].Name] = &sc.Actors[i]
	}
	sc.Steps = ctx.steps(d, stepsN, nil)
	for i := range sc.Steps {
		sc.Steps[i].Index = i + 1
	}
	sc.Requires = effectiveRequires(sc)
	resolveLevels(sc)
	if sc.Name == "" {
		return nil
	}
	return sc
}

func (d *decoder) vars(n *yaml.Node) map[string]any {
	fs, _ := d.fields(n, "vars", nil)
	out := make(map[string]any, len(fs))
	for _, f := range fs {
		if !match.ValidName(f.key) {
			d.errf(f.keyN, "vars: %q is not a valid variable name (%s)", f.key, match.NameRule)
			continue
		}
		if isQueueVar(f.key) {
			d.errf(f.keyN, "vars: %q is reserved for the target's queues", f.key)
			continue
		}
		v, _ := d.value(f.value, "vars."+f.key)
		out[f.key] = v
	}
	return out
}

var actorKeys = []string{"kind", "nickname", "ready", "dialect", "routeTo"}

// actors decodes `actors:`: name -> kind, or name -> {kind, ...}.
func (d *decoder) actors(n *yaml.Node) []Actor {
	fs, ok := d.fields(n, "actors", nil)
	if !ok {
		return nil
	}
	if len(fs) == 0 {
		d.errf(n, "actors must name at least one actor")
	}
	var out []Actor
	routeLines := map[string]*yaml.Node{}
	for _, f := range fs {
		a := Actor{Name: f.key, File: d.file, Line: f.keyN.Line}
		if !match.ValidName(f.key) || isQueueVar(f.key) || contains(stepBodyKeys, f.key) || f.key == "include" || f.key == "with" {
			d.errf(f.keyN, "actors: %q cannot be an actor name (%s; not a step keyword or queueN)", f.key, match.NameRule)
			continue
		}
		var routeN *yaml.Node
		if f.value.Kind == yaml.ScalarNode {
			a.Kind, _ = d.str(f.value, "actors: "+f.key)
		} else {
			afs, _ := d.fields(f.value, "actors: "+f.key, actorKeys)
			ready := true
			for _, af := range afs {
				what := "actors: " + f.key + ": " + af.key
				switch af.key {
				case "kind":
					a.Kind, _ = d.str(af.value, what)
				case "nickname":
					a.Nickname, _ = d.nonEmpty(af.value, what)
				case "ready":
					ready, _ = d.boolean(af.value, what)
				case "dialect":
					written, _ := d.str(af.value, what)
					a.Dialect = gws.Dialect(written)
				case "routeTo":
					routeN = af.value
					a.RouteTo, _ = d.strings(af.value, what)
				}
			}
			a.Ready = ready
			if routeN != nil {
				routeLines[a.Name] = routeN
			}
			if a.Kind == "" {
				d.errf(f.value, "actors: %s: no kind (agent or customer)", f.key)
				continue
			}
		}
		switch a.Kind {
		case KindAgent:
			if a.Dialect == "" {
				a.Dialect = gws.DialectChats
			}
			if a.Dialect != gws.DialectChats && a.Dialect != gws.DialectInteractions {
				d.errf(f.value, "actors: %s: dialect must be chats or interactions, got %q%s", f.key, a.Dialect, suggest(string(a.Dialect), []string{string(gws.DialectChats), string(gws.DialectInteractions)}))
			}
			if routeN != nil {
				d.errf(routeN, "actors: %s: routeTo is for customers", f.key)
			}
			if f.value.Kind == yaml.ScalarNode {
				a.Ready = true
			}
		case KindCustomer:
			if a.Dialect != "" {
				d.errf(f.value, "actors: %s: dialect is for agents (customers use the customer API)", f.key)
			}
			a.Dialect, a.Ready = gws.DialectCustomer, false
		case "":
			continue
		default:
			d.errf(f.value, "actors: %s: kind must be agent or customer, got %q%s", f.key, a.Kind, suggest(a.Kind, []string{KindAgent, KindCustomer}))
			continue
		}
		if a.Nickname == "" {
			a.Nickname = strings.ToUpper(a.Name[:1]) + a.Name[1:]
		}
		out = append(out, a)
	}
	// routeTo entries must name agents of this scenario or be expressions.
	names := map[string]string{}
	for _, a := range out {
		names[a.Name] = a.Kind
	}
	for _, a := range out {
		for _, r := range a.RouteTo {
			if strings.Contains(r, "{{") {
				continue
			}
			if names[r] != KindAgent {
				d.errf(routeLines[a.Name], "actors: %s: routeTo %q is not an agent of this scenario (use \"{{queue1}}\" for a queue)%s", a.Name, r, suggest(r, agentNames(out)))
			}
		}
	}
	return out
}

func agentNames(actors []Actor) []string {
	var out []string
	for _, a := range actors {
		if a.Kind == KindAgent {
			out = append(out, a.Name)
		}
	}
	return out
}

// isQueueVar reports names of the built-in queue variables: queue1, queue2...
func isQueueVar(s string) bool {
	rest, ok := strings.CutPrefix(s, "queue")
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}

// effectiveRequires merges declared features with what the steps imply.
func effectiveRequires(sc *Scenario) []string {
	set := map[string]bool{}
	for _, f := range sc.Declared {
		set[f] = true
	}
	for _, a := range sc.Actors {
		switch a.Kind {
		case KindAgent:
			set["notifications"] = true
		case KindCustomer:
			set["customer"] = true
		}
		for _, r := range a.RouteTo {
			if usesQueueVar(r) {
				set["queues"] = true
			}
		}
	}
	for _, st := range sc.Steps {
		if op, ok := st.Action.(*OpStep); ok && op.Op.Feature != "" {
			set[string(op.Op.Feature)] = true
		}
		for _, u := range st.Vars() {
			if isQueueVar(rootName(u.Name)) {
				set["queues"] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func usesQueueVar(s string) bool {
	for _, ref := range match.TextRefs(s) {
		if isQueueVar(rootName(ref)) {
			return true
		}
	}
	return false
}

// String renders a scenario's position, for messages.
func (sc *Scenario) String() string { return fmt.Sprintf("%s:%d: %s", sc.File, sc.Line, sc.Name) }
