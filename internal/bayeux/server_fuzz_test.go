package bayeux

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The server's request decoding, fuzzed: any body must be answered (no panic, no
// hang), well formed, with one reply per message, allocating within fuzzAllocLimit.
// The seeds run under plain `go test`; to fuzz:
//
//	go test -run '^$' -fuzz FuzzServerRequest -fuzztime 60s ./internal/bayeux

// fuzzClientID in an input is replaced by a live session's clientId, so the fuzzer
// reaches subscribe, connect, publish and disconnect rather than only 402s.
const fuzzClientID = "$CLIENT"

var serverFuzzSeeds = []string{
	`[{"channel":"/meta/handshake","version":"1.0","minimumVersion":"1.0","supportedConnectionTypes":["long-polling","callback-polling"],"id":"1"}]`,
	`{"channel":"/meta/handshake","supportedConnectionTypes":["websocket"],"ext":{"ack":true}}`,
	`[{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling","id":"2"}]`,
	`[{"channel":"/meta/connect","clientId":"$CLIENT","advice":{"timeout":0}},{"channel":"/meta/connect","clientId":"$CLIENT"}]`,
	`[{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/a/**"},{"channel":"/a/b/c","clientId":"$CLIENT","data":{"x":[1,2]}},` +
		`{"channel":"/meta/connect","clientId":"$CLIENT","connectionType":"long-polling"}]`,
	`[{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/a/*"},{"channel":"/a/*","clientId":"$CLIENT","data":1},` +
		`{"channel":"/service/echo","clientId":"$CLIENT","data":"x"},{"channel":"/a","clientId":"$CLIENT"}]`,
	`[{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"/meta/connect"},{"channel":"/meta/subscribe","clientId":"$CLIENT","subscription":"a//b"},` +
		`{"channel":"/meta/subscribe","clientId":"$CLIENT"},{"channel":"/meta/unsubscribe","clientId":"$CLIENT"}]`,
	`[{"channel":"/meta/unsubscribe","clientId":"$CLIENT","subscription":"/a"},{"channel":"/meta/disconnect","clientId":"$CLIENT"},{"channel":"/meta/connect","clientId":"$CLIENT"}]`,
	`[{"channel":"/meta/bogus","clientId":"$CLIENT"},{"channel":""},{},{"channel":"/meta/connect","clientId":"other"}]`,
	`[{"channel":"/a","clientId":"$CLIENT","data":{"deep":[[[[{}]]]]},"ext":{"e":[1,"2",null,true]},"successful":true,"advice":{"interval":-5}}]`,
	`[null]`, `[1,"x",[]]`, `[{"channel":7}]`, `[{"data":"\ud800"}]`, "", "[]", "{", "[{}]]", "\xef\xbb\xbf[]",
}

func FuzzServerRequest(f *testing.F) {
	for _, s := range serverFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// A held connect is bounded by Timeout: 5ms keeps such inputs quick.
		s := NewServer(ServerOptions{Timeout: 5 * time.Millisecond})
		defer s.Close()
		hs := fuzzServe(t, s, []byte(`[{"channel":"/meta/handshake","supportedConnectionTypes":["long-polling"]}]`))
		var replies []Message
		if err := json.Unmarshal(hs.Body.Bytes(), &replies); err != nil || len(replies) != 1 || replies[0].ClientID == "" {
			t.Fatalf("fixture handshake: %s", hs.Body)
		}
		body = bytes.ReplaceAll(body, []byte(fuzzClientID), []byte(replies[0].ClientID))
		// The pre-decoding count must agree with the decoder, or the message cap
		// would refuse (or let through) the wrong requests.
		if msgs, err := decodeMessages(body); err == nil {
			if n, _ := countJSON(body); n != len(msgs) {
				t.Fatalf("countJSON counts %d messages, the decoder %d: %q", n, len(msgs), body)
			}
		}

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rec := fuzzServe(t, s, body)
		runtime.ReadMemStats(&after)
		if n, limit := after.TotalAlloc-before.TotalAlloc, fuzzAllocLimit(len(body)); n > limit {
			t.Fatalf("a %d-byte body allocated %d bytes (limit %d)", len(body), n, limit)
		}
		checkServerAnswer(t, body, rec)
	})
}

// fuzzAllocLimit: a fixed allowance plus 32 bytes per body byte, room for decoding
// into interfaces (ext) while catching amplification; a 1 MiB body may cost 36 MiB.
func fuzzAllocLimit(bodyLen int) uint64 { return 4<<20 + 32*uint64(bodyLen) }

// fuzzServe runs one POST through the handler, failing if it does not return
// within 10s (a held connect lasts 5ms) or panics.
func fuzzServe(t *testing.T, s *Server, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "http://bayeux.test/cometd", bytes.NewReader(body))
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		s.ServeHTTP(rec, r)
	}()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("ServeHTTP panicked on %q: %v", body, p)
		}
	case <-timer.C:
		t.Fatalf("ServeHTTP did not return within 10s on %q", body)
	}
	return rec
}

