package suite

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gwsconform/gwsconform/internal/scenarios"
)

func TestShardQueueHoldsTheNonSerialOnesSlowFirst(t *testing.T) {
	var all []*scenarios.Scenario
	for i := 9; i >= 0; i-- { // written out of order on purpose
		sc := &scenarios.Scenario{Name: fmt.Sprintf("s%d", i), Serial: i%4 == 0}
		if i == 7 {
			sc.Labels = []string{"bayeux", "slow"}
		}
		all = append(all, sc)
	}
	if got, want := strings.Join(names(ShardQueue(all)), " "), "s7 s1 s2 s3 s5 s6 s9"; got != want {
		t.Errorf("queue %q, want %q (slow first, then by name, no serial ones)", got, want)
	}
	if got := strings.Join(names(SerialScenarios(all)), " "); got != "s8 s4 s0" {
		t.Errorf("serial %q, want s8 s4 s0", got)
	}
}

// Children race for the queue's positions: each is played by exactly one.
func TestClaimsHandEachPositionToOneChild(t *testing.T) {
	claims := &Claims{Dir: t.TempDir()}
	const positions, children = 200, 4
	var mu sync.Mutex
	owner := map[int]int{}
	var wg sync.WaitGroup
	for c := range children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range positions {
				mine, err := claims.Take(i)
				if err != nil {
					t.Error(err)
					return
				}
				if mine {
					mu.Lock()
					if prev, taken := owner[i]; taken {
						t.Errorf("position %d taken by child %d and child %d", i, prev, c)
					}
					owner[i] = c
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(owner) != positions {
		t.Errorf("%d of %d positions were taken", len(owner), positions)
	}
}

func TestClaimsThatCannotBeWrittenAreErrors(t *testing.T) {
	claims := &Claims{Dir: filepath.Join(t.TempDir(), "missing")}
	if mine, err := claims.Take(0); err == nil || mine {
		t.Fatalf("Take in a missing directory = %v, %v; want an error (a scenario nobody claims would vanish from the run)", mine, err)
	}
}

func names(list []*scenarios.Scenario) []string {
	var out []string
	for _, sc := range list {
		out = append(out, sc.Name)
	}
	return out
}

func TestParseShard(t *testing.T) {
	if sh, err := ParseShard("2/3"); err != nil || sh != (Shard{2, 3}) || sh.String() != "2/3" {
		t.Errorf("ParseShard(2/3) = %v, %v", sh, err)
	}
	for _, bad := range []string{"", "0/2", "3/2", "1", "a/b", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

func TestGinkgoLabelsAddFeaturesAndRejectBadLabels(t *testing.T) {
	sc := &scenarios.Scenario{File: "x.yaml", Line: 7, Labels: []string{"consult"}, Requires: []string{"chats.consult"}}
	labels, err := ginkgoLabels(sc)
	if err != nil || strings.Join(labels, " ") != "consult feature:chats.consult" {
		t.Fatalf("labels %v, %v", labels, err)
	}
	sc.Labels = []string{"a/b"}
	if _, err := ginkgoLabels(sc); err == nil || !strings.HasPrefix(err.Error(), "x.yaml:7: ") {
		t.Fatalf("a label with / gave %v, want an error at x.yaml:7", err)
	}
}

func TestGinkgoConfigNamesTheFlag(t *testing.T) {
	for flag, f := range map[string]Filters{
		"--label-filter": {LabelFilter: "a && (b"},
		"--focus":        {Focus: []string{"("}},
		"--skip":         {Skip: []string{"[z-a]"}},
	} {
		_, _, err := f.GinkgoConfig()
		if err == nil || !strings.Contains(err.Error(), flag) || strings.Contains(err.Error(), "\x1b") {
			t.Errorf("%s: error %v, want one naming the flag without terminal colors", flag, err)
		}
	}
	// Focus, skip and labels are applied by Filters.Select, before Ginkgo sees the
	// scenarios; Ginkgo keeps only what it alone can do.
	suite, reporter, err := Filters{LabelFilter: "consult", Focus: []string{"Consult"}, Verbose: true, FailFast: true, Seed: 7}.GinkgoConfig()
	if err != nil || suite.LabelFilter != "" || len(suite.FocusStrings) != 0 || !suite.FailFast || suite.RandomSeed != 7 || !reporter.Verbose {
		t.Errorf("config %+v %+v %v", suite, reporter, err)
	}
}
