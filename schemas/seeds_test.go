package schemas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedSchemas maps every normalised seed sample (testdata/seeds, see NORMALISATION.md)
// to the schema it must satisfy.
var seedSchemas = map[string]string{
	"000-invite-request.json":                "request/chats",
	"000-invite-response.json":               "response/status-code",
	"000-participants-updated.json":          "notification/chat-state-change",
	"000-new-messages.json":                  "notification/message-log-updated",
	"000-error.json":                         "notification/chat-state-change",
	"001-consult-request.json":               "request/chats",
	"001-consult-response.json":              "response/status-code",
	"001-participants-updated.json":          "notification/chat-state-change",
	"001-new-messages.json":                  "notification/message-log-updated",
	"001-error.json":                         "notification/chat-state-change",
	"002-accept-request.json":                "request/interactions",
	"002-accept-response.json":               "response/status-code",
	"002-accept-failure.json":                "response/status-code",
	"002-invite-user-request.json":           "request/interactions",
	"002-invite-user-response.json":          "response/status",
	"002-invite-user-failure.json":           "response/status",
	"002-end-chat-session-request.json":      "request/interactions",
	"002-end-chat-session-response.json":     "response/status",
	"002-end-chat-session-failure.json":      "response/status",
	"002-send-message-request.json":          "request/interactions",
	"002-send-message-response.json":         "response/status-code",
	"002-send-message-failure.json":          "response/status-code",
	"002-start-typing-request.json":          "request/interactions",
	"002-start-typing-response.json":         "response/status-code",
	"002-start-typing-failure.json":          "response/status-code",
	"002-stop-typing-request.json":           "request/interactions",
	"002-stop-typing-response.json":          "response/status-code",
	"002-stop-typing-failure.json":           "response/status-code",
	"002-request-chat-history-request.json":  "request/interactions",
	"002-request-chat-history-response.json": "response/status-code",
	"002-leave-conference-request.json":      "request/interactions",
	"002-leave-conference-response.json":     "response/status",
	"002-leave-conference-failure.json":      "response/status",
	"003-accept-request.json":                "request/chats",
	"003-accept-response.json":               "response/status-code",
	"003-status-changed.json":                "notification/chat-state-change",
	"003-participants-updated.json":          "notification/chat-state-change",
	"003-history.json":                       "notification/message-log-updated",
	"004-leave-request.json":                 "request/chats",
	"004-leave-response.json":                "response/status-code",
	"004-leave-not-in-conference.json":       "notification/chat-state-change",
	"004-leave-in-conference.json":           "notification/chat-state-change",
}

func TestSeedSamplesValidate(t *testing.T) {
	for file, schema := range seedSchemas {
		t.Run(file, func(t *testing.T) {
			data := readSeed(t, file)
			if err := Validate(schema, data); err != nil {
				t.Errorf("testdata/seeds/%s: %v", file, err)
			}
			// Every notification is also data on a /v2/me/* channel.
			if strings.HasPrefix(schema, "notification/") {
				if err := Validate("notification", data); err != nil {
					t.Errorf("testdata/seeds/%s as notification: %v", file, err)
				}
			}
		})
	}
}

// Each sample file has a row in seedSchemas, so none is silently left untested.
func TestEverySeedSampleIsMapped(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "seeds", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(seedSchemas) {
		t.Errorf("%d sample files, %d mapped", len(files), len(seedSchemas))
	}
	for _, f := range files {
		if _, ok := seedSchemas[filepath.Base(f)]; !ok {
			t.Errorf("%s has no schema in seedSchemas", f)
		}
	}
}

func readSeed(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "seeds", file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
