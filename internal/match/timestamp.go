package match

import (
	"time"

	"gopkg.in/yaml.v3"
)

// timestampMatcher is {$timestamp: true}: a date-time string as GWS writes
// them (2014-01-02T14:23:18.000-0800, 2014-01-09 11:58:12.035+0200, RFC 3339)
// or an integer number of milliseconds since the epoch.
type timestampMatcher struct{}

// timestampLayouts accept fractional seconds even though they do not spell
// them (time.Parse allows that); Z0700 takes "Z" or "-0800", Z07:00 "-08:00".
var timestampLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
}

func init() { register("$timestamp", compileTimestamp) }

func compileTimestamp(c *compiler, n *yaml.Node, ctx context) (matcher, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || !isTrue(n) {
		return nil, errorAt(n, "$timestamp takes true (write {$timestamp: true})")
	}
	return timestampMatcher{}, nil
}

func isTimestamp(s string) bool {
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func (timestampMatcher) match(actual any, st *state, ptr string) error {
	if err := ifMissing(actual, ptr); err != nil {
		return err
	}
	if s, ok := actual.(string); ok {
		if isTimestamp(s) {
			return nil
		}
		return mismatch(ptr, "expected a timestamp (RFC 3339-like or epoch ms), got %s", show(s))
	}
	if n, ok := toNumber(actual); ok {
		if n.integral() && n.i >= 0 {
			return nil
		}
		return mismatch(ptr, "expected a timestamp (epoch ms is a non-negative integer), got %s", show(actual))
	}
	return mismatch(ptr, "expected a timestamp (RFC 3339-like or epoch ms), got %s %s", typeName(actual), show(actual))
}

func (timestampMatcher) flow(w *flowWriter) { w.write("{$timestamp: true}") }

func (timestampMatcher) parts() []matcher { return nil }
