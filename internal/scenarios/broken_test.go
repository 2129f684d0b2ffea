package scenarios

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// brokenFiles maps each file of testdata/broken to the exact errors Load
// reports for it; F stands for the file's path.
var brokenFiles = map[string][]string{
	"alias.yaml": {
		"F:6: YAML aliases (*name) are not supported; use a fragment to reuse steps",
	},
	"bad-actor.yaml": {
		"F:4: actors: alice: kind must be agent or customer, got \"agnet\" (did you mean \"agent\"?)",
		"F:5: actors: bob: dialect must be chats or interactions, got \"interaction\" (did you mean \"interactions\"?)",
		"F:6: actors: carol: routeTo \"dave\" is not an agent of this scenario (use \"{{queue1}}\" for a queue)",
	},
	"bad-duration.yaml": {
		"F:3: timeout: bad duration \"5 seconds\" (write e.g. 5s or 500ms)",
		"F:8: alice: within: bad duration the number 5 (write e.g. 5s or 500ms)",
	},
	"bad-within.yaml": {
		"F:7: alice: within: bad duration the number 5 (write e.g. 5s or \"{{timeout}}ms + 1s\")",
		"F:10: alice: within: \"{{timeout}}ms + \" has an empty term (terms are joined by +)",
		"F:13: alice: within: term \"2 seconds\" of \"2 seconds\" is not a duration (write e.g. 5s or 500ms)",
		"F:16: alice: within: term \"{{timeout}}sec\" of \"{{timeout}}sec + 1s\": write a variable as {{name}} or {{name}}UNIT, such as {{timeout}}ms",
		"F:19: alice: within: term \"{{timeout\" of \"{{timeout + 1s\": write a variable as {{name}} or {{name}}UNIT, such as {{timeout}}ms",
		"F:22: alice: within: \"0s + 0ms\" must be positive",
		"F:25: alice: within: bad duration a mapping (write e.g. 5s or \"{{timeout}}ms + 1s\") (quote variable references: \"{{name}}\")",
	},
	"bad-matcher.yaml": {
		"F:6: unknown operator $regexp (did you mean $regex?)",
	},
	"bad-save.yaml": {
		"F:8: save: chat: \"$.id\" is not a JSON pointer (write e.g. /id or /chat/id)",
	},
	"bad-with.yaml": {
		"F:8: with: fragment \"chat-in-progress\" has no parameter \"agnet\" (params: agent, customer) (did you mean \"agent\"?)",
	},
	"duplicate-name.yaml": {
		"F:7: duplicate scenario name \"same name\" (first defined at F:1)",
	},
	"expect-fields.yaml": {
		"F:7: expect: unknown key \"statusCode\" (expect takes status, body and headers; response fields go under body:)",
	},
	"fragment-here.yaml": {
		"F:1: a fragment definition belongs in a fragments/ directory",
	},
	"no-actor-step.yaml": {
		"F:5: step has no actor: \"op\" belongs inside an actor, as in `- alice: {op: ...}`",
	},
	"two-kinds.yaml": {
		"F:7: alice: a step does one thing; \"op\" and \"await\" are both given (make two steps)",
	},
	"unknown-actor.yaml": {
		"F:8: unknown actor \"alcie\" (actors: alice, carol) (did you mean \"alice\"?)",
	},
	"unknown-fragment.yaml": {
		"F:7: unknown fragment \"chat-in-progres\" (fragments: agent-ready, chat-in-progress, conference-joined, consult-joined) (did you mean \"chat-in-progress\"?)",
	},
	"unknown-key.yaml": {
		"F:1: scenario \"typo in a top-level key\" has no actors",
		"F:3: scenario: unknown key \"actor\" (did you mean \"actors\"?)",
	},
	"unquoted-var.yaml": {
		"F:7: alice: chat must be a string, got a mapping (quote variable references: \"{{name}}\")",
	},
	"wrong-key-for-kind.yaml": {
		"F:7: alice: \"then\" is not allowed in an await step (allowed: await, within, save, refs)",
		"F:9: never: from must be here, got \"there\"",
	},
	"wrong-type.yaml": {
		"F:3: serial must be true or false, got the string \"yes\"",
	},
	"yaml-syntax.yaml": {
		"F:5: YAML syntax: did not find expected key",
	},
}

func TestBrokenFilesReportFileLineMessages(t *testing.T) {
	entries, err := os.ReadDir("testdata/broken")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := brokenFiles[e.Name()]; !ok {
			t.Errorf("testdata/broken/%s has no expected errors in brokenFiles", e.Name())
		}
	}
	for name, want := range brokenFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "broken", name)
			scs, err := LoadDisk(false, path)
			if err == nil {
				t.Fatalf("loaded %d scenarios, want errors", len(scs))
			}
			if scs != nil {
				t.Errorf("got scenarios along with errors")
			}
			var got []string
			for _, e := range Errors(err) {
				got = append(got, strings.ReplaceAll(e.Error(), path, "F"))
			}
			sort.Strings(got)
			sorted := append([]string(nil), want...)
			sort.Strings(sorted)
			if strings.Join(got, "\n") != strings.Join(sorted, "\n") {
				t.Errorf("errors:\n  got  %q\n  want %q", got, sorted)
			}
		})
	}
}
