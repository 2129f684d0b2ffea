package runner

import (
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/refserver"
	"github.com/gwsconform/gwsconform/internal/report"
)

// The reference server answers a start with a channel it lacks by partial
// success, statusCode 7: a return value of 8.5.1 and later, not of 8.5.0.
const partialStart = `name: start with a channel the server lacks
refs: [notes/start-session]
actors:
  alice: agent
steps:
  - alice:
      op: StartContactCenterSession
      body: {channels: [chat, voice]}
      expect: {body: {statusCode: {$type: integer}}}
`

func TestAStatusCodeOutsideTheClaimedReleaseFails(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    report.Outcome
	}{
		{"", report.Pass},
		{"8.5.1", report.Pass},
		{"8.5.2", report.Pass},
		{"8.5.0", report.Fail},
	} {
		tg := embedded(t, refserver.Config{})
		tg.Product.GWSVersion = tc.version
		res := play(t, tg, loadScenario(t, partialStart))
		if res.Outcome != tc.want {
			t.Errorf("gwsVersion %q: %s (%s), want %s", tc.version, res.Outcome, res.Reason, tc.want)
		}
		if tc.want == report.Fail && !strings.Contains(res.Reason, "statusCode 7 is not a return value of GWS 8.5.0") {
			t.Errorf("reason %q does not say which value and release", res.Reason)
		}
	}
}
