package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/refserver"
)

func TestFaultsCommandListsEveryFault(t *testing.T) {
	var out bytes.Buffer
	if err := cmdFaults(context.Background(), nil, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for _, f := range refserver.Faults() {
		found := false
		for _, line := range lines {
			fields := strings.Fields(line)
			if len(fields) > 0 && fields[0] == f.Name && strings.Contains(line, f.Scenario) && strings.Contains(line, f.Description) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line starts with fault %s and names its scenario and description", f.Name)
		}
	}
	tolerations := out.String()[strings.Index(out.String(), "TOLERATED VARIATIONS"):]
	for _, f := range refserver.Tolerations() {
		if !strings.Contains(tolerations, f.Name) {
			t.Errorf("toleration %s not listed under the heading", f.Name)
		}
	}
}

func TestFaultsCommandRefusesArguments(t *testing.T) {
	err := cmdFaults(context.Background(), []string{"extra"}, &bytes.Buffer{}, &bytes.Buffer{})
	if ee, ok := err.(*exitError); !ok || ee.code != 2 {
		t.Errorf("want exit 2 for an argument, got %v", err)
	}
}

// docs/faults.md carries the generated tables; they must match the registry.
func TestFaultsDocMatchesRegistry(t *testing.T) {
	raw, err := os.ReadFile("../../docs/faults.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin := strings.Index(doc, "<!-- BEGIN generated")
	end := strings.Index(doc, "<!-- END generated -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/faults.md: no BEGIN/END generated markers")
	}
	section := doc[strings.Index(doc[begin:], "\n")+begin+1 : end]
	if want := faultsMarkdown(refserver.Faults(), refserver.Tolerations()); section != want {
		t.Errorf("docs/faults.md is out of date; regenerate the tables with `gwsconform faults --markdown`.\ngot:\n%s\nwant:\n%s", section, want)
	}
}
