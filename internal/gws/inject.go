package gws

import (
	"maps"
	"net/url"
	"reflect"
	"strings"
)

// RoutingField, in Op.Injected, stands for userData[routing key]: the routing
// hint of RequestChat, whose key each target configures.
const RoutingField = "userData.{routeKey}"

// DefaultRouteKey is the userData key naming who a customer chat is for, when
// the target does not configure another.
const DefaultRouteKey = "RouteTo"

// Injection holds what the harness fills into an operation's request: the
// values of the fields Op.Injected and Op.InjectedQuery name. An empty value
// is not filled in.
type Injection struct {
	Nickname  string // RequestChat's nickname: the customer actor's
	SecureKey string // the customer's secureKey, once RequestChat handed one out
	RouteKey  string // the target's routing key; "" = DefaultRouteKey
	Route     string // RequestChat's routing hint (userData[RouteKey]); "" = none
	UserID    string // GMS: the userId of the customer's last answer
	Alias     string // GMS: the alias of the customer's last answer (it may change)
}

func (in Injection) routeKey() string {
	if in.RouteKey == "" {
		return DefaultRouteKey
	}
	return in.RouteKey
}

// value is what field gets in a request of op.
func (in Injection) value(op Op, field string) string {
	switch field {
	case "operationName":
		if op.IsGMS() {
			return "" // the GMS path names the operation
		}
		return op.Name
	case "nickname":
		return in.Nickname
	case "secureKey":
		return in.SecureKey
	case "userId":
		return in.UserID
	case "alias":
		return in.Alias
	case RoutingField:
		return in.Route
	}
	return ""
}

// Inject fills the fields of Op.Injected that body leaves out. The routing hint
// goes into body's userData, which it creates (or replaces, when it is not an
// object) as needed.
func (o Op) Inject(body map[string]any, in Injection) {
	for _, field := range o.Injected {
		v := in.value(o, field)
		if v == "" {
			continue
		}
		if field != RoutingField {
			if _, set := body[field]; !set {
				body[field] = v
			}
			continue
		}
		userData, _ := body["userData"].(map[string]any)
		if userData == nil {
			userData = map[string]any{}
			body["userData"] = userData
		}
		if _, set := userData[in.routeKey()]; !set {
			userData[in.routeKey()] = v
		}
	}
}

// InjectQuery fills the parameters of Op.InjectedQuery that query leaves out.
func (o Op) InjectQuery(query url.Values, in Injection) {
	for _, param := range o.InjectedQuery {
		if v := in.value(o, param); v != "" && !query.Has(param) {
			query.Set(param, v)
		}
	}
}

// Missing returns the Required entries of o that body lacks, leaving out the
// ones the harness fills in itself: the parameters a step must write.
func (o Op) Missing(body map[string]any) []string {
	var missing []string
	for _, req := range o.Required {
		found := false
		for _, alt := range strings.Split(req, "|") {
			if _, ok := body[alt]; ok || o.injects(alt) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, req)
		}
	}
	return missing
}

func (o Op) injects(field string) bool {
	for _, f := range o.Injected {
		if f == field {
			return true
		}
	}
	return false
}

// StepBody is the body a step of o must write so that the harness sends sent:
// sent without the fields the harness would fill in with the same values. ok
// is false when no step body does: the harness would add a field sent lacks,
// or a required parameter is missing (a negative request, which only a raw
// request can make).
func (o Op) StepBody(sent map[string]any, in Injection) (map[string]any, bool) {
	step := deepCopy(nonNil(sent)).(map[string]any)
	for _, field := range o.Injected {
		v := in.value(o, field)
		if v == "" {
			continue
		}
		if field != RoutingField {
			if step[field] == v {
				delete(step, field)
			}
			continue
		}
		if userData, ok := step["userData"].(map[string]any); ok && userData[in.routeKey()] == v {
			delete(userData, in.routeKey())
			if len(userData) == 0 {
				delete(step, "userData")
			}
		}
	}
	rebuilt := deepCopy(step).(map[string]any)
	o.Inject(rebuilt, in)
	if !reflect.DeepEqual(rebuilt, nonNil(sent)) || len(o.Missing(step)) > 0 {
		return nil, false
	}
	return step, true
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// deepCopy copies decoded JSON, so StepBody leaves the caller's body alone.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := maps.Clone(v)
		for k, c := range out {
			out[k] = deepCopy(c)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, c := range v {
			out[i] = deepCopy(c)
		}
		return out
	}
	return v
}
