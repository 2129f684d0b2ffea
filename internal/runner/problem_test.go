package runner

import (
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/schemas"
)

// A payload that breaks its schema is the target's failure; a check that
// could not run (here: a schema name that does not exist) is the harness's
// error, never filed against the target.
func TestInvalidPayloadBlamesOnlyWhatTheTargetSent(t *testing.T) {
	broken := schemas.Validate("response/status-code", map[string]any{"statusCode": "zero"})
	if p := invalidPayload(nil, broken, "the answer"); p.outcome != report.Fail || !strings.HasPrefix(p.reason, "the answer ") {
		t.Errorf("an invalid answer: %s %q, want a failure", p.outcome, p.reason)
	}
	unchecked := schemas.Validate("response/no-such-schema", map[string]any{"statusCode": 0})
	if unchecked == nil {
		t.Fatal("an unknown schema name validated")
	}
	if p := invalidPayload(nil, unchecked, "the answer"); p.outcome != report.Error || !strings.Contains(p.reason, "bug of the harness") {
		t.Errorf("an unknown schema: %s %q, want a harness error", p.outcome, p.reason)
	}
}
