package report

import "fmt"

// Part says which part of a plan split across machines a bundle holds
// (`gwsconform run --shard i/n`): the plan is the selected scenarios of one
// catalogue, divided the same way on every machine, and its digest proves two
// parts come from the same plan.
type Part struct {
	Index int `json:"index"` // 1-based
	Total int `json:"total"`
	// PlanDigest is the SHA-256 of the catalogue digest, the number of parts
	// and every part's scenario names.
	PlanDigest string `json:"planDigest"`
	// Scenarios are the names of the scenarios the plan gave this part.
	Scenarios []string `json:"scenarios"`
}

func (p Part) String() string { return fmt.Sprintf("%d/%d", p.Index, p.Total) }
