package refserver

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// Fuzz targets for the reference server's request decoding: agent REST bodies,
// Bayeux message arrays and customer requests. Each input runs against a fresh
// server (fuzz_world_test.go) and must be answered, well formed, within callLimit
// and within allocLimit. Their seeds run under plain `go test`; to fuzz:
//
//	go test -run '^$' -fuzz FuzzAgentOperation -fuzztime 60s ./internal/refserver

// agentRoutes are the agent POST endpoints, chosen by FuzzAgentOperation's first
// argument.
var agentRoutes = []struct{ dialect, path string }{
	{string(gws.DialectChats), "/api/v2/me/chats/" + phChat},
	{string(gws.DialectInteractions), "/api/v2/me/interactions/" + phChat},
	{string(gws.DialectAgent), "/api/v2/me"},
	{string(gws.DialectAgent), "/api/v2/me/channels/chat"},
}

// opBody is an operation with every parameter any operation reads, so each
// operation's own checks are reached from its name alone.
func opBody(name string) []byte {
	return fmt.Appendf(nil, `{"operationName":%q,"nickname":"Alice","text":"hi","url":"http://x.test/",`+
		`"targetUri":"%s","agentId":"%s","userData":{"k":"v"},"keys":["k"],"disposition":"Resolved","eventId":1}`,
		name, phAgent2URI, phAgent2)
}

func FuzzAgentOperation(f *testing.F) {
	bodies := catalogueBodies(f)
	for r, rt := range agentRoutes {
		for _, b := range bodies[rt.dialect] {
			stage := uint8(stageChatting)
			if strings.Contains(string(b), `"Accept"`) || strings.Contains(string(b), `"Reject"`) {
				stage = stageInvited
			}
			f.Add(uint8(r), stage, b)
		}
	}
	for r, ops := range []map[string]chatOp{chatOperations, interactionOps()} {
		for _, name := range slices.Sorted(mapKeys(ops)) {
			for _, stage := range []uint8{stageConference, stageLeftChat} {
				f.Add(uint8(r), stage, opBody(name))
			}
		}
	}
	for _, b := range seedRequests(f) {
		f.Add(uint8(0), uint8(stageChatting), b)
		f.Add(uint8(1), uint8(stageChatting), b)
	}
	for _, id := range []string{`"2"`, `""`, `"x"`, `-1`, `1.5`, `true`, `1e300`, `[1]`} {
		f.Add(uint8(1), uint8(stageChatting), []byte(`{"operationName":"RequestChatHistory","eventId":`+id+`}`)) // interactions only
	}
	for _, h := range hostileBodies {
		f.Add(uint8(0), uint8(stageChatting), []byte(h))
	}
	f.Fuzz(func(t *testing.T, route, stage uint8, body []byte) {
		w := newFuzzWorld(t, stage)
		rt := agentRoutes[int(route)%len(agentRoutes)]
		body = fill(body, w)
		r := w.request(http.MethodPost, fill(rt.path, w), "agent1", body)
		rec, n := w.measure(r)
		checkREST(t, "POST "+rt.path, rec)
		if limit := allocLimit(len(body)); n > limit {
			t.Fatalf("POST %s with a %d-byte body allocated %d bytes (limit %d)", rt.path, len(body), n, limit)
		}
	})
}

