package report

import (
	"runtime/debug"
	"time"
)

// Claim is the verdict on one profile: whether the target claims it and, if
// so, whether every scenario of it ran and passed.
type Claim struct {
	Profile     string `json:"profile"`
	Description string `json:"description"`
	Claimed     bool   `json:"claimed"`
	// Certified: claimed, and every scenario of the profile passed (a flaky
	// pass only when the scenario is listed as known flaky).
	Certified bool `json:"certified"`
	// Scenarios are the names of the profile's scenarios in the catalogue,
	// whether or not this run selected them.
	Scenarios []string `json:"scenarios"`
	Passed    int      `json:"passed"`
	// Problems are the scenarios that keep the claim from holding.
	Problems []ClaimProblem `json:"problems,omitempty"`
	// Deviations counts the deviations of the profile's scenarios: listed,
	// never counted against the claim.
	Deviations int `json:"deviations"`
}

// ClaimProblem is one scenario of a profile that did not pass.
type ClaimProblem struct {
	Scenario string `json:"scenario"`
	Outcome  string `json:"outcome"` // skip, error, fail, flaky, known failure, not run
	Reason   string `json:"reason"`
}

// Build names the gwsconform build that wrote the results.
type Build struct {
	Module   string `json:"module,omitempty"`
	Version  string `json:"version,omitempty"`
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	Time     string `json:"time,omitempty"`
}

// ThisBuild reads the running program's build information; the VCS fields
// are empty for a `go run` or a test binary, which the go command does not
// stamp.
func ThisBuild() Build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Build{}
	}
	b := Build{Module: info.Main.Path, Version: info.Main.Version}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			b.Time = s.Value
		}
	}
	return b
}

// RunOptions are the options a run resolved, as a reviewer needs them to
// repeat it: no password, no secret.
type RunOptions struct {
	Scenarios           []string      `json:"scenarios"` // files or directories; empty = the embedded catalogue
	Add                 bool          `json:"add,omitempty"`
	LabelFilter         string        `json:"labelFilter,omitempty"`
	Focus               []string      `json:"focus,omitempty"`
	Skip                []string      `json:"skip,omitempty"`
	Processes           int           `json:"processes"`
	Retries             int           `json:"retries,omitempty"`
	Strict              bool          `json:"strict,omitempty"`
	CustomerAPI         string        `json:"customerAPI,omitempty"` // gws or gms: which customer scenarios the claims hold`
	Faults              []string      `json:"faults,omitempty"`
	Tolerate            []string      `json:"tolerate,omitempty"`
	TargetFile          string        `json:"targetFile,omitempty"`
	Accounts            []string      `json:"accounts"` // usernames only
	Queues              []string      `json:"queues"`
	NotificationTimeout time.Duration `json:"notificationTimeoutNs"`
	RequestTimeout      time.Duration `json:"requestTimeoutNs"`
	KnownFailures       []string      `json:"knownFailures,omitempty"`
	KnownFlaky          []string      `json:"knownFlaky,omitempty"`
}
