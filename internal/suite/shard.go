package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/internal/target"
)

// Environment of a child of a sharded run (`gwsconform run -p N`). Ginkgo's own
// parallel host lives in the ginkgo CLI, so the harness shards by re-executing
// itself: the parent resolves and preflights the target once (starting the embedded
// server if needed), then starts N children, each with a disjoint share of the
// accounts, that work through one queue of the non-serial scenarios.
const (
	EnvShard        = "GWSCONFORM_SHARD"         // "k/N": this process is child k of N
	EnvShardTarget  = "GWSCONFORM_SHARD_TARGET"  // the resolved target, JSON (never written to disk)
	EnvShardResults = "GWSCONFORM_SHARD_RESULTS" // where the child writes its results.json
	EnvShardClaims  = "GWSCONFORM_SHARD_CLAIMS"  // the directory of the queue's claims (see Claims)
)

// ShardQueue is the order in which the children of a sharded run work through
// the non-serial scenarios: those labelled "slow" first (they wait on the target,
// a connect held for its whole timeout, so starting them early overlaps their
// wait with the others' work), then by name. Every child computes the same queue;
// Claims decides which child plays which scenario.
func ShardQueue(all []*scenarios.Scenario) []*scenarios.Scenario {
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
	return append(slow, ordinary...)
}

// slowLabel marks a scenario that spends its time waiting on the target.
const slowLabel = "slow"

// Claims hands each position of the shard queue to the first child that asks for
// it, so a child that finishes early takes the next scenario instead of idling
// while another works through a fixed share: a target that breaks a step many
// scenarios share makes each of them wait a notification timeout, and a fixed
// split left two of four processes idle after a second while the other two waited
// 156 s. A claim is a file created with O_EXCL in Dir, which the parent removes
// with the run: the children need no channel to the parent or to each other.
type Claims struct {
	Dir string
}

// Take claims queue position i; false means another child has it.
func (c *Claims) Take(i int) (bool, error) {
	f, err := os.OpenFile(filepath.Join(c.Dir, strconv.Itoa(i)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claiming a scenario of the sharded run: %w", err)
	}
	return true, f.Close()
}

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
	Command []string // the program to re-execute and its arguments (Options.ShardCommand)
	Total   int
	Target  *target.Target
	Output  io.Writer // each child's output is copied here as one block, in shard order

	// queue names the scenarios of the shard queue (ShardQueue), for
	// progress, which watches the children claim and finish them.
	queue    []string
	progress *progress
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
		waitErr error
	}
	claims := filepath.Join(dir, "claims")
	if err := os.Mkdir(claims, 0o700); err != nil {
		return nil, fmt.Errorf("-p %d: the shards' queue: %w", r.Total, err)
	}
	children := make([]*child, r.Total)
	for i := range children {
		sh := Shard{Index: i + 1, Total: r.Total}
		c := &child{results: filepath.Join(dir, fmt.Sprintf("shard-%d.json", sh.Index))}
		c.cmd = exec.CommandContext(ctx, r.Command[0], r.Command[1:]...)
		c.cmd.Env = append(os.Environ(),
			EnvShard+"="+sh.String(),
			EnvShardTarget+"="+string(targetJSON),
			EnvShardResults+"="+c.results,
			EnvShardClaims+"="+claims,
		)
		c.cmd.Stdout = &c.output
		c.cmd.Stderr = &c.output
		c.started = c.cmd.Start()
		children[i] = c
	}

	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() { watchClaims(claims, r.queue, r.progress, stop); close(watched) }()
	for _, c := range children {
		if c.started == nil {
			c.waitErr = c.cmd.Wait()
		} else {
			c.waitErr = c.started
		}
	}
	close(stop)
	<-watched
	r.progress.end()

	merged := &report.Results{}
	for i, c := range children {
		sh := Shard{Index: i + 1, Total: r.Total}
		waitErr := c.waitErr
		fmt.Fprintf(r.Output, "\n===== shard %s (what the other shards played shows as skipped) =====\n", sh)
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

// IsShardChild reports whether this process is a child of a sharded run: Run
// then plays the scenarios it claims and writes its results for the parent.
func IsShardChild() bool {
	_, ok := os.LookupEnv(EnvShard)
	return ok
}

// runShardChild is a child of a sharded run: it plays what it claims of the
// selected non-serial scenarios against the parent's target and writes its
// results for the parent, which finishes them.
func runShardChild(o Options) (*report.Results, error) {
	shard, err := ParseShard(os.Getenv(EnvShard))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvShard, err)
	}
	t, err := shardTargetFromEnv()
	if err != nil {
		return nil, err
	}
	path, claims := os.Getenv(EnvShardResults), os.Getenv(EnvShardClaims)
	if path == "" || claims == "" {
		return nil, errors.New(EnvShardResults + " and " + EnvShardClaims + " must be set (a shard child is started by gwsconform run -p)")
	}
	suiteConfig, reporterConfig, _, selected, err := prepare(o)
	if err != nil {
		return nil, err
	}
	selected, _, err = partOf(o, selected)
	if err != nil {
		return nil, err
	}
	reporterConfig.SilenceSkips = true // the scenarios other children claimed
	s := &ginkgoSuite{
		Scenarios: ShardQueue(selected),
		Setup:     fixedTarget(t),
		Shard:     shard,
		Claims:    &Claims{Dir: claims},
		Retries:   o.Retries,
		Bundle:    o.ReportDir,
	}
	results, err := s.run(suiteConfig, reporterConfig)
	if err != nil {
		return nil, err
	}
	return results, results.WriteJSON(path)
}

// shardTargetFromEnv reads the target a sharded run's parent passed to this child.
func shardTargetFromEnv() (*target.Target, error) {
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
