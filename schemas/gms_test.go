package schemas

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gmsSamples maps every file of testdata/gms (see its NORMALISATION.md) to the schemas
// it must satisfy. each names a top-level array whose elements are checked instead of
// the whole document (a sibling product's answer that only shares the message format).
var gmsSamples = map[string]struct {
	schemas []string
	each    string
}{
	"chatapiv2-request-chat-output.json":  {schemas: []string{"gms/request-chat", "gms/answer"}},
	"eswebapi-get-messages-response.json": {schemas: []string{"gms/message"}, each: "messages"},
	"chatapiv2-request-chat-input.form":   {}, // a form body: TestGMSRequestChatInput
}

func TestGMSSamplesValidate(t *testing.T) {
	for file, want := range gmsSamples {
		if len(want.schemas) == 0 {
			continue
		}
		t.Run(file, func(t *testing.T) {
			for _, instance := range gmsInstances(t, file, want.each) {
				for _, schema := range want.schemas {
					if err := Validate(schema, instance); err != nil {
						t.Errorf("testdata/gms/%s: %v", file, err)
					}
				}
				// Tolerance: an unknown property in every object changes nothing.
				if extended, n := withUnknownProperties(instance); n > 0 {
					for _, schema := range want.schemas {
						if err := Validate(schema, extended); err != nil {
							t.Errorf("testdata/gms/%s with an unknown property in each of its %d objects: %v", file, n, err)
						}
					}
				}
			}
		})
	}
}

func TestEveryGMSSampleIsMapped(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "gms", "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if filepath.Base(f) == "NORMALISATION.md" {
			continue
		}
		n++
		if _, ok := gmsSamples[filepath.Base(f)]; !ok {
			t.Errorf("%s is not in gmsSamples", f)
		}
	}
	if n != len(gmsSamples) {
		t.Errorf("%d sample files, %d mapped", n, len(gmsSamples))
	}
}

// The documented Input decodes to the three fields, and the documented Output's
// nickname is firstName and lastName joined by a space.
func TestGMSRequestChatInput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "gms", "chatapiv2-request-chat-input.form"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("firstName") != "First" || form.Get("lastName") != "Last" || form.Get("subject") != "Subject to" || len(form) != 3 {
		t.Errorf("input decodes to %v", form)
	}
	output := gmsInstances(t, "chatapiv2-request-chat-output.json", "")[0].(map[string]any)
	from := output["messages"].([]any)[0].(map[string]any)["from"].(map[string]any)
	if from["nickname"] != form.Get("firstName")+" "+form.Get("lastName") {
		t.Errorf("the sample's nickname %v is not firstName lastName", from["nickname"])
	}
}

// Broken variants of the documented sample: one defect each, caught where it is.
// (testdata/broken holds more, each with its pointer and keyword.)
func TestGMSBrokenVariantsOfTheSample(t *testing.T) {
	sample := func() map[string]any {
		return gmsInstances(t, "chatapiv2-request-chat-output.json", "")[0].(map[string]any)
	}
	message := func(doc map[string]any) map[string]any {
		return doc["messages"].([]any)[0].(map[string]any)
	}
	cases := []struct {
		name, schema, pointer, keyword string
		breakIt                        func(doc map[string]any)
	}{
		{"no statusCode", "gms/answer", "/statusCode", "required", func(d map[string]any) { delete(d, "statusCode") }},
		{"statusCode as a string", "gms/answer", "/statusCode", "type", func(d map[string]any) { d["statusCode"] = "0" }},
		{"no chatId", "gms/request-chat", "/chatId", "required", func(d map[string]any) { delete(d, "chatId") }},
		{"alias as a number", "gms/answer", "/alias", "type", func(d map[string]any) { d["alias"] = json.Number("117") }},
		{"messages not an array", "gms/answer", "/messages", "type", func(d map[string]any) { d["messages"] = map[string]any{} }},
		{"a message without type", "gms/answer", "/messages/0/type", "required", func(d map[string]any) { delete(message(d), "type") }},
		{"utcTime as a string", "gms/answer", "/messages/0/utcTime", "type", func(d map[string]any) { message(d)["utcTime"] = "1432845088000" }},
		{"the GWS type Text", "gms/answer", "/messages/0/type", "enum", func(d map[string]any) { message(d)["type"] = "Text" }},
		{"the customer as Customer", "gms/answer", "/messages/0/from/type", "enum", func(d map[string]any) {
			message(d)["from"].(map[string]any)["type"] = "Customer"
		}},
		{"a Message without text", "gms/answer", "/messages/0/text", "required", func(d map[string]any) { message(d)["type"] = "Message" }},
		{"a refresh without nextPosition", "gms/refresh", "/nextPosition", "required", func(d map[string]any) { d["chatEnded"] = false }},
		{"chatEnded as a string", "gms/answer", "/chatEnded", "type", func(d map[string]any) { d["chatEnded"] = "false" }},
	}
	for _, c := range cases {
		doc := sample()
		c.breakIt(doc)
		err := Validate(c.schema, doc)
		var verr *ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("%s: want a ValidationError from %s, got %v", c.name, c.schema, err)
			continue
		}
		if !hasProblem(verr.Problems, c.pointer, c.keyword) || len(verr.Problems) != 1 {
			t.Errorf("%s: want exactly one %s problem at %s, got:\n%v", c.name, c.keyword, c.pointer, err)
		}
	}
	// Failures need nothing but statusCode (APIResponses: no other field can be
	// assumed valid); the refresh schema asks nothing more of them either.
	for _, failure := range []string{`{"statusCode":1}`, `{"statusCode":2}`, `{"statusCode":2,"chatEnded":true,"statusMessage":"x"}`} {
		for _, schema := range []string{"gms/answer", "gms/refresh", "gms/request-chat"} {
			if err := Validate(schema, []byte(failure)); err != nil {
				t.Errorf("%s %s: %v", schema, failure, err)
			}
		}
	}
}

// gmsInstances decodes a sample: the document, or the elements of its array each.
func gmsInstances(t *testing.T, file, each string) []any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "gms", file))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decode(raw)
	if err != nil {
		t.Fatalf("testdata/gms/%s: %v", file, err)
	}
	if each == "" {
		return []any{doc}
	}
	list, ok := doc.(map[string]any)[each].([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("testdata/gms/%s: no array %q", file, each)
	}
	return list
}
