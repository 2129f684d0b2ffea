package recorder

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// encodeCase is one exchange as the recorder builds it: bodies go through makeBody (as
// captured) and the exchange through redaction, so the JSON the encoder embeds is what
// the recorder really hands it.
type encodeCase struct {
	name                   string
	reqBody, respBody      string
	reqType, respType      string
	reqTruncated           bool
	reqHeader, respHeader  http.Header
	path, query, errorText string
	bayeux                 bool
}

func (c encodeCase) exchange(t testing.TB, r *Redactor) *fixture.Exchange {
	t.Helper()
	body := func(s, contentType string, truncated bool) fixture.Body {
		size := int64(len(s))
		if truncated {
			size += 100
		}
		return makeBody([]byte(s), size, truncated, contentType)
	}
	x := &fixture.Exchange{
		Seq: 42, StartMs: 1532.4, DurationMs: 0.000_000_5, AnswerMs: 1e21, Kind: fixture.KindAgent, Account: "agent1",
		Request: fixture.Request{Method: "POST", Host: "127.0.0.1:8090", Path: c.path, Query: c.query, Header: c.reqHeader,
			Body: body(c.reqBody, c.reqType, c.reqTruncated)},
		Response: fixture.Response{Status: 200, Header: c.respHeader, Body: body(c.respBody, c.respType, false)},
		Error:    c.errorText,
	}
	if c.bayeux {
		x.Kind = fixture.KindBayeux
	}
	r.Redact(x)
	return x
}

var tricky = strings.Repeat("Ünïcødé ✓ 𝄞 \u2028\u2029 <b>&amp;</b> \"q\" \\ \x00\x01\x1f\x7f \t\n\r\b\f", 3)

// encodeCases is a function so that its large bodies are not on the heap of every test
// binary run (BenchmarkRecordingProxy reports the heap).
func encodeCases() []encodeCase {
	return []encodeCase{
		{name: "plain agent POST", path: "/api/v2/me/chats/00A1",
			reqBody: `{"operationName":"Accept","nickname":"Alice"}`, reqType: "application/json",
			reqHeader:  http.Header{"Authorization": {"Basic YWdlbnQxOnB3"}, "X-Csrf-Token": {"3F2504E0-4F89"}, "Content-Type": {"application/json"}},
			respBody:   `{"statusCode":0,"referenceId":3}`,
			respHeader: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"JSESSIONID=abcdef123; Path=/; HttpOnly", "B=2"}}},
		{name: "unicode, control characters and HTML in strings and bodies", path: "/api/v2/chats/é\u2028/" + tricky, query: "q=" + tricky,
			reqBody:    `{"text":` + strings.TrimSpace(mustJSON(tricky)) + `,"html":"<a href=\"x\">&</a>"}`,
			reqHeader:  http.Header{"X-" + tricky: {tricky, ""}, "Nil-Values": nil, "Empty": {}},
			respBody:   "plain text " + tricky,
			respHeader: http.Header{}, errorText: tricky},
		{name: "raw line separators and HTML in a JSON body", path: "/p", reqHeader: http.Header{}, respHeader: http.Header{},
			reqBody: "{\"t\":\"a\u2028b\u2029c <i> & \u00e9\"}", respBody: "[\"\u2029\"]"},
		{name: "invalid UTF-8", path: "/a\xff\xfeb", query: "x=\xc3\x28",
			reqBody:    "\xff\xfe binary \x00",
			reqHeader:  http.Header{"X-Bad": {"v\xe2\x82", "\xed\xa0\x80surrogate"}},
			respBody:   `{"text":"ok"}` + "\xff",
			respHeader: nil},
		{name: "pretty JSON is compacted", path: "/p",
			reqBody:   "\n  { \"a\" : [ 1 , 2.50 , -3e10 ],\n\t\"s\" : \"with  spaces\\n\" }\n",
			reqHeader: http.Header{}, respBody: "[ ]", respHeader: http.Header{}},
		{name: "JSON by content type", path: "/p", reqBody: `"a string"`, reqType: "application/json",
			respBody: "17", respType: "application/json; charset=utf-8", reqHeader: http.Header{}, respHeader: http.Header{}},
		{name: "not JSON although it looks like it", path: "/p", reqBody: `{"a":`, respBody: `[1,2,]`,
			reqHeader: http.Header{}, respHeader: http.Header{}},
		{name: "truncated body", path: "/p", reqBody: `{"text":"cut her`, reqTruncated: true,
			reqHeader: http.Header{}, respHeader: http.Header{}},
		{name: "empty bodies", path: "/p", reqHeader: http.Header{}, respHeader: http.Header{}},
		{name: "large body", path: "/p",
			reqBody:   `{"messages":[` + strings.Repeat(`{"index":1,"text":"lorem ipsum <dolor> & sit amet","from":{"nickname":"Ann"}},`, 3000) + `{}]}`,
			reqHeader: http.Header{}, respBody: strings.Repeat("x", 200_000), respHeader: http.Header{}},
		{name: "redacted JSON fields at any depth", path: "/api/v2/chats", query: "secureKey=sk-987654321&index=1",
			reqBody:   `{"userData":{"ssn":"123-45-6789","Password":"pw-12345678"},"list":[{"secureKey":"sk-987654321"}],"note":"<&>"}`,
			reqHeader: http.Header{"Cookie": {"JSESSIONID=js-00001; BAYEUX_BROWSER=bb-00002"}},
			respBody:  `{"secureKey":{"nested":true},"pass\u0077ord":"escaped-key-secret"}`, respHeader: http.Header{}},
		{name: "bayeux exchange", path: DefaultNotificationsPath, bayeux: true,
			reqBody:    `[{"channel":"/meta/connect","clientId":"c1","id":"7","connectionType":"long-polling"}]`,
			reqHeader:  http.Header{"Content-Type": {"application/json"}},
			respBody:   `[{"channel":"/v2/me/chats","data":{"messageType":"ChatStateChangeMessage","text":"a<b","ssn":"1"}},{"channel":"/meta/connect","successful":true,"id":7,"clientId":"c1"},{"channel":"/meta/x","successful":false,"error":"402::x"}]`,
			respHeader: http.Header{"Content-Type": {"application/json"}}},
	}
}

