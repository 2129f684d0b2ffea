package modcheck

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// go.mod and go.sum say exactly what the build needs: a direct requirement
// marked indirect, an unused one or a missing go.sum line fails here, in CI,
// instead of in the next person's `go mod tidy`.
func TestGoModIsTidy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "mod", "tidy", "-diff").CombinedOutput()
	if err != nil {
		t.Fatalf("go mod tidy -diff: %v (run `go mod tidy` and commit go.mod and go.sum):\n%s", err, out)
	}
}
