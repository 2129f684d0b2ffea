package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/jsonptr"
)

func TestRenderTimelineAlignsMarksAndPlacesTheDeadline(t *testing.T) {
	tl := timeline{
		actor:    "alice",
		kind:     "notifications",
		deadline: 5 * time.Second,
		entries: []timelineEntry{
			{seq: 0, at: 12 * time.Millisecond, summary: "ChannelStateChangeMessageV2 chat=Ready"},
			{seq: 1, at: 310 * time.Millisecond, summary: "ChatStateChangeMessage StatusChange Invited", mark: "matched consult.yaml:12"},
			{seq: 2, at: 400 * time.Millisecond, summary: "short", mark: "unexpected"},
			{seq: 3, at: 5400 * time.Millisecond, summary: "MessageLogUpdated NewMessages [Text/All]", mark: "late: fits consult.yaml:14"},
		},
		missing: []missingEntry{
			{place: "consult.yaml:14", matcher: "{notificationType: NewMessages}", note: "arrived late as #4"},
			{place: "consult.yaml:15", matcher: "{notificationType: Error}", closest: `#3: /notificationType: expected "Error", got "X"`},
			{place: "consult.yaml:16", matcher: "{x: 1}"},
		},
	}
	got := renderTimeline(tl)
	want := strings.Join([]string{
		"alice's notifications (seconds since the scenario started):",
		"  #1     +0.012s  ChannelStateChangeMessageV2 chat=Ready",
		"  #2     +0.310s  ChatStateChangeMessage StatusChange Invited   matched consult.yaml:12",
		"  #3     +0.400s  short                                         unexpected",
		"  ----   +5.000s  deadline",
		"  #4     +5.400s  MessageLogUpdated NewMessages [Text/All]      late: fits consult.yaml:14",
		"missing:",
		"  consult.yaml:14  {notificationType: NewMessages}",
		"      arrived late as #4",
		"  consult.yaml:15  {notificationType: Error}",
		`      closest: #3: /notificationType: expected "Error", got "X"`,
		"  consult.yaml:16  {x: 1}",
		"      nothing received to compare with",
	}, "\n")
	if got != want {
		t.Errorf("renderTimeline:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderTimelineEmptyAndDeadlineAfterEverything(t *testing.T) {
	got := renderTimeline(timeline{actor: "carol", kind: "transcript", deadline: time.Second})
	want := "carol's transcript (seconds since the scenario started):\n  (nothing received)\n  ----   +1.000s  deadline"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderTimelineClipsLongSummaries(t *testing.T) {
	long := strings.Repeat("x", 200)
	got := renderTimeline(timeline{actor: "a", kind: "notifications", entries: []timelineEntry{{summary: long, mark: "unexpected"}}})
	if !strings.Contains(got, strings.Repeat("x", summaryWidth-3)+"...   unexpected") {
		t.Errorf("long summary not clipped to %d characters:\n%s", summaryWidth, got)
	}
}

func TestSummarize(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"chat state change", map[string]any{
			"messageType": "ChatStateChangeMessage", "notificationType": "StatusChange", "referenceId": float64(17),
			"chat": map[string]any{"state": "Chatting", "id": "C1"},
		}, "ChatStateChangeMessage StatusChange Chatting ref=17"},
		{"error", map[string]any{
			"messageType": "ChatStateChangeMessage", "notificationType": "Error", "errorMessage": "Operation failed",
		}, `ChatStateChangeMessage Error error="Operation failed"`},
		{"new messages", map[string]any{
			"messageType": "MessageLogUpdated", "notificationType": "NewMessages",
			"messages": []any{
				map[string]any{"type": "ParticipantJoined", "visibility": "Agents"},
				map[string]any{"type": "Text", "visibility": "All"},
			},
		}, "MessageLogUpdated NewMessages [ParticipantJoined/Agents Text/All]"},
		{"channel state", map[string]any{
			"messageType": "ChannelStateChangeMessageV2",
			"channels":    []any{map[string]any{"channel": "chat", "userState": map[string]any{"state": "NotReady"}}},
		}, "ChannelStateChangeMessageV2 chat=NotReady"},
		{"transcript message", map[string]any{
			"index": float64(5), "type": "Text", "visibility": "All", "text": "Hello World",
			"from": map[string]any{"type": "Customer", "nickname": "PersonP"},
		}, `index=5 Text from=Customer:PersonP All "Hello World"`},
		{"not an object", []any{float64(1), "two"}, `[1,"two"]`},
	}
	for _, c := range cases {
		if got := summarize(c.in); got != c.want {
			t.Errorf("%s: summarize = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestNormalizePointer(t *testing.T) {
	doc := map[string]any{"a/b": map[string]any{"list": []any{"x", map[string]any{"id": "y"}}}}
	if v, ok := jsonptr.Get(doc, normalizePointer("/a~1b/list/1/id")); !ok || v != "y" {
		t.Errorf("lookupPointer = %v, %v; want y", v, ok)
	}
	if v, ok := jsonptr.Get(map[string]any{"id": "z"}, normalizePointer("$.id")); !ok || v != "z" {
		t.Errorf("$.id form = %v, %v; want z", v, ok)
	}
}
