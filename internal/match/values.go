package match

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwsconform/gwsconform/internal/jsonptr"
)

// number is a numeric value from either side: YAML ints and floats, JSON
// float64 or json.Number, or any Go integer the runner passes (HTTP status).
type number struct {
	isInt bool
	i     int64
	f     float64
}

func toNumber(v any) (number, bool) {
	switch n := v.(type) {
	case float64:
		return floatNumber(n), true
	case float32:
		return floatNumber(float64(n)), true
	case int:
		return number{isInt: true, i: int64(n), f: float64(n)}, true
	case int64:
		return number{isInt: true, i: n, f: float64(n)}, true
	case int32:
		return number{isInt: true, i: int64(n), f: float64(n)}, true
	case int16:
		return number{isInt: true, i: int64(n), f: float64(n)}, true
	case int8:
		return number{isInt: true, i: int64(n), f: float64(n)}, true
	case uint, uint64, uint32, uint16, uint8, uintptr:
		u := reflect.ValueOf(n).Uint()
		if u <= math.MaxInt64 {
			return number{isInt: true, i: int64(u), f: float64(u)}, true
		}
		return number{f: float64(u)}, true
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return number{isInt: true, i: i, f: float64(i)}, true
		}
		if f, err := strconv.ParseFloat(string(n), 64); err == nil {
			return floatNumber(f), true
		}
	}
	return number{}, false
}

// floatNumber keeps exact integers as integers so 3.0 equals 3 and large
// integral values compare exactly.
func floatNumber(f float64) number {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return number{isInt: true, i: int64(f), f: f}
	}
	return number{f: f}
}

func (a number) equal(b number) bool {
	if a.isInt && b.isInt {
		return a.i == b.i
	}
	return a.f == b.f
}

// integral reports whether the number has no fractional part.
func (a number) integral() bool { return a.isInt }

// asObject returns actual as a map when it is a JSON object (or any Go map
// with string keys).
func asObject(actual any) (map[string]any, bool) {
	switch o := actual.(type) {
	case map[string]any:
		return o, true
	case nil, string, bool, float64, json.Number, []any, missingKey:
		return nil, false
	}
	rv := reflect.ValueOf(actual)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		out[it.Key().String()] = it.Value().Interface()
	}
	return out, true
}

// asArray returns actual as a slice when it is a JSON array (or any Go slice
// other than bytes).
func asArray(actual any) ([]any, bool) {
	switch a := actual.(type) {
	case []any:
		return a, true
	case nil, string, bool, float64, json.Number, map[string]any, missingKey, []byte:
		return nil, false
	}
	rv := reflect.ValueOf(actual)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// typeName is the JSON type of a value, as $type names it.
func typeName(v any) string {
	if v == nil {
		return "null"
	}
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case missingKey:
		return "missing"
	}
	if _, ok := toNumber(v); ok {
		return "number"
	}
	if _, ok := asObject(v); ok {
		return "object"
	}
	if _, ok := asArray(v); ok {
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// deepEqual compares two values as JSON: numbers by value, objects by keys.
func deepEqual(a, b any) bool {
	if na, ok := toNumber(a); ok {
		nb, ok := toNumber(b)
		return ok && na.equal(nb)
	}
	switch av := a.(type) {
	case nil:
		return b == nil
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case missingKey:
		return b == missing
	}
	if ao, ok := asObject(a); ok {
		bo, ok := asObject(b)
		if !ok || len(ao) != len(bo) {
			return false
		}
		for k, v := range ao {
			w, ok := bo[k]
			if !ok || !deepEqual(v, w) {
				return false
			}
		}
		return true
	}
	if aa, ok := asArray(a); ok {
		ba, ok := asArray(b)
		if !ok || len(aa) != len(ba) {
			return false
		}
		for i := range aa {
			if !deepEqual(aa[i], ba[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// maxShown bounds how much of an actual value a failure message quotes.
const maxShown = 120

// show renders a value for a failure message: compact JSON, truncated.
func show(v any) string {
	if v == missing {
		return "missing"
	}
	var s string
	if n, ok := toNumber(v); ok {
		s = formatNumber(n)
	} else if b, err := marshal(v); err == nil {
		s = b
	} else {
		s = fmt.Sprint(v)
	}
	return truncate(s, maxShown)
}

// marshal is compact JSON without HTML escaping: failure messages and
// expanded strings should show "<" and "&" as they are.
func marshal(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func formatNumber(n number) string {
	if n.isInt {
		return strconv.FormatInt(n.i, 10)
	}
	return strconv.FormatFloat(n.f, 'g', -1, 64)
}

// truncate cuts s to about limit bytes on a rune boundary.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// child extends a JSON pointer with an object key or array index (RFC 6901 escaping).
func child(ptr string, key string) string {
	return ptr + "/" + jsonptr.Escape(key)
}

func index(ptr string, i int) string { return ptr + "/" + strconv.Itoa(i) }

// where names a pointer for messages that are about an element ("at /a/0").
func where(ptr string) string {
	if ptr == "" {
		return "the value"
	}
	return ptr
}
