package scenarios

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary bytes as a scenario file and as a fragment file
// next to a scenario that includes it: Load and Lint must never panic, and
// every error must name the file.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/broken/*.yaml")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	_ = fs.WalkDir(Catalogue, "catalogue", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := fs.ReadFile(Catalogue, p); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	f.Add([]byte("name: x\nactors: {a: agent}\nsteps: [{a: {await: {$not: {$regex: '('}}}}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"s.yaml":           {Data: data},
			"fragments/f.yaml": {Data: data},
			"u.yaml":           {Data: []byte("name: user\nactors: {agent: agent, customer: customer}\nsteps:\n  - include: f\n")},
		}
		scs, err := Load(fsys)
		for _, e := range Errors(err) {
			msg := e.Error()
			if !strings.HasPrefix(msg, "s.yaml") && !strings.HasPrefix(msg, "fragments/f.yaml") && !strings.HasPrefix(msg, "u.yaml") {
				t.Errorf("error does not name a file: %q", msg)
			}
		}
		if err == nil {
			for _, e := range Lint(scs) {
				if !strings.Contains(e.Error(), ".yaml") {
					t.Errorf("lint error does not name a file: %q", e)
				}
			}
		}
	})
}
