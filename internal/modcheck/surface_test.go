package modcheck

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// gwsconform is a command and a catalogue, not a library: another module may
// import schemas (docs/schemas.md invites it) and nothing else. Everything
// else lives under internal/, so the compiler, not a convention, keeps the
// rest of the code free to change.
func TestOnlySchemasIsImportable(t *testing.T) {
	public := []string{"cmd/gwsconform", "specs", "schemas"}
	out, err := exec.Command("go", "list", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(pkg, module)
		if strings.HasPrefix(rel, "internal/") || slices.Contains(public, rel) {
			continue
		}
		t.Errorf("%s is importable by other modules; move it under internal/ or say in docs/ARCHITECTURE.md why it is public", rel)
	}
}
