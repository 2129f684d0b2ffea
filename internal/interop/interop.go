// Package interop locates the third-party peers the Go tests run against: the
// Node.js scripts beside this file and the npm packages `npm ci --prefix internal/interop`
// installs under node_modules. A missing peer fails the test with the fix (it
// never skips), because a silent skip would hide that interop was never checked.
package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the directory of this package: the internal/interop/ folder of the repository.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("interop: cannot locate the interop directory")
	}
	return filepath.Dir(file)
}

// Package returns internal/interop/node_modules/name, failing with the fix when it is not
// installed.
func Package(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(Dir(t), "node_modules", name)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Fatalf("internal/interop/node_modules/%s is missing: run `npm ci --prefix internal/interop` in the repository root", name)
	}
	return dir
}

// Script returns the path of internal/interop/name, a Node.js script, failing with the fix
// when Node.js or one of the npm packages it needs is missing.
func Script(t testing.TB, name string, packages ...string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("this interop test needs Node.js 18+ on PATH (%v); install it, then run `npm ci --prefix internal/interop`", err)
	}
	for _, pkg := range packages {
		Package(t, pkg)
	}
	script := filepath.Join(Dir(t), name)
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("interop script missing: %v", err)
	}
	return script
}