func interactionOps() map[string]chatOp {
	ops := map[string]chatOp{}
	for name, op := range interactionOperations {
		ops[name] = op.run
	}
	return ops
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// bayeuxSeeds are the message arrays a CometD client sends, plus the odd shapes a
// lenient or broken one might.
var bayeuxSeeds = []string{
	`[{"channel":"/meta/handshake","version":"1.0","minimumVersion":"1.0","supportedConnectionTypes":["long-polling"],"id":"1"}]`,
	`[{"channel":"/meta/handshake","supportedConnectionTypes":["websocket"]}]`,
	`{"channel":"/meta/handshake"}`,
	`[{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling","id":"2","advice":{"timeout":0}}]`,
	`[{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling","id":"3"}]`,
	`[{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/v2/me/**","id":"4"},` +
		`{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling"},` +
		`{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling"}]`,
	`[{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/meta/connect"},` +
		`{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/a/*/b"},` +
		`{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/other"}]`,
	`[{"channel":"/meta/unsubscribe","clientId":"$CLIENT","subscription":"/v2/me/chats"}]`,
	`[{"channel":"/meta/disconnect","clientId":"$CLIENT"},{"channel":"/meta/connect","clientId":"$CLIENT"}]`,
	`[{"channel":"/v2/me/chats","clientId":"$CLIENT","data":{"x":1}},{"channel":"/service/x","clientId":"$CLIENT","data":null}]`,
	`[{"channel":"/meta/bogus","clientId":"$CLIENT"},{"clientId":"$CLIENT"},{"channel":""}]`,
	`[{"channel":"/meta/connect","clientId":"nope"},{"channel":"/meta/subscribe","clientId":"nope","subscription":"/v2/me/chats"}]`,
	`[{"channel":"/meta/handshake","ext":{"a":[1,{"b":null}]},"advice":{"timeout":-1,"interval":1e300}}]`,
	`[{"channel":"/meta/connect","clientId":"$CLIENT","advice":{"timeout":"0"}}]`,
	`[null]`, `[1,"x",[]]`, `[{"channel":7}]`,
}

func FuzzNotifications(f *testing.F) {
	for _, b := range catalogueBodies(f)["bayeux"] {
		f.Add(false, b)
	}
	for _, s := range bayeuxSeeds {
		f.Add(false, []byte(s))
		f.Add(true, []byte(s))
	}
	for _, h := range hostileBodies {
		f.Add(false, []byte(h))
	}
	f.Fuzz(func(t *testing.T, connected bool, body []byte) {
		w := newFuzzWorld(t, stageInvited)
		if connected {
			// The first connect after a handshake is answered at once; after it, a
			// fuzzed connect is held (up to fuzzHold) as a real one would be.
			w.bayeuxOK(fill(`[{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling"}]`, w))
		}
		body = fill(body, w)
		rec, n := w.measure(w.request(http.MethodPost, "/api/v2/notifications", "agent1", body))
		checkBayeux(t, "POST /api/v2/notifications", rec)
		if limit := allocLimit(len(body)); n > limit {
			t.Fatalf("a %d-byte Bayeux body allocated %d bytes (limit %d)", len(body), n, limit)
		}
	})
}

// customerRoutes are the customer endpoints, chosen by FuzzCustomerRequest's first
// argument; GETs take the fuzzed query, POSTs the fuzzed body.
var customerRoutes = []struct{ method, path string }{
	{http.MethodPost, "/api/v2/chats"},
	{http.MethodPost, "/api/v2/chats/" + phChat},
	{http.MethodGet, "/api/v2/chats/" + phChat},
	{http.MethodGet, "/api/v2/chats/" + phChat + "/messages"},
}

var customerQueries = []string{
	"secureKey=$KEY", "index=1&secureKey=$KEY", "index=3", "index=0", "index=-1",
	"index=99999999999999999999", "index=1e3", "index=%zz", "secureKey=wrong", "secureKey=",
	"secureKey=$KEY&secureKey=other", ";;&&==", "index=\x00",
}

func FuzzCustomerRequest(f *testing.F) {
	for _, b := range catalogueBodies(f)[string(gws.DialectCustomer)] {
		route := uint8(1)
		if strings.Contains(string(b), `"RequestChat"`) {
			route = 0
		}
		f.Add(route, uint8(stageChatting), "", b)
	}
	for _, stage := range []uint8{stageInvited, stageLeftChat} {
		for _, op := range []string{"SendMessage", "SendStartTypingNotification", "SendStopTypingNotification", "Complete"} {
			f.Add(uint8(1), stage, "", fmt.Appendf(nil, `{"operationName":%q,"text":"hi","secureKey":"$KEY"}`, op))
		}
	}
	f.Add(uint8(0), uint8(stageChatting), "", []byte(`{"operationName":"RequestChat","nickname":"N","userData":{"RouteTo":["agent2","queue2"]}}`))
	f.Add(uint8(0), uint8(stageChatting), "", []byte(`{"operationName":"RequestChat","nickname":"N","userData":{"RouteTo":[1]}}`))
	f.Add(uint8(0), uint8(stageChatting), "", []byte(`{"operationName":"RequestChat","nickname":"N","userData":{"RouteTo":" , "}}`))
	for i, q := range customerQueries {
		f.Add(uint8(2+i%2), uint8(i%stageCount), q, []byte(nil))
	}
	for _, h := range hostileBodies {
		f.Add(uint8(0), uint8(stageChatting), "", []byte(h))
		f.Add(uint8(1), uint8(stageChatting), "", []byte(h))
	}
	f.Fuzz(func(t *testing.T, route, stage uint8, query string, body []byte) {
		w := newFuzzWorld(t, stage)
		rt := customerRoutes[int(route)%len(customerRoutes)]
		if rt.method == http.MethodGet {
			body = nil
		}
		body = fill(body, w)
		r := w.request(rt.method, fill(rt.path, w), "", body)
		r.URL.RawQuery = fill(query, w) // set raw: any bytes, as a client could send them
		rec, n := w.measure(r)
		checkREST(t, rt.method+" "+rt.path, rec)
		if limit := allocLimit(len(body) + len(r.URL.RawQuery)); n > limit {
			t.Fatalf("%s %s with %d bytes of body and query allocated %d bytes (limit %d)",
				rt.method, rt.path, len(body)+len(r.URL.RawQuery), n, limit)
		}
	})
}

// TestFuzzSeedsAreReadable guards the seed sources: a renamed seed directory or an
// empty catalogue would otherwise quietly shrink the fuzzers to their hand seeds.
func TestFuzzSeedsAreReadable(t *testing.T) {
	bodies := catalogueBodies(t)
	for _, kind := range []string{string(gws.DialectChats), string(gws.DialectInteractions), string(gws.DialectCustomer), "bayeux"} {
		if len(bodies[kind]) == 0 {
			t.Errorf("the catalogue gives no %s request bodies", kind)
		}
	}
	if paths, _ := filepath.Glob("../../schemas/testdata/seeds/*-request.json"); len(paths) < 5 {
		t.Errorf("only %d seed requests", len(paths))
	}
}
