package recorder

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// scanJSON must agree with json.Valid on every input, and call a valid value compact
// exactly when json.Compact leaves it unchanged.
func checkScanJSON(t *testing.T, data []byte) {
	t.Helper()
	valid, compact := scanJSON(data)
	if want := json.Valid(data); valid != want {
		t.Fatalf("scanJSON(%q) valid = %v, json.Valid says %v", data, valid, want)
	}
	if !valid {
		return
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatalf("json.Compact(%q): %v", data, err)
	}
	if want := bytes.Equal(buf.Bytes(), data); compact != want {
		t.Fatalf("scanJSON(%q) compact = %v, but json.Compact gives %q", data, compact, buf.Bytes())
	}
}

var scanJSONCases = []string{
	``, ` `, `{}`, `[]`, `{ }`, `[ ]`, ` {}`, `{} `, `{}x`, `{}{}`, `{`, `}`, `[`, `]`, `[}`, `{]`,
	`{"a":1}`, `{"a" :1}`, `{"a": 1}`, `{"a":1 }`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{1:2}`,
	`[1,2,3]`, `[1, 2]`, `[1,]`, `[,1]`, `[1 2]`, `[[[]]]`, `[{"a":[{}]}]`, `{"a":{"b":{}}}`,
	`"x"`, `"`, `"\"`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u00"`,
	`"\x"`, "\"a\tb\"", "\"a\x1fb\"", "\"\xff\xfe\"", `"é"`, `" spaces inside "`, `"a\u2028"`,
	`0`, `-0`, `01`, `-`, `-a`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e10`,
	`123456789012345678901234567890`, `1true`, `[1true]`, `true`, `false`, `null`, `tru`, `nul`,
	`truex`, `True`, `NULL`, "\t\n\r {}\r\n", "{\"a\":\n1}", `{"a":[1,{"b":null}],"c":"d"}`,
	`{"operationName":"SendMessage","text":"Hello, how can I help you today?"}`,
	strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
	strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth),
	strings.Repeat(`{"a":`, maxJSONDepth) + "{}" + strings.Repeat("}", maxJSONDepth),
	strings.Repeat("[", maxJSONDepth-1) + "[ ]" + strings.Repeat("]", maxJSONDepth-1),
}

func TestScanJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range scanJSONCases {
		checkScanJSON(t, []byte(c))
	}
}

func FuzzScanJSON(f *testing.F) {
	for _, c := range scanJSONCases {
		if len(c) < 200 {
			f.Add([]byte(c))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkScanJSON(t, data) })
}

func BenchmarkScanJSON(b *testing.B) {
	body := []byte(`{"statusCode":0,"referenceId":17,"chat":{"id":"0001AaBbCcDd","state":"Chatting","capabilities":["Complete","Leave","SendMessage"]}}`)
	b.Run("scanJSON", func(b *testing.B) {
		for b.Loop() {
			scanJSON(body)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(body)
		}
	})
}
