package runner

import (
	"fmt"
	"github.com/gwsconform/gwsconform/internal/bytesize"
	"sort"
	"strings"
	"time"
)

// timeline is what an actor received, aligned with what was expected: the body of
// a notification failure report.
type timeline struct {
	actor    string
	kind     string        // "notifications" or "transcript"
	deadline time.Duration // since the scenario's start; 0 = no deadline line
	entries  []timelineEntry
	missing  []missingEntry
}

type timelineEntry struct {
	seq     int           // 0-based position in the stream
	at      time.Duration // arrival since the scenario's start
	summary string
	mark    string // matched FILE:LINE / unexpected / out of order / late ...; "" = nothing to say
}

type missingEntry struct {
	place   string // FILE:LINE of the expectation
	matcher string // Matcher.String()
	closest string // "#3: /chat/state: expected ..."; "" = nothing received to compare
	note    string // e.g. "arrived late as #5"
	vars    string // the values of the variables the matcher uses; "" = it uses none
}

// summaryWidth caps the summary column so marks stay aligned on long summaries.
const summaryWidth = 64

// A timeline shows at most timelineRows entries and timelineBytes of them: a
// flooding target can fill a stream with thousands of notifications
// (maxStreamEvents), and a report that repeats them all helps nobody and grows
// the console, results.json and report.html of every failure by megabytes. The
// rows kept are the first and the last ones and, between them, those with
// something to say (matched, late, forbidden ...) before the plain ones; every
// gap says how many were left out.
const (
	timelineRows  = 200
	timelineHead  = 20 // rows always kept from the start
	timelineTail  = 40 // and from the end
	timelineBytes = 64 << 10
)

