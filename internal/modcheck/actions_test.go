package modcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A new kind of step must be decided on everywhere steps are told apart. The
// compiler sees to the methods of scenarios.Action (they are unexported, so
// only the scenarios package can add a kind); this test sees to the type
// switches: every switch that names one kind of action names them all, with
// an empty case for the kinds it has nothing to do for.
func TestActionSwitchesAreExhaustive(t *testing.T) {
	root := filepath.Join("..", "..")
	kinds := actionKinds(t, filepath.Join(root, "internal", "scenarios"))
	if len(kinds) < 5 {
		t.Fatalf("found the action kinds %v; the test no longer finds scenarios.Action's implementations", kinds)
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sw, ok := n.(*ast.TypeSwitchStmt)
			if !ok {
				return true
			}
			named := switchedKinds(sw, kinds)
			if len(named) == 0 {
				return true
			}
			var missing []string
			for _, k := range kinds {
				if !slices.Contains(named, k) {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s: a switch on a step's Action does not name %s", fset.Position(sw.Pos()), strings.Join(missing, ", "))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// actionKinds lists the types of package dir that have every unexported
// method of its Action interface.
func actionKinds(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var sealing []string
	methods := map[string][]string{} // receiver type -> method names
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok || ts.Name.Name != "Action" {
						continue
					}
					if iface, ok := ts.Type.(*ast.InterfaceType); ok {
						for _, m := range iface.Methods.List {
							for _, name := range m.Names {
								if !name.IsExported() {
									sealing = append(sealing, name.Name)
								}
							}
						}
					}
				}
			case *ast.FuncDecl:
				if decl.Recv == nil || len(decl.Recv.List) != 1 {
					continue
				}
				recv := decl.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				if id, ok := recv.(*ast.Ident); ok {
					methods[id.Name] = append(methods[id.Name], decl.Name.Name)
				}
			}
		}
	}
	var kinds []string
	for typ, ms := range methods {
		if len(sealing) > 0 && !slices.ContainsFunc(sealing, func(m string) bool { return !slices.Contains(ms, m) }) {
			kinds = append(kinds, typ)
		}
	}
	slices.Sort(kinds)
	return kinds
}

// switchedKinds lists the action kinds a type switch's cases name, as
// *scenarios.OpStep or, inside the scenarios package, *OpStep.
func switchedKinds(sw *ast.TypeSwitchStmt, kinds []string) []string {
	var named []string
	for _, stmt := range sw.Body.List {
		for _, expr := range stmt.(*ast.CaseClause).List {
			if star, ok := expr.(*ast.StarExpr); ok {
				expr = star.X
			}
			name := ""
			switch e := expr.(type) {
			case *ast.Ident:
				name = e.Name
			case *ast.SelectorExpr:
				if pkg, ok := e.X.(*ast.Ident); ok && pkg.Name == "scenarios" {
					name = e.Sel.Name
				}
			}
			if slices.Contains(kinds, name) {
				named = append(named, name)
			}
		}
	}
	return named
}
