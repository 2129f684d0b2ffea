package scenarios

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDeadline(t *testing.T) {
	cases := []struct {
		text  string
		fixed time.Duration
		vars  []string
	}{
		{"2s", 2 * time.Second, nil},
		{"1s + 500ms", 1500 * time.Millisecond, nil},
		{"{{timeout}}ms + 1s", time.Second, []string{"{{timeout}}ms"}},
		{"{{timeout}} + 1s", time.Second, []string{"{{timeout}}"}},
		{" {{ a }}s+{{b}} ", 0, []string{"{{ a }}s", "{{b}}"}},
	}
	for _, c := range cases {
		d, err := ParseDeadline(c.text)
		if err != nil {
			t.Errorf("ParseDeadline(%q): %v", c.text, err)
			continue
		}
		if d.Fixed != c.fixed || !reflect.DeepEqual(d.Vars, c.vars) || d.Text != c.text {
			t.Errorf("ParseDeadline(%q) = %+v, want fixed %s vars %q", c.text, d, c.fixed, c.vars)
		}
	}
	for _, bad := range []string{"", " ", "+1s", "1s +", "5", "-1s", "1s + -2s", "0s", "{{x}}sec", "{{x", "x}}", "1s{{x}}"} {
		if d, err := ParseDeadline(bad); err == nil {
			t.Errorf("ParseDeadline(%q) = %+v, want an error", bad, d)
		}
	}
}

func TestDeadlineResolve(t *testing.T) {
	values := map[string]any{
		"{{timeout}}ms": "1000ms",      // a number inside a longer template becomes text
		"{{timeout}}":   float64(1000), // a whole reference keeps the JSON number
		"{{text}}":      "1500",
		"{{dur}}":       "2s",
		"{{word}}":      "soon",
		"{{negative}}":  -5,
		"{{missing}}":   nil,
	}
	expand := func(term string) (any, error) {
		if term == "{{missing}}" {
			return nil, errors.New("undefined variable {{missing}}")
		}
		return values[term], nil
	}
	good := map[string]time.Duration{
		"{{timeout}}ms + 1s": 2 * time.Second,
		"{{timeout}} + 1s":   2 * time.Second,
		"{{text}}":           1500 * time.Millisecond,
		"{{dur}} + 250ms":    2250 * time.Millisecond,
		"3s":                 3 * time.Second,
	}
	for text, want := range good {
		d, err := ParseDeadline(text)
		if err != nil {
			t.Fatalf("ParseDeadline(%q): %v", text, err)
		}
		got, err := d.Resolve(expand)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", text, got, err, want)
		}
	}
	bad := map[string]string{
		"{{word}} + 1s":    `within "{{word}} + 1s": {{word}} is "soon", neither a duration nor a number of milliseconds`,
		"{{negative}}+1s":  `{{negative}} is -5, neither a duration`,
		"{{missing}} + 1s": "undefined variable {{missing}}",
	}
	for text, want := range bad {
		d, err := ParseDeadline(text)
		if err != nil {
			t.Fatalf("ParseDeadline(%q): %v", text, err)
		}
		got, err := d.Resolve(expand)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve(%q) = %s, %v; want an error containing %q", text, got, err, want)
		}
	}
}

func TestRequestStepWithinLoads(t *testing.T) {
	scs := mustLoad(t, map[string]string{"s.yaml": `
name: request deadlines
refs: [seed-003/accept-answer]
actors: {alice: agent}
steps:
  - alice:
      http: {method: POST, path: /api/v2/notifications, body: [{channel: /meta/handshake}]}
      save: {timeout: /0/advice/timeout}
      within: 2s
  - alice:
      op: Ready
      within: "{{timeout}}ms + 1s"
      then: [{messageType: ChannelStateChangeMessageV2}]
  - alice:
      op: NotReady
      within: 1500ms
  - alice:
      await: {messageType: ChannelStateChangeMessageV2}
      within: 3s
`})
	steps := scs[0].Steps
	if h := actionOf[*HTTPStep](t, steps[0]); h.Within == nil || h.Within.Fixed != 2*time.Second || h.Within.Line != 8 {
		t.Errorf("http step: within %+v, want 2s at line 8", h.Within)
	}
	if op := actionOf[*OpStep](t, steps[1]); op.Within == nil || op.Within.Text != "{{timeout}}ms + 1s" || op.Within.Fixed != time.Second {
		t.Errorf("op step with a variable: within %+v, want the expression (resolved at run time)", op.Within)
	}
	if op := actionOf[*OpStep](t, steps[2]); op.Within == nil || op.Within.Fixed != 1500*time.Millisecond || len(op.Within.Vars) > 0 {
		t.Errorf("op step with a literal: within %+v, want 1.5s", op.Within)
	}
	if aw := actionOf[*AwaitStep](t, steps[3]); aw.Within != 3*time.Second {
		t.Errorf("await step: within %s, want 3s", aw.Within)
	}
	if errs := Lint(scs); len(errs) > 0 {
		t.Errorf("Lint: %v", errs)
	}
}

func TestLintSeesWithinVariables(t *testing.T) {
	got := lintMessages(t, `
name: within variables
refs: [seed-003/accept-answer]
actors: {alice: agent}
steps:
  - alice:
      http: {method: GET, path: /api/v2/me}
      within: "{{timeot}}ms + 1s"
      save: {timeout: /user/id}
  - alice:
      op: GetMe
      within: "{{timeout}} + {{alice.nick}}"
      save: {late: /user/id}
  - alice:
      op: GetMe
      within: "{{late}}ms"
`)
	want := []string{
		`s.yaml:7: undefined variable {{timeot}}: no earlier step saves it and it is not an actor, queue or scenario var`,
		`s.yaml:11: {{alice.nick}}: an actor variable is {{alice.FIELD}} with FIELD one of uri, id, username, nickname, chat, secureKey (did you mean "nickname"?)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lint:\n  got  %q\n  want %q", got, want)
	}
}