// renderTimeline renders tl as aligned text:
//
//	alice's notifications (seconds since the scenario started):
//	  #1  +0.012s  ChannelStateChangeMessageV2 chat=Ready
//	  #2  +0.310s  ChatStateChangeMessage StatusChange Invited 000A   matched consult.yaml:12
//	  ---------    deadline +5.310s
//	  #3  +5.402s  MessageLogUpdated NewMessages [Text/All]           late: fits consult.yaml:14
//	missing:
//	  consult.yaml:14  {notificationType: ParticipantsUpdated}
//	      closest: #2: /notificationType: expected "ParticipantsUpdated", got "StatusChange"
func renderTimeline(tl timeline) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s's %s (seconds since the scenario started):\n", tl.actor, tl.kind)
	if len(tl.entries) == 0 {
		b.WriteString("  (nothing received)\n")
	}
	kept := keptRows(tl.entries)
	width := 0
	for i, e := range tl.entries {
		if kept[i] {
			width = max(width, min(len([]rune(e.summary)), summaryWidth))
		}
	}
	deadlineShown := tl.deadline == 0
	left := 0 // entries left out since the last row written
	flush := func() {
		if left > 0 {
			fmt.Fprintf(&b, "  ... %d more %s not shown\n", left, tl.kind)
			left = 0
		}
	}
	for i, e := range tl.entries {
		if !kept[i] {
			left++
			continue
		}
		if b.Len() > timelineBytes {
			left += len(tl.entries) - i
			fmt.Fprintf(&b, "  ... %d more %s not shown (the timeline is cut at %s)\n", left, tl.kind, bytesize.Format(int64(timelineBytes)))
			left = 0
			deadlineShown = true
			break
		}
		flush()
		if !deadlineShown && e.at > tl.deadline {
			fmt.Fprintf(&b, "  %-4s %9s  deadline\n", "----", "+"+formatOffset(tl.deadline))
			deadlineShown = true
		}
		summary := clip(e.summary, summaryWidth)
		line := fmt.Sprintf("  %-4s %9s  %s", fmt.Sprintf("#%d", e.seq+1), "+"+formatOffset(e.at), summary)
		if e.mark != "" {
			line += strings.Repeat(" ", width-len([]rune(summary))) + "   " + clip(e.mark, 4*summaryWidth)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	flush()
	if !deadlineShown {
		fmt.Fprintf(&b, "  %-4s %9s  deadline\n", "----", "+"+formatOffset(tl.deadline))
	}
	if len(tl.missing) > 0 {
		b.WriteString("missing:\n")
		for _, m := range tl.missing {
			fmt.Fprintf(&b, "  %s  %s\n", m.place, m.matcher)
			if m.vars != "" {
				fmt.Fprintf(&b, "      where %s\n", m.vars)
			}
			if m.note != "" {
				fmt.Fprintf(&b, "      %s\n", m.note)
			}
			if m.closest != "" {
				fmt.Fprintf(&b, "      closest: %s\n", m.closest)
			} else if m.note == "" {
				b.WriteString("      nothing received to compare with\n")
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// keptRows chooses the entries a timeline shows when there are more than
// timelineRows: the first timelineHead and the last timelineTail, then the
// marked ones between, those with a specific mark first (a match, a late or
// forbidden one) and the plain "unexpected" ones after, in stream order.
func keptRows(entries []timelineEntry) []bool {
	kept := make([]bool, len(entries))
	if len(entries) <= timelineRows {
		for i := range kept {
			kept[i] = true
		}
		return kept
	}
	budget := timelineRows
	keep := func(i int) {
		if !kept[i] && budget > 0 {
			kept[i] = true
			budget--
		}
	}
	for i := range timelineHead {
		keep(i)
	}
	for i := len(entries) - timelineTail; i < len(entries); i++ {
		keep(i)
	}
	for _, plain := range []bool{false, true} {
		for i, e := range entries {
			if e.mark != "" && isPlainMark(e.mark) == plain {
				keep(i)
			}
		}
	}
	return kept
}

// isPlainMark reports whether a mark only says an event fits nothing: the kind a
// flood produces by the thousand.
func isPlainMark(mark string) bool {
	switch mark {
	case "unexpected", "after the deadline", "(before setup ended)":
		return true
	}
	return false
}

// maxTraceBytes bounds one scenario's trace (Runner.Log, which the suite prints
// for a failed scenario): a catalogue scenario writes 5 KiB (at most 11 KiB); a
// flooding target made one line per junk notification, hundreds of MB on the
// console.
const maxTraceBytes = 64 << 10

// writeTrace writes one trace line, until the scenario's trace reaches
// maxTraceBytes; then it says so once and drops the rest. The caller holds logMu.
func (rn *run) writeTrace(line string) {
	if rn.traced >= maxTraceBytes {
		return
	}
	at := "+" + formatOffset(time.Since(rn.start))
	n, _ := fmt.Fprintf(rn.r.Log, "%9s  %s\n", at, line)
	rn.traced += n
	if rn.traced >= maxTraceBytes {
		fmt.Fprintf(rn.r.Log, "%9s  ... the trace of this scenario is cut at %s; the rest is not shown\n", at, bytesize.Format(int64(maxTraceBytes)))
	}
}

func clip(s string, limit int) string {
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return string(r[:limit-3]) + "..."
}

// summarize renders a notification or transcript message in one short line:
// what kind it is and the fields people look for first.
func summarize(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return clip(compactJSON(v), summaryWidth)
	}
	var parts []string
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	str := func(x any) string { s, _ := x.(string); return s }
	if mt := str(m["messageType"]); mt != "" {
		add(mt)
		add(str(m["notificationType"]))
		if chat := asObject(m["chat"]); len(chat) > 0 {
			add(str(chat["state"]))
		}
		for _, c := range asSlice(m["channels"]) {
			ch := asObject(c)
			add(str(ch["channel"]) + "=" + str(asObject(ch["userState"])["state"]))
		}
		if msgs := asSlice(m["messages"]); len(msgs) > 0 {
			var kinds []string
			for _, x := range msgs {
				msg := asObject(x)
				kinds = append(kinds, str(msg["type"])+"/"+str(msg["visibility"]))
			}
			add("[" + strings.Join(kinds, " ") + "]")
		}
		if ref, ok := m["referenceId"]; ok {
			add("ref=" + stringify(ref))
		}
		if e := str(m["errorMessage"]); e != "" {
			add(fmt.Sprintf("error=%q", e))
		}
		return strings.Join(parts, " ")
	}
	// A transcript message.
	if idx, ok := m["index"]; ok {
		add("index=" + stringify(idx))
	}
	add(str(m["type"]))
	from := asObject(m["from"])
	if len(from) > 0 {
		add("from=" + str(from["type"]) + ":" + str(from["nickname"]))
	}
	add(str(m["visibility"]))
	if text := str(m["text"]); text != "" {
		add(fmt.Sprintf("%q", clip(text, 24)))
	}
	if len(parts) == 0 {
		return clip(compactJSON(v), summaryWidth)
	}
	return strings.Join(parts, " ")
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// buildTimeline lists the actor's events with marks: the matches recorded so far,
// overridden by the marks given.
func (rn *run) buildTimeline(a actor, events []event, marks map[int]string) timeline {
	c := a.core()
	tl := timeline{actor: a.name(), kind: a.traits().timeline}
	for _, e := range events {
		mark := marks[e.seq]
		switch {
		case mark != "":
		case c.matched[e.seq] != "":
			mark = "matched " + c.matched[e.seq]
		case e.seq < c.origin:
			mark = "(before setup ended)"
		}
		tl.entries = append(tl.entries, timelineEntry{seq: e.seq, at: e.at.Sub(rn.start), summary: summarize(e.value), mark: mark})
	}
	sort.Slice(tl.entries, func(i, j int) bool { return tl.entries[i].seq < tl.entries[j].seq })
	return tl
}
