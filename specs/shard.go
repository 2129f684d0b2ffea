package specs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/target"
	"github.com/gwsconform/gwsconform/scenarios"
)

// Environment of a child of a sharded run (`gwsconform run -p N`). Ginkgo's own
// parallel host lives in the ginkgo CLI, so the harness shards by re-executing
// itself: the parent resolves and preflights the target once (starting the embedded
// server if needed), then starts N children that each play a fixed share of the
// non-serial scenarios with a disjoint share of the accounts.
const (
	EnvShard        = "GWSCONFORM_SHARD"         // "k/N": this process is child k of N
	EnvShardTarget  = "GWSCONFORM_SHARD_TARGET"  // the resolved target, JSON (never written to disk)
	EnvShardResults = "GWSCONFORM_SHARD_RESULTS" // where the child writes its results.json
)

// ShardScenarios returns the scenarios child sh plays, sorted by name. The
// non-serial scenarios are dealt, in name order, each to the share with the least
// weight so far, the slow ones first. A scenario labelled "slow" waits on the target
// (a connect held for its whole timeout: 1 s on the embedded server, 30 s on many
// real ones) and is taken to outlast any number of ordinary ones, so it gets a share
// to itself while there are shares to spare, and the others work through the
// CPU-bound scenarios while it waits.
// The split depends only on names and labels, so every child computes the same
// partition without talking to the others.
func ShardScenarios(all []*scenarios.Scenario, sh Shard) []*scenarios.Scenario {
	var slow, ordinary []*scenarios.Scenario
	for _, sc := range all {
		switch {
		case sc.Serial:
		case slices.Contains(sc.Labels, slowLabel):
			slow = append(slow, sc)
		default:
			ordinary = append(ordinary, sc)
		}
	}
	byName := func(a, b *scenarios.Scenario) int { return strings.Compare(a.Name, b.Name) }
	slices.SortStableFunc(slow, byName)
	slices.SortStableFunc(ordinary, byName)
	load := make([]int, sh.Total)
	var share []*scenarios.Scenario
	deal := func(list []*scenarios.Scenario, weight int) {
		for _, sc := range list {
			lightest := 0
			for k := range load {
				if load[k] < load[lightest] {
					lightest = k
				}
			}
			load[lightest] += weight
			if lightest == sh.Index-1 {
				share = append(share, sc)
			}
		}
	}
	deal(slow, slowWeight)
	deal(ordinary, 1)
	slices.SortStableFunc(share, byName)
	return share
}

// slowLabel marks a scenario that spends its time waiting on the target; slowWeight
// is what it counts for when the shares are balanced: more than a whole catalogue.
const (
	slowLabel  = "slow"
	slowWeight = 1 << 20
)

// SerialScenarios returns the scenarios marked serial: a sharded run plays them in
// the parent after every child finished, with all the accounts.
func SerialScenarios(all []*scenarios.Scenario) []*scenarios.Scenario {
	var serial []*scenarios.Scenario
	for _, sc := range all {
		if sc.Serial {
			serial = append(serial, sc)
		}
	}
	return serial
}

// ShardedRun runs the non-serial scenarios in Total child processes.
type ShardedRun struct {
	Executable string   // the program to re-execute (os.Executable())
	Args       []string // its arguments, without -p (e.g. "run", "--report-dir", ...)
	Total      int
	Target     *target.Target
	Output     io.Writer // each child's output is copied here as one block, in shard order
}

// Run starts the children, waits for them in shard order, prints each one's output
// as a block, and merges their results. A child that ends without writing results
// (a crash, a bad flag) becomes a suite error: the run cannot vouch for its share.
func (r *ShardedRun) Run(ctx context.Context) (*report.Results, error) {
	dir, err := os.MkdirTemp("", "gwsconform-shards-")
	if err != nil {
		return nil, fmt.Errorf("-p %d: the shards write their results into a temporary directory: %w (set TMPDIR to a writable directory, or run with -p 1)", r.Total, err)
	}
	defer os.RemoveAll(dir)
	targetJSON, err := json.Marshal(r.Target)
	if err != nil {
		return nil, fmt.Errorf("encoding the target for the shards: %w", err)
	}

	type child struct {
		cmd     *exec.Cmd
		output  bytes.Buffer
		results string
		started error
	}
	children := make([]*child, r.Total)
	for i := range children {
		sh := Shard{Index: i + 1, Total: r.Total}
		c := &child{results: filepath.Join(dir, fmt.Sprintf("shard-%d.json", sh.Index))}
		c.cmd = exec.CommandContext(ctx, r.Executable, r.Args...)
		c.cmd.Env = append(os.Environ(),
			EnvShard+"="+sh.String(),
			EnvShardTarget+"="+string(targetJSON),
			EnvShardResults+"="+c.results,
		)
		c.cmd.Stdout = &c.output
		c.cmd.Stderr = &c.output
		c.started = c.cmd.Start()
		children[i] = c
	}

	merged := &report.Results{}
	for i, c := range children {
		sh := Shard{Index: i + 1, Total: r.Total}
		var waitErr error
		if c.started != nil {
			waitErr = c.started
		} else {
			waitErr = c.cmd.Wait()
		}
		fmt.Fprintf(r.Output, "\n===== shard %s =====\n", sh)
		r.Output.Write(c.output.Bytes())
		fmt.Fprintf(r.Output, "===== end of shard %s =====\n", sh)
		part, err := report.ReadJSON(c.results)
		if err != nil {
			merged.SuiteErrors = append(merged.SuiteErrors, shardFailure(sh, waitErr, c.output.String()))
			continue
		}
		merged.Merge(part)
	}
	return merged, nil
}

// shardFailure says why a child left no results, with the end of its output.
func shardFailure(sh Shard, waitErr error, output string) string {
	lines := strings.Split(strings.TrimRight(output, "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	why := "exited without writing results"
	if waitErr != nil {
		why = fmt.Sprintf("exited without writing results (%v)", waitErr)
	}
	return fmt.Sprintf("shard %s %s; its last output:\n%s", sh, why, strings.Join(lines, "\n"))
}

// ShardTargetFromEnv reads the target a sharded run's parent passed to this child.
func ShardTargetFromEnv() (*target.Target, error) {
	raw, ok := os.LookupEnv(EnvShardTarget)
	if !ok {
		return nil, errors.New(EnvShardTarget + " is not set (a shard child is started by gwsconform run -p)")
	}
	var t target.Target
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvShardTarget, err)
	}
	return &t, nil
}
