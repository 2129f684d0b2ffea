package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runLint(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cmdLint(context.Background(), args, &stdout, &stderr)
	code := 0
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) {
			t.Fatalf("error is not an exitError: %v", err)
		}
		code = ee.code
	}
	return stdout.String(), code
}

func TestLintCommand(t *testing.T) {
	out, code := runLint(t)
	if code != 0 || !regexp.MustCompile(`^ok: [1-9]\d* scenarios\n$`).MatchString(out) {
		t.Fatalf("embedded catalogue: exit %d, output %q", code, out)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	write := func(p, text string) {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(good, "name: mine\nrefs: [notes/agent-state]\nactors: {alice: agent}\nsteps:\n  - alice: {op: Ready}\n")
	write(bad, "name: broken\nrefs: [notes/agent-state]\nactors: {alice: agent}\nsteps:\n  - alice: {op: Acept}\n")

	if out, code := runLint(t, "--scenarios", good); code != 0 || out != "ok: 1 scenarios\n" {
		t.Errorf("--scenarios good: exit %d, output %q", code, out)
	}
	out, code = runLint(t, "--scenarios", bad)
	want := bad + `:5: alice: unknown operation "Acept" for an agent (dialect chats) (did you mean "Accept"?)` + "\n"
	if code != 1 || out != want {
		t.Errorf("--scenarios bad: exit %d, output %q, want %q", code, out, want)
	}
	if out, code := runLint(t, good); code != 0 || !strings.HasPrefix(out, "ok: ") || out == "ok: 1 scenarios\n" {
		t.Errorf("PATH adds to the catalogue: exit %d, output %q", code, out)
	}
	if _, code := runLint(t, "--nope"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if _, code := runLint(t, filepath.Join(dir, "missing.yaml")); code != 2 {
		t.Errorf("missing path: exit %d, want 2", code)
	}
}
