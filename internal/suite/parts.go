package suite

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/gwsconform/gwsconform/internal/certify"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
)

// Environment of a run that is one part of a Kubernetes Indexed Job: the Job
// sets JOB_COMPLETION_INDEX (0-based) in every pod; the number of parts comes
// from the Job's spec, which the pod sees only if it is passed on.
const (
	EnvJobIndex   = "JOB_COMPLETION_INDEX"
	EnvPartsTotal = "GWSCONFORM_SHARD_TOTAL"
)

// PartFromEnv is the part of a run --shard leaves unset: JOB_COMPLETION_INDEX
// with GWSCONFORM_SHARD_TOTAL, or the zero Shard when neither is set.
func PartFromEnv(lookup func(string) (string, bool)) (Shard, error) {
	index, okIndex := lookup(EnvJobIndex)
	total, okTotal := lookup(EnvPartsTotal)
	if !okIndex && !okTotal {
		return Shard{}, nil
	}
	if !okIndex || !okTotal {
		return Shard{}, fmt.Errorf("%s and %s go together: set both (the pod's index and the Job's completions), or use --shard i/n", EnvJobIndex, EnvPartsTotal)
	}
	i, err := strconv.Atoi(index)
	if err != nil {
		return Shard{}, fmt.Errorf("%s=%q: want the 0-based index of the pod", EnvJobIndex, index)
	}
	s, err := ParseShard(fmt.Sprintf("%d/%s", i+1, total))
	if err != nil {
		return Shard{}, fmt.Errorf("%s=%s, %s=%s: %w", EnvJobIndex, index, EnvPartsTotal, total, err)
	}
	return s, nil
}

// planParts divides the selected scenarios into total parts the same way on
// every machine: heaviest first, each to the lightest part so far (ties to
// the lower index), so no machine gets all the slow ones. It returns the
// names of each part.
func planParts(selected []*scenarios.Scenario, total int) [][]string {
	type weighed struct {
		name   string
		weight int
	}
	list := make([]weighed, len(selected))
	for i, sc := range selected {
		list[i] = weighed{sc.Name, partWeight(sc)}
	}
	slices.SortFunc(list, func(a, b weighed) int {
		return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(a.name, b.name))
	})
	parts := make([][]string, total)
	load := make([]int, total)
	for _, w := range list {
		lightest := 0
		for i := range load {
			if load[i] < load[lightest] {
				lightest = i
			}
		}
		parts[lightest] = append(parts[lightest], w.name)
		load[lightest] += w.weight
	}
	for _, p := range parts {
		slices.Sort(p)
	}
	return parts
}

// partWeight estimates a scenario's share of a part's wall time: a slow one
// waits on the target for a long timeout, a serial one runs alone after the
// others, the rest take about as long as their steps.
func partWeight(sc *scenarios.Scenario) int {
	w := 4 + len(sc.Steps)
	if slices.Contains(sc.Labels, slowLabel) {
		w *= 8
	}
	if sc.Serial {
		w *= 2
	}
	return w
}

// partOf keeps the scenarios of selected that o.Part's part of the plan
// holds, and describes the part for the results; without o.Part it keeps all.
func partOf(o Options, selected []*scenarios.Scenario) ([]*scenarios.Scenario, *report.Part, error) {
	if o.Part.Total == 0 {
		return selected, nil, nil
	}
	digest, err := catalogueDigest(o)
	if err != nil {
		return nil, nil, err
	}
	parts := planParts(selected, o.Part.Total)
	mine := parts[o.Part.Index-1]
	var out []*scenarios.Scenario
	for _, sc := range selected {
		if _, found := slices.BinarySearch(mine, sc.Name); found {
			out = append(out, sc)
		}
	}
	return out, &report.Part{
		Index: o.Part.Index, Total: o.Part.Total,
		PlanDigest: certify.PlanDigest(digest, parts),
		Scenarios:  append([]string{}, mine...),
	}, nil
}
