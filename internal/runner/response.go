package runner

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gwsconform/gwsconform/internal/gws"
	"github.com/gwsconform/gwsconform/internal/jsonptr"
	"github.com/gwsconform/gwsconform/internal/target"

	"github.com/gwsconform/gwsconform/internal/scenarios"
	"github.com/gwsconform/gwsconform/schemas"
)

// checkResponse checks an answer against the step's `expect` (or, without one, a
// 2xx status and, for an op, its documented success shape), then against the
// op's JSON Schema. op is nil for a raw request the registry does not know.
//
// The expectation has the step's evidence level: below documented, one that does
// not hold is a deviation and the step goes on. Schema validation is always
// binding.
func (rn *run) checkResponse(step *scenarios.Step, resp *response, expect *scenarios.ResponseExpect, op *gws.Op) error {
	at := fmt.Sprintf("%s:%d", step.File, step.Line)
	if expect != nil {
		at = fmt.Sprintf("%s:%d", expect.File, expect.Line)
	}
	if err := rn.deviate(step.Level, at, rn.checkAnswer(step, resp, expect, op)); err != nil {
		return err
	}
	if op == nil || len(resp.raw) == 0 || isAuthRefusal(resp) {
		return nil
	}
	if resp.decodeErr != nil {
		return targetError(step, "the answer is not JSON: %v", resp.decodeErr).withDetail("received: " + describeResponse(resp))
	}
	schema := answerSchema(*op, resp)
	if err := schemas.Validate(schema, resp.wireBody()); err != nil {
		return invalidPayload(step, err, "the answer").withDetail("received: " + describeResponse(resp))
	}
	return rn.checkVersionStatusCode(step, resp)
}

// checkVersionStatusCode holds a product to the statusCode values of the GWS
// release it claims: the "Return Values" pages document 0-6 in 8.5.0, 0-7 in
// 8.5.1 and 0-20 in 8.5.2 (API-NOTES), so a product claiming 8.5.0 that
// answers 7 answers what its release does not have. Without a claimed release
// any non-negative code passes (the schema's rule).
func (rn *run) checkVersionStatusCode(step *scenarios.Step, resp *response) error {
	version := rn.t.Product.GWSVersion
	highest, claimed := target.GWSVersions[version]
	code, ok := asObject(resp.body)["statusCode"].(float64)
	if !claimed || !ok || code <= float64(highest) {
		return nil
	}
	return targetError(step, "statusCode %v is not a return value of GWS %s (its Return Values page documents 0-%d), the release the product claims (product.gwsVersion)", code, version, highest).
		withDetail("received: " + describeResponse(resp))
}

// checkAnswer applies the step's `expect`, or without one the default: a 2xx
// status and, for an op, its documented success shape.
func (rn *run) checkAnswer(step *scenarios.Step, resp *response, expect *scenarios.ResponseExpect, op *gws.Op) error {
	if expect != nil {
		return rn.checkExpect(step, resp, expect)
	}
	if !is2xx(resp.status) {
		return targetError(step, "expected a 2xx answer, got %s", statusText(resp)).
			withDetail("expected: HTTP 2xx\nreceived: " + describeResponse(resp))
	}
	if op != nil && !successShape(resp.body, op.Shape) {
		return targetError(step, "expected the success answer of %s (%s), got %s", op.Name, successText(op.Shape), answerText(resp, 200)).
			withDetail("expected: HTTP 2xx with " + successText(op.Shape) + "\nreceived: " + describeResponse(resp))
	}
	return nil
}

// isAuthRefusal reports a 401, or a 403 whose body is not JSON: a refusal of
// the credentials or the CSRF token, not an operation's answer. No page says what
// its body holds (a container's own error page is common), so the op's schemas do
// not apply; a scenario checks it with `expect` if it wants.
func isAuthRefusal(resp *response) bool {
	return resp.status == http.StatusUnauthorized || (resp.status == http.StatusForbidden && resp.decodeErr != nil)
}

