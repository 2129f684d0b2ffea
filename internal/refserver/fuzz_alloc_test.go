package refserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// nearMiB builds prefix + unit repeated + suffix, just under the 1 MiB body cap:
// the largest body each endpoint reads, in the shape that costs the most to decode.
func nearMiB(prefix, unit, sep, suffix string) []byte {
	n := (maxBodyBytes - len(prefix) - len(suffix) - 64) / (len(unit) + len(sep))
	var b strings.Builder
	b.Grow(maxBodyBytes)
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(unit)
	}
	b.WriteString(suffix)
	return []byte(b.String())
}

// TestLargeHostileRequestsStayBounded sends each decoder the 1 MiB body a fuzzer
// rarely builds by chance: the cheapest bytes that decode into the most values, or
// that are echoed back escaped. Every one must be answered well formed within
// allocLimit, plus, for a text the server echoes to agents, echoAllowance per agent.
// Before the caps on JSON values and Bayeux messages, 1 MiB of `{}` in a userData
// cost 64 MiB and in a Bayeux array 828 MiB.
func TestLargeHostileRequestsStayBounded(t *testing.T) {
	type body struct{ prefix, unit, sep, suffix string } // nearMiB's parts, placeholders filled first
	cases := []struct {
		name   string
		stage  uint8
		method string
		path   string
		user   string // "" = customer
		query  body
		body   body
		echoes int // agents notified of the body's text
		bayeux bool
	}{
		{name: "AttachUserData of 1 MiB of empty objects", stage: stageConference, method: http.MethodPost, path: "/api/v2/me/chats/$CHAT", user: "agent1",
			body: body{`{"operationName":"AttachUserData","userData":{"k":[`, "{}", ",", `]}}`}},
		{name: "AttachUserData of 1 MiB of keys", stage: stageConference, method: http.MethodPost, path: "/api/v2/me/chats/$CHAT", user: "agent1",
			body: body{`{"operationName":"AttachUserData","userData":{`, `"":0`, ",", `}}`}},
		{name: "DeleteUserData of 1 MiB of keys", stage: stageChatting, method: http.MethodPost, path: "/api/v2/me/chats/$CHAT", user: "agent1",
			body: body{`{"operationName":"DeleteUserData","keys":[`, `""`, ",", `]}`}},
		{name: "SendMessage of 1 MiB of escaped characters", stage: stageConference, method: http.MethodPost, path: "/api/v2/me/chats/$CHAT", user: "agent1",
			body: body{`{"operationName":"SendMessage","text":"`, "<", "", `"}`}, echoes: 2},
		{name: "SendMessage of 1 MiB of plain text", stage: stageConference, method: http.MethodPost, path: "/api/v2/me/chats/$CHAT", user: "agent1",
			body: body{`{"operationName":"SendMessage","text":"`, "a", "", `"}`}, echoes: 2},
		{name: "interactions SendMessage of 1 MiB of escaped characters", stage: stageConference, method: http.MethodPost, path: "/api/v2/me/interactions/$CHAT", user: "agent1",
			body: body{`{"operationName":"SendMessage","text":"`, "<", "", `"}`}, echoes: 2},
		{name: "unknown operationName of 1 MiB, quoted back", stage: stageChatting, method: http.MethodPost, path: "/api/v2/me/chats/$CHAT", user: "agent1",
			body: body{`{"operationName":"`, `\u0001`, "", `"}`}},
		{name: "channels of 1 MiB", stage: stageChatting, method: http.MethodPost, path: "/api/v2/me", user: "agent1",
			body: body{`{"operationName":"StartContactCenterSession","channels":[`, `""`, ",", `]}`}},
		{name: "RequestChat with 1 MiB of userData", stage: stageChatting, method: http.MethodPost, path: "/api/v2/chats",
			body: body{`{"operationName":"RequestChat","nickname":"N","userData":{"k":[`, "{}", ",", `]}}`}},
		{name: "RequestChat routed to 1 MiB of names", stage: stageChatting, method: http.MethodPost, path: "/api/v2/chats",
			body: body{`{"operationName":"RequestChat","nickname":"N","userData":{"RouteTo":"`, "agent1", ",", `"}}`}},
		{name: "customer SendMessage of 1 MiB of escaped characters", stage: stageChatting, method: http.MethodPost, path: "/api/v2/chats/$CHAT",
			body: body{`{"operationName":"SendMessage","secureKey":"$KEY","text":"`, "<", "", `"}`}, echoes: 1},
		{name: "customer transcript with 1 MiB of query", stage: stageChatting, method: http.MethodGet, path: "/api/v2/chats/$CHAT/messages",
			query: body{"secureKey=$KEY", "&index=1", "", ""}},
		{name: "Bayeux array of 1 MiB of empty messages", method: http.MethodPost, path: "/api/v2/notifications", user: "agent1", bayeux: true,
			body: body{"[", "{}", ",", "]"}},
		{name: "Bayeux array of 1 MiB of handshakes", method: http.MethodPost, path: "/api/v2/notifications", user: "agent1", bayeux: true,
			body: body{"[", `{"channel":"/meta/handshake"}`, ",", "]"}},
		{name: "Bayeux array of 1 MiB of subscribes", method: http.MethodPost, path: "/api/v2/notifications", user: "agent1", bayeux: true,
			body: body{"[", `{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/v2/me/x"}`, ",", "]"}},
		{name: "Bayeux array of 1 MiB of publishes", method: http.MethodPost, path: "/api/v2/notifications", user: "agent1", bayeux: true,
			body: body{"[", `{"channel":"/v2/me/x","clientId":"$CLIENT","data":0}`, ",", "]"}},
	}
	build := func(b body, w *fuzzWorld) []byte {
		if b == (body{}) {
			return nil
		}
		return nearMiB(fill(b.prefix, w), fill(b.unit, w), b.sep, fill(b.suffix, w))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newFuzzWorld(t, tc.stage)
			r := w.request(tc.method, fill(tc.path, w), tc.user, build(tc.body, w))
			r.URL.RawQuery = string(build(tc.query, w))
			size := int(r.ContentLength) + len(r.URL.RawQuery)
			// Two collections empty encoding/json's buffer pools (sync.Pool keeps a
			// victim generation): the figure is then the cold, worst case, not one
			// that depends on which case ran before.
			runtime.GC()
			runtime.GC()
			rec, n := w.measure(r)
			if tc.bayeux {
				checkBayeux(t, tc.name, rec)
			} else {
				checkREST(t, tc.name, rec)
			}
			t.Logf("%d-byte request: HTTP %d, %d-byte answer, allocated %.1f MiB", size, rec.Code, rec.Body.Len(), float64(n)/(1<<20))
			if limit := allocLimit(size) + uint64(tc.echoes)*echoAllowance(size); n > limit {
				t.Errorf("allocated %.1f MiB for a %d-byte request (limit %.1f MiB)", float64(n)/(1<<20), size, float64(limit)/(1<<20))
			}
		})
	}
}

