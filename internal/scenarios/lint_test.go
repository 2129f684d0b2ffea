package scenarios

import (
	"reflect"
	"testing"

	"github.com/gwsconform/gwsconform/internal/gws"
)

func lintMessages(t *testing.T, scenario string) []string {
	t.Helper()
	scs := mustLoad(t, map[string]string{"s.yaml": scenario})
	var out []string
	for _, e := range Lint(scs) {
		out = append(out, e.Error())
	}
	return out
}

func TestLint(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		want     []string
	}{
		{"clean", `
name: clean
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: {kind: customer, routeTo: [alice]}}
steps:
  - carol: {op: RequestChat, body: {nickname: Carol}, save: {chat: /id}}
  - alice: {await: {notificationType: StatusChange, chat: {id: "{{chat}}", state: Invited}}}
  - alice:
      op: Accept
      chat: "{{chat}}"
      body: {nickname: "{{alice.nickname}}"}
      expect: {body: {statusCode: 0, referenceId: {$save: ref}}}
      then: [{notificationType: StatusChange, referenceId: "{{ref}}", chat: {state: {$oneOf: [Chatting, Invited]}}}]
  - carol: {never: {visibility: Agents}}
`, nil},
		// What the runner fills in or serves is never refused: RequestChat
		// gets the actor's nickname, and {{carol.secureKey}} is a built-in.
		{"what-the-runner-provides", `
name: what-the-runner-provides
refs: [seed-003/accept-answer]
requires: [customer.gws-api]
actors: {alice: agent, carol: {kind: customer, routeTo: [alice]}, dave: {kind: customer, routeTo: [alice]}}
steps:
  - carol: {op: RequestChat, save: {chat: /id}}
  - dave: {op: RequestChat, body: {subject: help}}
  - carol: {http: {method: POST, path: "/api/v2/chats/{{chat}}", body: {operationName: SendMessage, text: hi, secureKey: "{{carol.secureKey}}"}}}
`, nil},
		{"customer-kind", `
name: customer-kind
refs: [notes/customer-get-chat]
actors: {carol: customer}
steps:
  - carol: {op: RequestChat}
  - carol: {op: GetChat}
  - carol: {http: {method: GET, path: /api/v2/chats/x}}
  - carol: {op: refresh, body: {transcriptPosition: 1}}
`, []string{
			"s.yaml:6: carol: GetChat has no GMS Chat API v2 equivalent: add customer.gws-api to requires (customers over GMS skip the scenario)",
			"s.yaml:7: carol: a raw request names one customer API's paths: add customer.gws-api to requires (customers over GMS skip the scenario)",
		}},
		{"operations", `
name: operations
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: customer}
steps:
  - alice: {op: Acept, body: {nickname: A}}
  - alice: {op: RequestChat, body: {nickname: A}}
  - alice: {op: InviteUser, body: {agentId: x}}
  - carol: {op: Accept}
  - alice: {op: Consult, body: {text: hi}}
  - alice: {op: Transfer, body: {text: hi}}
  - alice: {op: SendMessage}
  - alice: {op: GetMe, chat: x, body: {a: 1}}
  - alice: {op: Ready, query: {a: b}}
`, []string{
			`s.yaml:5: alice: unknown operation "Acept" for an agent (dialect chats) (did you mean "Accept"?)`,
			`s.yaml:6: alice: RequestChat is a customer operation; alice is an agent`,
			`s.yaml:7: alice: InviteUser is not in the chats dialect; it is in interactions (add dialect: interactions)`,
			`s.yaml:8: carol: Accept is an agent operation; carol is a customer`,
			`s.yaml:9: alice: Consult: body is missing required parameter(s) targetUri`,
			`s.yaml:10: alice: Transfer: body is missing required parameter(s) targetUri|queueName`,
			`s.yaml:11: alice: SendMessage needs body parameter(s) text`,
			`s.yaml:12: alice: GetMe is a GET: it takes query, not body`,
			`s.yaml:12: alice: GetMe takes no chat (GET /api/v2/me)`,
			`s.yaml:13: alice: Ready is a POST: it takes body, not query`,
		}},
		{"variables", `
name: variables
refs: [seed-003/accept-answer]
vars: {greeting: hello}
actors: {alice: agent, bob: agent}
steps:
  - alice: {op: SendMessage, body: {text: "{{greeting}} {{ref}}"}}
  - alice: {op: Invite, body: {targetUri: "{{bob.url}}"}, save: {ref: /referenceId}}
  - alice: {op: SendMessage, body: {text: "{{ref}} {{queue2}} {{queue1.uri}} {{queue1.name}}"}}
  - alice: {op: SendMessage, body: {text: "{{bob uri}}"}}
  - alice: {await: [{referenceId: {$save: r2}}, {referenceId: "{{r2}}"}]}
  - bob: {never: {referenceId: "{{r3}}"}}
`, []string{
			`s.yaml:6: undefined variable {{ref}}: no earlier step saves it and it is not an actor, queue or scenario var`,
			`s.yaml:7: {{bob.url}}: an actor variable is {{bob.FIELD}} with FIELD one of uri, id, username, nickname, chat, secureKey (did you mean "uri"?)`,
			`s.yaml:8: {{queue1.name}}: a queue variable is {{queue1}} (its name) or {{queue1.uri}}`,
			`s.yaml:9: malformed variable reference {{bob uri}} (names are letters, digits, _ and -, starting with a letter; a dot starts an actor's or a queue's field)`,
			`s.yaml:11: undefined variable {{r3}}: no earlier step saves it and it is not an actor, queue or scenario var (did you mean "r2"?)`,
		}},
		{"unreachable", `
name: unreachable
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: {kind: customer, routeTo: [alice]}}
steps:
  - carol: {op: RequestChat, body: {nickname: C}}
  - carol: {await: {notificationType: NewMessages}}
  - carol: {await: {type: Text, visibility: Agents}}
  - alice: {op: GetMe, then: {notificationType: StatusChange}}
  - alice: {op: Complete, chat: x}
  - alice: {await: {notificationType: StatusChange}}
  - alice: {op: Ready}
  - alice: {await: {notificationType: StatusChange}}
  - carol: {op: Complete}
  - carol: {unordered: [{type: Text}]}
`, []string{
			`s.yaml:6: carol: "notificationType" is a field of agent notifications; a customer's stream holds transcript messages (index, type, from, text, visibility, ...)`,
			`s.yaml:7: carol: a customer never receives messages with visibility Agents; use never to prove it`,
			`s.yaml:8: alice: then can never match: GetMe causes no notification for the caller`,
			`s.yaml:10: alice: await can never be met: alice completed the chat at s.yaml:9 (step 5)`,
			`s.yaml:14: carol: unordered can never be met: carol completed the chat at s.yaml:13 (step 9)`,
		}},
		{"refused-complete-keeps-the-chat", `
name: refused-complete-keeps-the-chat
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: {kind: customer, routeTo: [alice]}}
steps:
  - carol: {op: RequestChat, body: {nickname: C}, save: {chat: /id}}
  - alice: {await: {notificationType: StatusChange, chat: {state: Invited}}}
  - alice: {op: Complete, chat: "{{chat}}", expect: {status: {$range: [400, 499]}}}
  - alice: {op: Accept, chat: "{{chat}}", body: {nickname: A}, then: [{notificationType: StatusChange}]}
  - alice: {op: Complete, chat: "{{chat}}"}
  - alice: {op: Accept, chat: "{{chat}}", body: {nickname: A}, then: [{notificationType: StatusChange}]}
`, nil},
		{"enums", `
name: enums
refs: [seed-003/accept-answer]
actors: {alice: agent, carol: customer}
steps:
  - alice:
      await:
        - {notificationType: StatusChanged, chat: {state: Chating, participants: [{type: Agnet}]}}
        - {messageType: MessageLogUpdate, messages: {$contains: [{type: Txt, visibility: {$oneOf: [All, Everyone]}}]}}
        - {channels: [{userState: {state: Busy}}]}
  - carol: {never: {type: Joined, from: {type: Bot}}}
`, []string{
			`s.yaml:7: notificationType "StatusChanged" can never match: documented values are StatusChange, ParticipantsUpdated, PropertiesUpdated, Error, NewMessages (did you mean "StatusChange"?)`,
			`s.yaml:7: chat state "Chating" can never match: documented values are Invited, Chatting, LeftChat, Completed, Revoked (did you mean "Chatting"?)`,
			`s.yaml:7: participant type "Agnet" can never match: documented values are Agent, Customer, Supervisor, External (did you mean "Agent"?)`,
			`s.yaml:8: messageType "MessageLogUpdate" can never match: documented values are ChatStateChangeMessage, MessageLogUpdated, ChannelStateChangeMessageV2 (did you mean "MessageLogUpdated"?)`,
			`s.yaml:8: message type "Txt" can never match: documented values are Text, ParticipantJoined, ParticipantLeft, ParticipantRejoined, TypingStarted, TypingStopped, PushUrl, Notice, TranscriptSaveDone, CustomNotice, NicknameUpdated (did you mean "Text"?)`,
			`s.yaml:8: visibility "Everyone" can never match: documented values are All, Agents, Supervisors`,
			`s.yaml:9: agent state "Busy" can never match: documented values are Ready, NotReady`,
			`s.yaml:10: message type "Joined" can never match: documented values are Text, ParticipantJoined, ParticipantLeft, ParticipantRejoined, TypingStarted, TypingStopped, PushUrl, Notice, TranscriptSaveDone, CustomNotice, NicknameUpdated (did you mean "ParticipantJoined"?)`,
			`s.yaml:10: participant type "Bot" can never match: documented values are Agent, Customer, Supervisor, External`,
		}},
		{"evidence levels", `
name: evidence levels
refs: [seed-003/accept-answer, wire/reference-id]
actors: {alice: agent, carol: {kind: customer, routeTo: [alice]}}
steps:
  - carol: {op: RequestChat, body: {nickname: Carol}, save: {chat: /id}}
  - alice:
      refs: [wire/routing]
      await: {notificationType: StatusChange, chat: {id: "{{chat}}", state: Invited, uri: {$save: uri}}}
  - alice:
      op: Accept
      chat: "{{chat}}"
      body: {nickname: Alice}
      expect: {body: {statusCode: 0, referenceId: {$reference: {$save: ref}}}}
      then:
        - {notificationType: StatusChange, referenceId: "{{ref}}", chat: {uri: "{{uri}}"}}
        - match: {notificationType: ParticipantsUpdated, referenceId: "{{ref}}"}
          refs: [wire/reference-id]
        - match: {notificationType: NewMessages}
          refs: [seed 003 Accept]
  - carol: {never: {visibility: {$reference: Agents}}}
`, []string{
			`s.yaml:1: refs: refs mix evidence levels: documented (seed-003/accept-answer) and reference (wire/reference-id); cite the weaker ones on the steps or expectations they back`,
			`s.yaml:15: {{ref}} is saved only by a check of reference evidence (s.yaml:13), which may deviate and leave it unsaved; a documented check cannot use it (save it in a documented check, or cite this one's evidence as reference)`,
			`s.yaml:15: {{uri}} is saved only by a check of reference evidence (s.yaml:8), which may deviate and leave it unsaved; a documented check cannot use it (save it in a documented check, or cite this one's evidence as reference)`,
			`s.yaml:18: refs: ref "seed 003 Accept" names no statement of internal/evidence/statements.yaml (gwsconform coverage lists them)`,
			`s.yaml:20: carol: $inferred and $reference cannot be used inside never (a waived part would widen what is forbidden); cite the item's evidence with refs instead`,
		}},
		{"feature statements", `
name: feature statements
refs: [feature/reject-reroutes]
actors: {alice: agent}
steps:
  - alice: {op: Ready}
`, []string{
			`s.yaml:1: feature/reject-reroutes states what a target declaring routing.reject-reroutes does: add routing.reject-reroutes to requires`,
		}},
		{"scenario level", `
name: scenario level
requires: [chats.consult, chats.conference]
actors: {alice: agent}
steps:
  - alice: {never: {referenceId: {$save: x}}}
`, []string{
			`s.yaml:1: requires: unknown feature "chats.conference" (features: chats, chats.agents-only, chats.consult, chats.disposition, chats.invite, chats.transfer, chats.url, chats.userdata, customer, customer.gms, customer.gws-api, customer.secure-key, errors.async, errors.sync-unknown-target, interactions, notifications, queues, routing.reject-reroutes)`,
			`s.yaml:1: scenario "scenario level" has no refs: name the statements it checks (ids of internal/evidence/statements.yaml)`,
			`s.yaml:5: alice: never cannot save (x): it matches nothing`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintMessages(t, c.scenario)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("lint errors:")
				for _, g := range got {
					t.Errorf("  got  %s", g)
				}
				for _, w := range c.want {
					t.Errorf("  want %s", w)
				}
			}
		})
	}
}

// Lint must not trust hand-built scenarios either.
func TestLintHandBuiltSteps(t *testing.T) {
	sc := &Scenario{Name: "x", File: "x.yaml", Line: 1, Refs: []string{"t"},
		Actors: []Actor{{Name: "alice", Kind: KindAgent, Dialect: gws.DialectChats}},
		Steps:  []Step{{File: "x.yaml", Line: 3, Index: 1}, {Actor: "zed", File: "x.yaml", Line: 4, Index: 2}, {Actor: "alice", File: "x.yaml", Line: 5, Index: 3}}}
	var got []string
	for _, e := range Lint([]*Scenario{sc, nil}) {
		got = append(got, e.Error())
	}
	want := []string{
		"x.yaml:3: step 1 has no actor",
		`x.yaml:4: step 2: unknown actor "zed"`,
		"x.yaml:5: alice: the step does nothing",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
