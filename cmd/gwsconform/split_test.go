package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/refserver"
)

// A run split across machines is tested as its contract says: the parts run
// as separate processes at the same time against one target, each with
// accounts and queues of its own, and their merge gives the verdicts one run
// gives.
func TestSplitRunMergesToTheVerdictsOfOneRun(t *testing.T) {
	bin := buildCLI(t)
	const parts = 3
	users := refserver.NumberedUsers(8 * parts)
	var queues []string
	for p := 1; p <= parts; p++ {
		mine := []string{fmt.Sprintf("q%d-1", p), fmt.Sprintf("q%d-2", p)}
		queues = append(queues, mine...)
		for i := 8 * (p - 1); i < 8*p; i++ {
			users[i].Queues = mine
		}
	}
	cfg := refserver.Config{Users: users, Queues: queues}
	cfg.Bayeux.Timeout = time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := refserver.Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	partArgs := func(p int) []string {
		var accounts []string
		for i := 8 * (p - 1); i < 8*p; i++ {
			accounts = append(accounts, users[i].Username+":"+users[i].Password)
		}
		return []string{"run", "--target", srv.URL, "--accounts", strings.Join(accounts, ","),
			"--queues", fmt.Sprintf("q%d-1,q%d-2", p, p), "-p", "1", "--no-color"}
	}
	dir := t.TempDir()
	whole := runCLI(t, bin, dir, append(partArgs(1), "--report-dir", "whole")...)
	if whole.code != 0 {
		t.Fatalf("one run: exit %d\n%s", whole.code, whole.output)
	}

	var wg sync.WaitGroup
	results := make([]cliResult, parts)
	for p := 1; p <= parts; p++ {
		wg.Go(func() {
			args := append(partArgs(p), "--shard", fmt.Sprintf("%d/%d", p, parts), "--report-dir", fmt.Sprintf("part%d", p))
			results[p-1] = runCLI(t, bin, dir, args...)
		})
	}
	wg.Wait()
	for p, res := range results {
		if res.code != 0 {
			t.Fatalf("part %d: exit %d\n%s", p+1, res.code, res.output)
		}
	}

	merged := runCLI(t, bin, dir, "merge", "merged", "part1", "part2", "part3")
	if merged.code != 0 {
		t.Fatalf("merge: exit %d\n%s", merged.code, merged.output)
	}
	one, all := readResults(t, filepath.Join(dir, "whole")), readResults(t, filepath.Join(dir, "merged"))
	if !maps.Equal(outcomes(one), outcomes(all)) || one.Verdict != all.Verdict || len(all.Scenarios) != len(one.Scenarios) {
		t.Errorf("merged: %d scenarios, verdict %s; one run: %d, %s", len(all.Scenarios), all.Verdict, len(one.Scenarios), one.Verdict)
	}
	if len(all.MergedFrom) != parts || all.Part != nil {
		t.Errorf("merged bundle: part %v, merged from %d parts", all.Part, len(all.MergedFrom))
	}
	if res := runCLI(t, bin, dir, "verify", "merged"); res.code != 0 {
		t.Errorf("the merged bundle does not verify: exit %d\n%s", res.code, res.output)
	}

	if err := os.CopyFS(filepath.Join(dir, "tampered"), os.DirFS(filepath.Join(dir, "part3"))); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(dir, "tampered", "junit.xml")
	data, _ := os.ReadFile(junit)
	if err := os.WriteFile(junit, bytes.Replace(data, []byte("testsuite"), []byte("testSuite"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bundles []string
		want    string
	}{
		{[]string{"part1", "part2"}, "part 3/3 is missing"},
		{[]string{"part1", "part2", "part2", "part3"}, "part 2/3 is also in part2"},
		{[]string{"part1", "whole"}, "whole: not a part of a split run"},
		{[]string{"part1", "part2", "tampered"}, "tampered does not verify"},
	} {
		res := runCLI(t, bin, dir, append([]string{"merge", "bad"}, tc.bundles...)...)
		if res.code != 2 || !strings.Contains(res.output, tc.want) {
			t.Errorf("merge %v: exit %d, want 2 saying %q:\n%s", tc.bundles, res.code, tc.want, res.output)
		}
	}
}
