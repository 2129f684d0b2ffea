package gws

import "testing"

func TestUserAgentNamesThePurposeBothWays(t *testing.T) {
	for _, p := range []Purpose{PurposePreflight, PurposeStep, PurposeSetup, PurposePoll, PurposeBarrier, PurposeCleanup, PurposeNotifications} {
		got, ok := PurposeOf(UserAgent(p))
		if !ok || got != p {
			t.Errorf("PurposeOf(UserAgent(%s)) = %q, %v", p, got, ok)
		}
	}
	for _, other := range []string{"", "Go-http-client/1.1", "Mozilla/5.0 (X11)", "gwsconform (setup"} {
		if p, ok := PurposeOf(other); ok {
			t.Errorf("PurposeOf(%q) = %q: not the harness's", other, p)
		}
	}
}