// answerSchema is the op's response schema for a success, and the failure shape's
// schema otherwise (a failure answer carries only the code and the message).
func answerSchema(op gws.Op, resp *response) string {
	switch {
	case is2xx(resp.status) && op.ResponseSchema != "":
		return op.ResponseSchema
	case op.Shape == gws.ShapeStatus:
		return "response/status"
	case op.Shape == gws.ShapeGMS:
		return "gms/answer" // every GMS answer, whatever its HTTP status

	default:
		return "response/status-code"
	}
}

// checkExpect applies an explicit `expect` block.
func (rn *run) checkExpect(step *scenarios.Step, resp *response, expect *scenarios.ResponseExpect) error {
	place := fmt.Sprintf("%s:%d", expect.File, expect.Line)
	if expect.Status != nil {
		parts, err := rn.matchValue(expect.Status, resp.status, rn.vars)
		rn.recordParts(step, step.Level, place, "HTTP status", parts)
		if err != nil {
			if !isMismatch(err) {
				return matchProblem(step, err)
			}
			return targetError(step, "HTTP status: %v", err).
				withDetail(fmt.Sprintf("expected (%s): status %s\nreceived: %s", place, expect.Status.String(), describeResponse(resp)))
		}
	}
	names := make([]string, 0, len(expect.Headers))
	for name := range expect.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := expect.Headers[name]
		var actual any
		if values := resp.header.Values(name); len(values) > 0 {
			actual = values[0]
		}
		parts, err := rn.matchValue(m, actual, rn.vars)
		rn.recordParts(step, step.Level, place, "header "+name, parts)
		if err != nil {
			if !isMismatch(err) {
				return matchProblem(step, err)
			}
			return targetError(step, "header %s: %v", name, err).
				withDetail(fmt.Sprintf("expected (%s): header %s %s\nreceived: %q", place, name, m.String(), resp.header.Get(name)))
		}
	}
	if expect.Body != nil {
		if resp.decodeErr != nil {
			return targetError(step, "the answer is not JSON: %v", resp.decodeErr).withDetail("received: " + describeResponse(resp))
		}
		parts, err := rn.matchValue(expect.Body, resp.body, rn.vars)
		rn.recordParts(step, step.Level, place, "response body", parts)
		if err != nil {
			if !isMismatch(err) {
				return matchProblem(step, err)
			}
			return targetError(step, "response body: %v", err).
				withDetail(fmt.Sprintf("expected (%s): body %s\nreceived: %s", place, expect.Body.String(), describeResponse(resp)))
		}
	}
	return nil
}

// saveFrom stores values found at JSON pointers of doc; a missing one is the
// target's fault (it left out what the scenario relies on).
func (rn *run) saveFrom(step *scenarios.Step, doc any, save map[string]string, what string) error {
	names := make([]string, 0, len(save))
	for name := range save {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ptr := save[name]
		v, ok := jsonptr.Get(doc, normalizePointer(ptr))
		if !ok {
			return targetError(step, "cannot save %s: %s has nothing at %s", name, what, normalizePointer(ptr)).
				withDetail("received: " + abbreviate(compactJSON(doc), 2000))
		}
		rn.vars.Set(name, v)
	}
	return nil
}

func is2xx(status int) bool { return status >= 200 && status < 300 }

// successShape reports whether body is the success answer of a shape.
func successShape(body any, shape gws.Shape) bool {
	obj := asObject(body)
	if shape == gws.ShapeStatus {
		return obj["status"] == "ok"
	}
	code, ok := obj["statusCode"].(float64)
	return ok && code == 0
}

func successText(shape gws.Shape) string {
	if shape == gws.ShapeStatus {
		return `{"status":"ok"}`
	}
	return `{"statusCode":0}`
}

// asObject returns v as a JSON object, or an empty one.
func asObject(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// normalizePointer accepts "/a/b" and the "$.a.b" form some people write.
func normalizePointer(ptr string) string {
	if rest, ok := strings.CutPrefix(ptr, "$"); ok {
		return strings.ReplaceAll(rest, ".", "/")
	}
	return ptr
}

// stringify renders a value inside a URL or header: strings as they are, integral
// numbers without exponent, the rest as JSON.
func stringify(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case nil:
		return ""
	}
	return compactJSON(v)
}

func compactJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
