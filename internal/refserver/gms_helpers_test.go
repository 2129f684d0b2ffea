package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// gmsClient is one customer of GMS Chat API v2: form-encoded POSTs, either encoding.
type gmsClient struct {
	t         *testing.T
	base      string // http://HOST:PORT/genesys/2/chat/{service}
	multipart bool
	chatID    string
	userID    string
	secureKey string
	alias     string
	answers   []obj    // every successful answer so far
	ops       []string // the operation of each ("request-chat" first)
}

// gmsPost posts fields to url in the chosen encoding and decodes the JSON answer.
func gmsPost(t *testing.T, target string, fields url.Values, asMultipart bool) (int, obj) {
	t.Helper()
	var body io.Reader
	contentType := "application/x-www-form-urlencoded"
	if asMultipart {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for name, values := range fields {
			for _, v := range values {
				if err := mw.WriteField(name, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		mw.Close()
		body, contentType = &buf, mw.FormDataContentType()
	} else {
		body = strings.NewReader(fields.Encode())
	}
	return rawPost(t, target, contentType, body)
}

func rawPost(t *testing.T, target, contentType string, body io.Reader) (int, obj) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST %s: Content-Type %q, want application/json", target, ct)
	}
	return resp.StatusCode, decodeBody(t, resp)
}

// gmsRequestChat requests a chat on service with fields and wants statusCode 0.
func gmsRequestChat(t *testing.T, base, service string, fields url.Values, asMultipart bool) *gmsClient {
	t.Helper()
	g := &gmsClient{t: t, base: base + "/genesys/2/chat/" + service, multipart: asMultipart}
	status, got := gmsPost(t, g.base, fields, asMultipart)
	if status != 200 || got["statusCode"] != 0.0 {
		t.Fatalf("request chat %v: %d %v", fields, status, got)
	}
	g.answers, g.ops = append(g.answers, got), append(g.ops, "request-chat")
	g.chatID, _ = got["chatId"].(string)
	g.userID, _ = got["userId"].(string)
	g.secureKey, _ = got["secureKey"].(string)
	g.alias, _ = got["alias"].(string)
	if g.chatID == "" || g.userID == "" || g.secureKey == "" || g.alias == "" {
		t.Fatalf("request chat answer without chatId, userId, secureKey or alias: %v", got)
	}
	return g
}

// routedTo is the form of a request chat for agent (or queue) routeTo.
func routedTo(nickname, routeTo string) url.Values {
	f := url.Values{"nickname": {nickname}, "subject": {"help"}}
	if routeTo != "" {
		f.Set("userData[RouteTo]", routeTo)
	}
	return f
}

// try posts operation op with the session's credentials plus fields.
func (g *gmsClient) try(op string, fields url.Values) (int, obj) {
	g.t.Helper()
	form := url.Values{"userId": {g.userID}, "secureKey": {g.secureKey}, "alias": {g.alias}}
	for k, v := range fields {
		form[k] = v
	}
	return gmsPost(g.t, g.base+"/"+g.chatID+"/"+op, form, g.multipart)
}

// op posts op and wants statusCode 0; the alias of the answer is used from then on.
func (g *gmsClient) op(op string, fields url.Values) obj {
	g.t.Helper()
	status, got := g.try(op, fields)
	if status != 200 || got["statusCode"] != 0.0 {
		g.t.Fatalf("GMS %s %v: want 200 statusCode 0, got %d %v", op, fields, status, got)
	}
	g.answers, g.ops = append(g.answers, got), append(g.ops, op)
	if a, ok := got["alias"].(string); ok {
		g.alias = a
	}
	return got
}

// refuse posts op and wants an HTTP 200 statusCode 2 refusal.
func (g *gmsClient) refuse(op string, fields url.Values) obj {
	g.t.Helper()
	status, got := g.try(op, fields)
	if status != 200 || got["statusCode"] != 2.0 {
		g.t.Fatalf("GMS %s %v: want 200 statusCode 2, got %d %v", op, fields, status, got)
	}
	return got
}

// refresh reads the transcript from position on (0: no transcriptPosition).
func (g *gmsClient) refresh(position int) obj {
	g.t.Helper()
	fields := url.Values{}
	if position > 0 {
		fields.Set("transcriptPosition", fmt.Sprint(position))
	}
	return g.op("refresh", fields)
}

// messages are the messages of an answer.
func messagesOf(t *testing.T, answer obj) []obj {
	t.Helper()
	list, ok := answer["messages"].([]any)
	if !ok {
		t.Fatalf("answer without a messages array: %v", answer)
	}
	out := make([]obj, len(list))
	for i, m := range list {
		out[i] = m.(obj)
	}
	return out
}

// wantMessages checks an answer's messages one by one (subset match).
func wantMessages(t *testing.T, answer obj, want ...obj) {
	t.Helper()
	got := messagesOf(t, answer)
	if len(got) != len(want) {
		t.Fatalf("want %d messages, got %d:\n%s", len(want), len(got), dump(got))
	}
	for i := range want {
		if err := matches(got[i], want[i], fmt.Sprintf("/messages/%d", i)); err != nil {
			t.Fatalf("%v\nwant %s\ngot  %s", err, dumpOne(want[i]), dumpOne(got[i]))
		}
	}
}

func position(t *testing.T, answer obj) int {
	t.Helper()
	n, ok := answer["nextPosition"].(float64)
	if !ok {
		t.Fatalf("answer without nextPosition: %v", answer)
	}
	return int(n)
}

func asJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
