package specs

import (
	"context"
	"strings"

	"github.com/gwsconform/gwsconform/internal/target"
)

// StartEmbedded starts the embedded reference server and returns its target. The
// entry points pass one in (they build the server's configuration: faults,
// tolerated variations) so the suite itself never imports the reference server.
type StartEmbedded func(ctx context.Context) (t *target.Target, stop func(), err error)

// ResolveTarget builds the run's target from defaults, the target file (if any),
// the GWSCONFORM_* environment and flags. When none of them names a URL it starts
// the embedded reference server and lays the same feature, known-failure and
// timeout settings over its target. embedded says which happened; stop is never nil.
func ResolveTarget(ctx context.Context, file string, flags target.Overrides, start StartEmbedded) (t *target.Target, stop func(), embedded bool, err error) {
	t, err = target.Resolve(file, nil, flags)
	if err != nil {
		return nil, func() {}, false, err
	}
	if t.BaseURL != "" {
		return t, func() {}, false, nil
	}
	emb, stop, err := start(ctx)
	if err != nil {
		return nil, func() {}, true, err
	}
	// The features asked for, less what the server's variations withdraw (its
	// "-feature" entries): a declaration cannot give back what it does not do.
	features := append([]string(nil), t.Features...)
	for _, f := range emb.Features {
		if strings.HasPrefix(f, "-") {
			features = append(features, f)
		}
	}
	emb.Features = features
	emb.KnownFailures, emb.KnownFailuresFrom = t.KnownFailures, t.KnownFailuresFrom
	emb.NotificationTimeout = t.NotificationTimeout
	emb.RequestTimeout = t.RequestTimeout
	emb.Strict = t.Strict
	return emb, stop, true, nil
}
