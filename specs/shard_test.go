package specs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/scenarios"
)

func TestShardScenariosPartitionsTheNonSerialOnes(t *testing.T) {
	var all []*scenarios.Scenario
	for i := 9; i >= 0; i-- { // written out of order on purpose
		all = append(all, &scenarios.Scenario{Name: fmt.Sprintf("s%d", i), Serial: i%4 == 0})
	}
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		share := ShardScenarios(all, Shard{Index: k, Total: 3})
		for i, sc := range share {
			if sc.Serial {
				t.Errorf("shard %d got serial scenario %s", k, sc.Name)
			}
			if i > 0 && share[i-1].Name >= sc.Name {
				t.Errorf("shard %d is not sorted: %s before %s", k, share[i-1].Name, sc.Name)
			}
			seen[sc.Name]++
		}
	}
	serial := SerialScenarios(all)
	for _, sc := range serial {
		seen[sc.Name]++
	}
	if len(seen) != len(all) || len(serial) != 3 {
		t.Fatalf("shards and serial part cover %d of %d scenarios (%d serial)", len(seen), len(all), len(serial))
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("%s runs %d times", name, n)
		}
	}
}

// A scenario that waits (labelled slow) gets a share to itself while there is one to
// spare, so its waiting overlaps the others' work; with more slow ones than shares,
// they are spread before the ordinary ones are dealt.
func TestShardScenariosBalanceSlowOnes(t *testing.T) {
	all := []*scenarios.Scenario{{Name: "a-wait", Labels: []string{"bayeux", "slow"}}}
	for i := range 30 {
		all = append(all, &scenarios.Scenario{Name: fmt.Sprintf("s%02d", i)})
	}
	first, second := ShardScenarios(all, Shard{Index: 1, Total: 2}), ShardScenarios(all, Shard{Index: 2, Total: 2})
	if len(first)+len(second) != len(all) || first[0].Name != "a-wait" {
		t.Fatalf("shares %d + %d of %d; first share starts with %s", len(first), len(second), len(all), first[0].Name)
	}
	if len(first) != 1 || len(second) != 30 {
		t.Errorf("shares of %d and %d scenarios, want the slow one alone and the 30 others", len(first), len(second))
	}
	all = append(all, &scenarios.Scenario{Name: "b-wait", Labels: []string{"slow"}}, &scenarios.Scenario{Name: "c-wait", Labels: []string{"slow"}})
	first, second = ShardScenarios(all, Shard{Index: 1, Total: 2}), ShardScenarios(all, Shard{Index: 2, Total: 2})
	if strings.Join(names(first), " ") != "a-wait c-wait" || names(second)[0] != "b-wait" || len(second) != 31 {
		t.Errorf("three slow ones over two shares: %v | %v", names(first), names(second))
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