// echoAllowance is what notifying one agent of a text may cost: its JSON copy is up
// to 6 bytes a byte (<, > and & are escaped as \u003c), and encoding/json's growing
// buffers allocate some 8 times the copy. This is the cost of the echo, bounded by
// the body cap and the number of agents, not of decoding.
func echoAllowance(bodyLen int) uint64 { return raceFactor() * 48 * uint64(bodyLen) }

// marshalPerLevel is object.MarshalJSON as it was (each value marshalled on its
// own, nested objects included): the reference the single-buffer encoding must
// reproduce byte for byte.
func marshalPerLevel(o object) ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	err := json.Compact(&out, []byte(b.String()))
	return out.Bytes(), err
}

func TestObjectEncodingIsUnchanged(t *testing.T) {
	inner := object{{"text", "<a & b>\u2028\xff"}, {"n", 1}, {"f", 1.5}, {"ok", true}, {"nil", nil}}
	cases := []object{
		nil, {}, inner,
		{{"messages", []object{inner, {}, nil}}, {"none", []object(nil)}, {"empty", []object{}}},
		{{"list", []any{inner, "x", 2, nil, []any{object{{"deep", []object{inner}}}}, map[string]any{"k": []any{1}}}},
			{"nilList", []any(nil)}, {"map", map[string]any{"b": 1, "a": "<"}}, {"strings", []string{"a", "<"}}},
		{{"quoted\"key<", object{{"", ""}}}, {"ints", []int{1, 2}}, {"raw", json.RawMessage(`{"x": [1, 2]}`)}},
	}
	for _, o := range cases {
		want, err := marshalPerLevel(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(o)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("json.Marshal(%#v)\n got %s (%v)\nwant %s", o, got, err, want)
		}
	}
	if _, err := json.Marshal(object{{"bad", func() {}}}); err == nil {
		t.Error("an unencodable value must fail the object's encoding")
	}
}
