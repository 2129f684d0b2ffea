package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/report"
)

// verifyCLI runs `gwsconform verify args...` in this process: verify needs
// no Ginkgo, only the bundle.
func verifyCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"verify"}, args...), &out, &out)
	return cliResult{exitCode(err, &out), out.String()}
}

// problemNames reports whether a PROBLEM line of verify's output names file.
// A renamed entry in manifest.json, say, is "report.htll: listed in
// manifest.json (files[1]) but missing": verify cannot tell which of the two
// changed, so it names both.
func problemNames(output, file string) bool {
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "PROBLEM  ") && strings.Contains(line, file) {
			return true
		}
	}
	return false
}

// TestVerifyCommand runs the real `gwsconform run --report-dir` against the
// embedded server, then `verify` on its bundle: it passes as written, and
// fails naming what is wrong once a byte, or a verdict and its digest, change.
func TestVerifyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a scenario")
	}
	bin := filepath.Join(t.TempDir(), "gwsconform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	keys := filepath.Join(work, "vendor")
	var keygenOut bytes.Buffer
	if err := run(context.Background(), []string{"keygen", "--out", keys}, &keygenOut, &keygenOut); err != nil {
		t.Fatalf("keygen: %v\n%s", err, keygenOut.String())
	}
	if code := exitCode(run(context.Background(), []string{"keygen", "--out", keys}, &keygenOut, &keygenOut), &keygenOut); code != 2 {
		t.Errorf("keygen over existing files: exit %d, want 2", code)
	}
	bundle := func(t *testing.T, extra ...string) string {
		t.Helper()
		dir := t.TempDir()
		args := append([]string{"run", "--focus", "^customer-request-chat$", "--report-dir", "out", "--no-color"}, extra...)
		if res := runCLI(t, bin, dir, args...); res.code != 0 {
			t.Fatalf("run: exit %d\n%s", res.code, res.output)
		}
		return filepath.Join(dir, "out")
	}

	t.Run("an unsigned bundle verifies; a flipped byte fails naming the file", func(t *testing.T) {
		out := bundle(t)
		res := verifyCLI(t, out)
		if res.code != 0 || !strings.Contains(res.output, "gwsconform verify: OK (signature: unsigned)") ||
			!strings.Contains(res.output, "checked  results.json: counts, verdict, exit code") {
			t.Fatalf("verify: exit %d, want 0\n%s", res.code, res.output)
		}
		for _, name := range []string{report.JSONFile, report.JUnitFile, report.HTMLFile, certify.ManifestFile} {
			path := filepath.Join(out, name)
			orig, _ := os.ReadFile(path)
			flipped := bytes.Clone(orig)
			flipped[len(flipped)/2] ^= 0x01
			os.WriteFile(path, flipped, 0o644)
			res := verifyCLI(t, out)
			if res.code != 1 || !problemNames(res.output, name) {
				t.Errorf("%s changed: exit %d, want 1 and a problem naming it\n%s", name, res.code, res.output)
			}
			os.WriteFile(path, orig, 0o644)
		}
	})

	t.Run("a verdict edited with its digest fails naming the field", func(t *testing.T) {
		out := bundle(t)
		r := readResults(t, out)
		r.Verdict, r.ExitCode = report.VerdictFail, 1
		if err := r.WriteJSON(filepath.Join(out, report.JSONFile)); err != nil {
			t.Fatal(err)
		}
		if err := certify.WriteManifest(out, r, nil); err != nil {
			t.Fatal(err)
		}
		res := verifyCLI(t, out)
		if res.code != 1 || !strings.Contains(res.output, `PROBLEM  results.json: verdict: file says "fail", the scenario outcomes give "pass"`) {
			t.Errorf("exit %d, want 1 naming results.json's verdict\n%s", res.code, res.output)
		}
	})

	t.Run("signed with --sign-key: verifies with --public-key; an edited manifest fails the signature", func(t *testing.T) {
		out := bundle(t, "--sign-key", keys+".key")
		res := verifyCLI(t, "--public-key", keys+".pub", out)
		if res.code != 0 || !strings.Contains(res.output, "checked  signature: valid") {
			t.Fatalf("verify --public-key: exit %d, want 0\n%s", res.code, res.output)
		}
		if res := verifyCLI(t, out); res.code != 0 || !strings.Contains(res.output, "NOT checked") {
			t.Errorf("verify without a key: exit %d, want 0 saying the signature is unchecked\n%s", res.code, res.output)
		}
		path := filepath.Join(out, certify.ManifestFile)
		data, _ := os.ReadFile(path)
		os.WriteFile(path, bytes.Replace(data, []byte(`"verdict": "pass"`), []byte(`"verdict": "fail"`), 1), 0o644)
		res = verifyCLI(t, out, "--public-key", keys+".pub") // flags after DIR too
		if res.code != 1 || !strings.Contains(res.output, "PROBLEM  manifest.sig: does not verify manifest.json") {
			t.Errorf("edited signed manifest: exit %d, want 1 naming the signature\n%s", res.code, res.output)
		}
	})

	t.Run("an unsigned bundle with --public-key fails", func(t *testing.T) {
		res := verifyCLI(t, "--public-key", keys+".pub", bundle(t))
		if res.code != 1 || !strings.Contains(res.output, "the bundle is unsigned") {
			t.Errorf("exit %d, want 1\n%s", res.code, res.output)
		}
	})

	t.Run("a bad --sign-key stops the run before it starts", func(t *testing.T) {
		dir := t.TempDir()
		res := runCLI(t, bin, dir, "run", "--focus", "^customer-request-chat$", "--report-dir", "out", "--sign-key", keys+".pub")
		if res.code != 2 || !strings.Contains(res.output, "--sign-key "+keys+".pub") || !strings.Contains(res.output, `want "PRIVATE KEY"`) {
			t.Errorf("exit %d, want 2 naming --sign-key and the file\n%s", res.code, res.output)
		}
		if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
			t.Error("the run went ahead and wrote its reports")
		}
	})

	t.Run("bad usage and unreadable input: exit 2", func(t *testing.T) {
		for _, args := range [][]string{
			{},
			{"a", "b"},
			{"--no-such-flag", "x"},
			{filepath.Join(work, "nowhere")},
			{"--public-key", keys + ".key", work},
		} {
			if res := verifyCLI(t, args...); res.code != 2 {
				t.Errorf("verify %q: exit %d, want 2\n%s", args, res.code, res.output)
			}
		}
	})
}