func newTestRedactor(t testing.TB) *Redactor {
	r, err := NewRedactor(RedactRules{JSONPointers: []string{"/userData/ssn", "/ssn"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkSameLine encodes x with the line encoder and with encoding/json.Marshal (what the
// recorder used before) and requires the same bytes: one line of valid JSON.
func checkSameLine(t testing.TB, e *lineEncoder, x *fixture.Exchange) {
	t.Helper()
	want, err := json.Marshal(x)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	got, err := e.exchange(x)
	if err != nil {
		t.Fatalf("lineEncoder.exchange: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("lines differ\n got %s\nwant %s", got, want)
	}
	if bytes.IndexByte(got, '\n') >= 0 || !json.Valid(got) {
		t.Fatalf("not one line of valid JSON: %q", got)
	}
	var decoded fixture.Exchange
	if err := json.Unmarshal(got, &decoded); err != nil {
		t.Fatalf("the line does not decode as an Exchange: %v", err)
	}
	if x.Kind != fixture.KindBayeux {
		return
	}
	for _, m := range fixture.SplitBayeux(x) {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		got, err := e.bayeuxMessage(m)
		if err != nil {
			t.Fatalf("lineEncoder.bayeuxMessage: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Bayeux lines differ\n got %s\nwant %s", got, want)
		}
	}
}

func TestLineEncoderMatchesJSONMarshal(t *testing.T) {
	for _, c := range encodeCases() {
		t.Run(c.name, func(t *testing.T) {
			x := c.exchange(t, newTestRedactor(t))
			checkSameLine(t, &lineEncoder{trustBodies: true}, x)
			checkSameLine(t, &lineEncoder{}, x)
		})
	}
	// One encoder reused across lines, as the writer goroutine does, big line included.
	e := &lineEncoder{trustBodies: true}
	for range 2 {
		for _, c := range encodeCases() {
			checkSameLine(t, e, c.exchange(t, newTestRedactor(t)))
		}
	}
}

// A hook may leave a body that is not compact JSON: an encoder that does not trust the
// bodies compacts it (as json.Marshal does) or refuses it (as json.Marshal does).
func TestLineEncoderChecksUntrustedBodies(t *testing.T) {
	x := encodeCases()[0].exchange(t, newTestRedactor(t))
	x.Request.Body.JSON = []byte(" { \"a\" : \"<b>\" } ")
	checkSameLine(t, &lineEncoder{}, x)
	x.Request.Body.JSON = []byte(`{"a":`)
	if _, err := (&lineEncoder{}).exchange(x); err == nil {
		t.Fatalf("invalid JSON body encoded without error")
	}
}

func TestFloatsAsEncodingJSON(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.001, 0.0015, 1532.4, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21,
		123456789.125, 999999999.999, 1e9, 1e12, -5e-324, 1.7976931348623157e308}
	// Whole microseconds in milliseconds, as the recorder writes its times.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		floats = append(floats, float64(rng.Int64N(1e13)-1e12)/1000, float64(rng.Int64N(1e6))/1000)
	}
	for _, f := range floats {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); !bytes.Equal(got, want) {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
}

// The word-at-a-time test must agree with the byte table on every byte in every position.
func TestPlainASCII8AgreesWithTable(t *testing.T) {
	word := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			w := append([]byte(nil), word...)
			w[pos] = byte(c)
			want := true
			for _, d := range w {
				want = want && d < utf8.RuneSelf && plainASCII[d]
			}
			if got := plainASCII8(string(w)); got != want {
				t.Fatalf("%q: plainASCII8 = %v, want %v", w, got, want)
			}
		}
	}
	// Mixed words, drawn mostly from the bytes around the boundaries, where borrows between
	// bytes could confuse a word-wide test.
	edges := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '#', '%', '&', '\'', ';', '<', '=', '>', '?', '[', '\\', ']', 0x7f, 0x80, 0x81, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1_000_000 {
		w := make([]byte, 8)
		want := true
		for i := range w {
			if rng.IntN(4) == 0 {
				w[i] = byte(rng.IntN(256))
			} else {
				w[i] = edges[rng.IntN(len(edges))]
			}
			want = want && w[i] < utf8.RuneSelf && plainASCII[w[i]]
		}
		if got := plainASCII8(string(w)); got != want {
			t.Fatalf("%q: plainASCII8 = %v, want %v", w, got, want)
		}
	}
}

// FuzzEncodeExchange builds exchanges from arbitrary strings and bodies, the way the
// recorder does, and requires the line encoder's line to be the json.Marshal line: both
// decode to the same value (and are in fact the same bytes).
func FuzzEncodeExchange(f *testing.F) {
	for _, c := range encodeCases() {
		f.Add(c.path, c.query, "X-Test", tricky, c.reqBody, c.respBody, c.reqType, c.reqTruncated, c.bayeux)
	}
	f.Add("/p", "", "Cookie", "a=b; c", `{"password":"x"}`, `{"secureKey":"y"}`, "", false, false)
	f.Fuzz(func(t *testing.T, path, query, headerName, headerValue, reqBody, respBody, contentType string, truncated, bayeux bool) {
		c := encodeCase{path: path, query: query, reqBody: reqBody, respBody: respBody, reqType: contentType,
			respType: contentType, reqTruncated: truncated, bayeux: bayeux, errorText: headerValue,
			reqHeader:  http.Header{headerName: {headerValue}, "Authorization": {"Basic " + headerValue}},
			respHeader: http.Header{http.CanonicalHeaderKey(headerName): {headerValue, headerName}}}
		x := c.exchange(t, newTestRedactor(t))
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		got, err := (&lineEncoder{trustBodies: true}).exchange(x)
		if err != nil {
			t.Fatalf("lineEncoder: %v", err)
		}
		var wantV, gotV any
		if err := json.Unmarshal(want, &wantV); err != nil {
			t.Fatalf("json.Marshal line does not decode: %v", err)
		}
		if err := json.Unmarshal(got, &gotV); err != nil {
			t.Fatalf("encoder line does not decode: %v\n%q", err, got)
		}
		if !reflect.DeepEqual(gotV, wantV) {
			t.Fatalf("decoded lines differ\n got %s\nwant %s", got, want)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("lines differ\n got %s\nwant %s", got, want)
		}
	})
}
