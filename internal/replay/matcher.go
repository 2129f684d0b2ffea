package replay

import (
	"net/url"
	"sort"
	"strings"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// A Matcher is replay's request key, go-vcr's MatcherFunc turned into a key: a live
// change is the one expected next when both reduce to the same key. A replaced matcher
// can compare less (only the method and path) or more (a body field). The key also
// names the request in replay's messages, so it should read well.
type Matcher func(method, path string, body []byte) string

// ShapeMatcher compares what a client sends the same way every run: the method, the
// path with ids replaced by * and the operationName. Redacted values, ids and other
// body fields differ between runs and are not compared.
func ShapeMatcher(method, path string, body []byte) string {
	return requestKey(method, path, fixture.OperationName(body))
}

func requestKey(method, path, op string) string {
	key := method + " " + pathShape(path)
	if op != "" {
		key += " " + op
	}
	return key
}

func (rp *Server) recordedKey(x *fixture.Exchange) string {
	return rp.opts.Matcher(x.Request.Method, x.Request.Path, x.Request.Body.Bytes())
}

// idParents are path segments followed by an id.
var idParents = map[string]bool{"chats": true, "interactions": true, "users": true, "queues": true}

func pathShape(path string) string {
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		if idParents[segs[i-1]] && segs[i] != "" {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// readKey names a resource a GET reads: account, path shape, query keys, credentials.
func readKey(account, method, path, rawQuery, credentials string) string {
	values, _ := url.ParseQuery(rawQuery)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return account + " " + requestKey(method, path, "") + "?" + strings.Join(keys, "&") + " " + credentials
}
