package gws

import "strings"

// Identify finds the registered operation a request calls, and the values of
// its path parameters ("chat" for {chat}). path is relative to the target's
// base URL; a query string and a trailing slash are ignored, and a parameter
// segment matches any non-empty segment (a literal id, or a scenario's
// "{{var}}"). A GET is known by its path; a POST also by its body's
// operationName, since many operations share one path: a POST without a
// registered operationName for its path is no operation (false).
func Identify(method, path string, body map[string]any) (Op, map[string]string, bool) {
	path, _, _ = strings.Cut(path, "?")
	if path != "/" {
		path = strings.TrimSuffix(path, "/")
	}
	name, _ := body["operationName"].(string)
	for _, op := range registry {
		if op.Method != method || (method != "GET" && op.Name != name) {
			continue
		}
		if params, ok := matchPath(op.Path, path); ok {
			return op.clone(), params, true
		}
	}
	return Op{}, nil, false
}

// matchPath compares a template with a path segment by segment.
func matchPath(template, path string) (map[string]string, bool) {
	want := strings.Split(template, "/")
	got := strings.Split(path, "/")
	if len(want) != len(got) {
		return nil, false
	}
	params := map[string]string{}
	for i, seg := range want {
		if name, ok := strings.CutPrefix(seg, "{"); ok && strings.HasSuffix(name, "}") {
			if got[i] == "" {
				return nil, false
			}
			params[strings.TrimSuffix(name, "}")] = got[i]
			continue
		}
		if seg != got[i] {
			return nil, false
		}
	}
	return params, true
}