// checkServerAnswer: a 200 answer is a JSON array holding exactly one reply per
// request message, in the server's order (connect last) with channel and id
// echoed; anything else is an HTTP error with a JSON body saying why.
func checkServerAnswer(t *testing.T, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%d answered with Content-Type %q", rec.Code, ct)
	}
	if rec.Code != http.StatusOK {
		var e map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error"] == nil || rec.Code < 400 || rec.Code > 599 {
			t.Fatalf("%d answer is not a JSON error: %s", rec.Code, rec.Body)
		}
		return
	}
	msgs, err := decodeMessages(body)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("200 for a body the decoder refuses (%v): %q", err, body)
	}
	var out []Message
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("200 answer is not an array of messages (%v): %.300s", err, rec.Body)
	}
	// The server answers messages in order but holds the first connect to the end;
	// later connects are refused in place.
	var want []Message
	var connect *Message
	for i, m := range msgs {
		if m.Channel == ChannelConnect && connect == nil {
			connect = &msgs[i]
			continue
		}
		want = append(want, m)
	}
	if connect != nil {
		want = append(want, *connect)
	}
	var got []Message
	for _, m := range out {
		if m.Successful != nil {
			got = append(got, m)
		} else if m.Channel == "" || m.IsMeta() {
			t.Fatalf("event without a channel or on a meta channel: %.300s", rec.Body)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d replies to %d messages: %.300s", len(got), len(want), rec.Body)
	}
	for i := range want {
		if got[i].Channel != want[i].Channel || got[i].ID != want[i].ID {
			t.Fatalf("reply %d is %q id %q, want %q id %q: %.300s", i, got[i].Channel, got[i].ID, want[i].Channel, want[i].ID, rec.Body)
		}
	}
}

// batch is n copies of one message as a JSON array.
func batch(unit string, n int) []byte {
	return []byte("[" + strings.TrimSuffix(strings.Repeat(unit+",", n), ",") + "]")
}

// TestServerLargeRequestsStayBounded sends the bodies a fuzzer rarely builds by
// chance: the most messages, or the most decoded values, that fit in the 1 MiB body
// cap. Before the message and container caps, 1 MiB of `{}` cost 828 MiB and a
// 25 MB reply, and 1 MiB of handshakes 128 MiB and 35,000 sessions.
func TestServerLargeRequestsStayBounded(t *testing.T) {
	fill := func(prefix, unit, suffix string) []byte {
		n := (MaxRequestBody - len(prefix) - len(suffix) - 64) / (len(unit) + 1) // 64: room for $CLIENT
		return []byte(prefix + strings.TrimSuffix(strings.Repeat(unit+",", n), ",") + suffix)
	}
	cases := []struct {
		name     string
		body     []byte
		status   int
		error    string // in the HTTP error's text
		sessions int    // live sessions afterwards, the fixture's included
	}{
		{"1 MiB of empty messages", fill("[", "{}", "]"), 400, "messages in one request; at most 1000", 1},
		{"1 MiB of handshakes", fill("[", `{"channel":"/meta/handshake"}`, "]"), 400, "at most 1000", 1},
		{"1 MiB of objects in one ext", fill(`[{"channel":"/meta/handshake","ext":{"x":[`, "{}", "]}}]"), 400, "JSON objects and arrays in one request; at most 10000", 1},
		{"the most handshakes served", batch(`{"channel":"/meta/handshake"}`, MaxRequestMessages), 200, "", 1 + MaxRequestMessages},
		{"one handshake too many", batch(`{"channel":"/meta/handshake"}`, MaxRequestMessages+1), 400, "1001 messages", 1},
		{"a publish of 1 MiB of data", fill(`[{"channel":"/a","clientId":"$CLIENT","data":[`, "0", "]}]"), 200, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer(ServerOptions{Timeout: 5 * time.Millisecond})
			defer s.Close()
			hs := fuzzServe(t, s, []byte(`[{"channel":"/meta/handshake"}]`))
			var replies []Message
			if err := json.Unmarshal(hs.Body.Bytes(), &replies); err != nil || len(replies) != 1 {
				t.Fatalf("fixture handshake: %s", hs.Body)
			}
			body := bytes.ReplaceAll(tc.body, []byte(fuzzClientID), []byte(replies[0].ClientID))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rec := fuzzServe(t, s, body)
			runtime.ReadMemStats(&after)
			n := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte body: HTTP %d, %d-byte answer, allocated %.1f MiB, %d sessions", len(body), rec.Code, rec.Body.Len(), float64(n)/(1<<20), s.Sessions())
			checkServerAnswer(t, body, rec)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.error) {
				t.Errorf("want %d with %q, got %d: %.300s", tc.status, tc.error, rec.Code, rec.Body)
			}
			if limit := fuzzAllocLimit(len(body)); n > limit {
				t.Errorf("allocated %.1f MiB (limit %.1f MiB)", float64(n)/(1<<20), float64(limit)/(1<<20))
			}
			if got := s.Sessions(); got != tc.sessions {
				t.Errorf("%d sessions afterwards, want %d", got, tc.sessions)
			}
		})
	}
}

// TestCountJSON pins the pre-decoding count on the shapes the cap depends on.
func TestCountJSON(t *testing.T) {
	for _, tc := range []struct {
		body               string
		messages, contains int
	}{
		{``, 0, 0}, {`[]`, 0, 1}, {` [ ] `, 0, 1}, {`{}`, 1, 1}, {`[{}]`, 1, 2}, {`[{},{}]`, 2, 3},
		{`[1,"a,b",[2,3],{"k":[4]}]`, 4, 4}, {`[{"s":"\"],[{"}, {}]`, 2, 3}, {`["\\",{}]`, 2, 2}, {`null`, 0, 0},
	} {
		if m, c := countJSON([]byte(tc.body)); m != tc.messages || c != tc.contains {
			t.Errorf("countJSON(%s) = %d messages, %d containers; want %d, %d", tc.body, m, c, tc.messages, tc.contains)
		}
	}
}
