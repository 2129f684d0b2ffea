package runner

import (
	"context"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/match"
	"github.com/gwsconform/gwsconform/internal/report"
	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// checkRefusal applies `expect: refused`. API-NOTES: "the HTTP answer only means
// the request was processed and sent to a backend server; the outcome arrives as
// a CometD notification", so a refusal is either in the answer (statusCode above
// 0 with a statusMessage; the status shape's error) or, for an agent, an Error
// notification after a statusCode 0 answer, carrying the request's referenceId
// when the answer gave one (seeds 000, 001). Which HTTP status a refusal uses no
// page says, so none is demanded.
func (rn *run) checkRefusal(ctx context.Context, step *scenarios.Step, a actor, resp *response, op *gws.Op, within time.Duration, start time.Time) error {
	if op != nil && len(resp.raw) > 0 && !isAuthRefusal(resp) {
		if resp.decodeErr != nil {
			return targetError(step, "the answer is not JSON: %v", resp.decodeErr).withDetail("received: " + describeResponse(resp))
		}
		if err := schemas.Validate(answerSchema(*op, resp), resp.wireBody()); err != nil {
			return invalidPayload(step, err, "the answer").withDetail("received: " + describeResponse(resp))
		}
	}
	shape := gws.ShapeStatusCode
	if op != nil {
		shape = op.Shape
	}
	if !is2xx(resp.status) || !successShape(resp.body, shape) {
		return rn.deviate(step.Level, where(step), refusalShape(step, resp, shape))
	}
	if !a.traits().notified {
		return rn.deviate(step.Level, where(step), targetError(step, "expected a refusal, got the success answer %s (a customer has no notification channel: the refusal must be in the answer)", abbreviate(string(resp.raw), 200)).
			withDetail("received: "+describeResponse(resp)))
	}
	exp, err := errorNotification(step, asObject(resp.body)["referenceId"])
	if err != nil {
		return scenarioError(step, "building the Error expectation: %v", err)
	}
	err = rn.expectOrdered(ctx, step, a, []scenarios.Expectation{exp}, within, start)
	if outcomeOf(err) == report.Fail {
		return fmt.Errorf("expected a refusal: the answer was statusCode 0 and no Error notification followed (a refusal may be in the answer or an Error notification, API-NOTES): %w", err)
	}
	return err
}

// refusalShape checks a refusal in the answer: documented is a statusCode above
// 0 with a statusMessage (seed 002, Return Values) or seed 002's status error
// with an errorDescription. A 401 or a non-JSON 403 is a refusal too: no page
// documents those bodies.
func refusalShape(step *scenarios.Step, resp *response, shape gws.Shape) error {
	if isAuthRefusal(resp) || len(resp.raw) == 0 && !is2xx(resp.status) {
		return nil
	}
	body := asObject(resp.body)
	if shape == gws.ShapeStatus {
		if _, ok := body["errorDescription"].(string); body["status"] == "error" && ok {
			return nil
		}
		return targetError(step, `expected a refusal {"status":"error","errorDescription":...}, got %s`, abbreviate(string(resp.raw), 200)).
			withDetail("received: " + describeResponse(resp))
	}
	code, _ := body["statusCode"].(float64)
	if shape == gws.ShapeGMS && code >= 1 {
		return nil // APIResponses: for 1 and 2 no other field can be assumed valid
	}
	if _, ok := body["statusMessage"].(string); code >= 1 && ok {
		return nil
	}
	return targetError(step, `expected a refusal {"statusCode": above 0, "statusMessage": ...}, got %s`, abbreviate(string(resp.raw), 200)).
		withDetail("received: " + describeResponse(resp))
}

// errorNotification is the Error notification an asynchronous refusal sends:
// with the answer's referenceId when it carried one.
func errorNotification(step *scenarios.Step, referenceID any) (scenarios.Expectation, error) {
	src := "{messageType: ChatStateChangeMessage, notificationType: Error}"
	if referenceID != nil {
		src = fmt.Sprintf("{messageType: ChatStateChangeMessage, notificationType: Error, referenceId: %s}", compactJSON(referenceID))
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		return scenarios.Expectation{}, err
	}
	m, err := match.Compile(&n)
	if err != nil {
		return scenarios.Expectation{}, err
	}
	return scenarios.Expectation{File: step.File, Line: step.Line, Match: m, Level: step.Level}, nil
}
