package match

import "testing"

func TestRegex(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "search", yaml: `{$regex: "^[0-9A-F]{16}$"}`, actual: `"00048AAB1D2F0001"`},
		{name: "unanchored", yaml: `{$regex: agent}`, actual: `"the agent1"`},
		{name: "miss", yaml: `{id: {$regex: "^[0-9]+$"}}`, actual: `{"id":"abc"}`,
			wantErr: `/id: expected a string matching "^[0-9]+$", got "abc"`},
		{name: "not a string", yaml: `{$regex: "1"}`, actual: `1`, wantErr: `expected a string matching "1", got number 1`},
		{name: "missing key", yaml: `{id: {$regex: x}}`, actual: `{}`, wantErr: `/id: missing`},
	})
}

func TestType(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "string", yaml: `{$type: string}`, actual: `"x"`},
		{name: "number", yaml: `{$type: number}`, actual: `1.5`},
		{name: "integer", yaml: `{$type: integer}`, actual: `2`},
		{name: "integer written as float", yaml: `{$type: integer}`, actual: `2.0`},
		{name: "integer miss", yaml: `{$type: integer}`, actual: `2.5`, wantErr: `expected integer, got 2.5`},
		{name: "integer not a number", yaml: `{$type: integer}`, actual: `"2"`, wantErr: `expected integer, got string "2"`},
		{name: "boolean", yaml: `{$type: boolean}`, actual: `false`},
		{name: "object", yaml: `{$type: object}`, actual: `{}`},
		{name: "array", yaml: `{$type: array}`, actual: `[1]`},
		{name: "null", yaml: `{$type: null}`, actual: `null`},
		{name: "miss", yaml: `{chat: {$type: object}}`, actual: `{"chat":[1,2]}`, wantErr: `/chat: expected object, got array [1,2]`},
		{name: "missing", yaml: `{chat: {$type: null}}`, actual: `{}`, wantErr: `/chat: missing`},
	})
}

func TestAny(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "anything", yaml: `{a: {$any: true}}`, actual: `{"a":[1,{"b":null}]}`},
		{name: "null is present", yaml: `{a: {$any: true}}`, actual: `{"a":null}`},
		{name: "missing", yaml: `{a: {$any: true}}`, actual: `{"b":1}`, wantErr: `/a: missing`},
	})
}

func TestAbsent(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "absent", yaml: `{chat: {$absent: true}}`, actual: `{"x":1}`},
		{name: "present", yaml: `{chat: {$absent: true}}`, actual: `{"chat":{"id":"1"}}`,
			wantErr: `/chat: expected absent, got {"id":"1"}`},
		{name: "null is not absent", yaml: `{chat: {$absent: true}}`, actual: `{"chat":null}`,
			wantErr: `/chat: expected absent, got null`},
		{name: "not absent requires the key", yaml: `{chat: {$not: {$absent: true}}}`, actual: `{}`,
			wantErr: `/chat: missing`},
		{name: "not absent with key", yaml: `{chat: {$not: {$absent: true}}}`, actual: `{"chat":1}`},
		{name: "oneOf absent or null", yaml: `{e: {$oneOf: [{$absent: true}, null]}}`, actual: `{"e":null}`},
		{name: "oneOf absent or null, absent", yaml: `{e: {$oneOf: [{$absent: true}, null]}}`, actual: `{}`},
		{name: "oneOf absent or null, miss", yaml: `{e: {$oneOf: [{$absent: true}, null]}}`, actual: `{"e":3}`,
			wantErr: `/e: expected one of [{$absent: true}, null], got 3`},
	})
}

func TestContains(t *testing.T) {
	const messages = `{"messages":[
		{"type":"ParticipantJoined","visibility":"All","index":0},
		{"type":"Text","visibility":"All","text":"hi","index":1},
		{"type":"ParticipantJoined","visibility":"All","index":2}]}`
	runMatchCases(t, []matchCase{
		{name: "any order", yaml: `{messages: {$contains: [{type: Text}, {type: ParticipantJoined}]}}`, actual: messages},
		{name: "single matcher without list", yaml: `{messages: {$contains: {text: hi}}}`, actual: messages},
		{name: "distinct elements", yaml: `{messages: {$contains: [{type: ParticipantJoined}, {type: ParticipantJoined}]}}`, actual: messages},
		{name: "needs distinct elements", yaml: `{messages: {$contains: [{type: Text}, {text: hi}]}}`, actual: messages,
			wantErr: `/messages: no distinct elements match all of [{type: Text}, {text: hi}] (3 elements)`},
		{name: "no element", yaml: `{messages: {$contains: [{type: ParticipantJoined, visibility: Agents}]}}`, actual: messages,
			wantErr: `/messages: no element matches {type: ParticipantJoined, visibility: Agents} (3 elements); nearest /messages/0/visibility: expected "Agents", got "All"`},
		{name: "nearest is the element that matched more fields", yaml: `{$contains: {type: Agent, nickname: Alice}}`,
			actual:  `[{"type":"Customer","nickname":"Carol"},{"type":"Agent","nickname":"alice"}]`,
			wantErr: `no element matches {type: Agent, nickname: Alice} (2 elements); nearest /1/nickname: expected "Alice", got "alice"`},
		{name: "nearest is the deeper mismatch", yaml: `{$contains: {from: {type: Agent}}}`,
			actual:  `[{"type":"Agent"},{"from":{"type":"Customer"}}]`,
			wantErr: `no element matches {from: {type: Agent}} (2 elements); nearest /1/from/type: expected "Agent", got "Customer"`},
		{name: "scalars name no nearest", yaml: `{capabilities: {$contains: [Leave]}}`, actual: `{"capabilities":["Reject","Accept"]}`,
			wantErr: `/capabilities: no element matches Leave (2 elements)`},
		{name: "assignment needs backtracking", yaml: `{$contains: [{$any: true}, 1]}`, actual: `[1, 2]`},
		{name: "scalars", yaml: `{capabilities: {$contains: [Accept]}}`, actual: `{"capabilities":["Reject","Accept"]}`},
		{name: "not an array", yaml: `{$contains: [1]}`, actual: `{"a":1}`, wantErr: `expected array, got object {"a":1}`},
		{name: "empty list matches any array", yaml: `{$contains: []}`, actual: `[]`},
	})
}

func TestExact(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "same keys", yaml: `{$exact: {statusCode: 0}}`, actual: `{"statusCode":0}`},
		{name: "extra key", yaml: `{body: {$exact: {statusCode: 0}}}`, actual: `{"body":{"statusCode":0,"referenceId":3}}`,
			wantErr: `/body: unexpected key "referenceId"`},
		{name: "extra keys", yaml: `{$exact: {}}`, actual: `{"b":1,"a":2}`, wantErr: `unexpected keys "a", "b"`},
		{name: "nested maps strict", yaml: `{$exact: {chat: {id: "1"}}}`, actual: `{"chat":{"id":"1","x":1}}`,
			wantErr: `/chat: unexpected key "x"`},
		{name: "lists of maps strict", yaml: `{$exact: [{a: 1}]}`, actual: `[{"a":1,"b":2}]`, wantErr: `/0: unexpected key "b"`},
		{name: "operators inside still work", yaml: `{$exact: {id: {$type: string}, n: {$range: [0, null]}}}`, actual: `{"id":"x","n":5}`},
		{name: "operator operands are not strict", yaml: `{$exact: {m: {$contains: [{a: 1}]}}}`, actual: `{"m":[{"a":1,"b":2}]}`},
		{name: "scalar", yaml: `{$exact: 3}`, actual: `3`},
		{name: "absent still allowed", yaml: `{$exact: {a: 1, b: {$absent: true}}}`, actual: `{"a":1}`},
	})
}

func TestRange(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "inside", yaml: `{$range: [400, 499]}`, actual: `403`},
		{name: "inclusive low", yaml: `{$range: [400, 499]}`, actual: `400`},
		{name: "inclusive high", yaml: `{$range: [400, 499]}`, actual: `499`},
		{name: "above", yaml: `{status: {$range: [400, 499]}}`, actual: `{"status":500}`,
			wantErr: `/status: expected number in [400, 499], got 500`},
		{name: "open max", yaml: `{$range: [1, null]}`, actual: `1e9`},
		{name: "open min", yaml: `{$range: [null, 0.5]}`, actual: `-3`},
		{name: "fractions", yaml: `{$range: [0.5, 1.5]}`, actual: `0.4`, wantErr: `expected number in [0.5, 1.5], got 0.4`},
		{name: "not a number", yaml: `{$range: [0, 1]}`, actual: `"1"`, wantErr: `expected number in [0, 1], got string "1"`},
	})
}

func TestTimestamp(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "GWS offset without colon", yaml: `{$timestamp: true}`, actual: `"2014-01-02T14:23:18.000-0800"`},
		{name: "space separator", yaml: `{$timestamp: true}`, actual: `"2014-01-09 11:58:12.035+0200"`},
		{name: "RFC 3339", yaml: `{$timestamp: true}`, actual: `"2014-01-02T14:23:18Z"`},
		{name: "RFC 3339 nano", yaml: `{$timestamp: true}`, actual: `"2014-01-02T14:23:18.123456789+05:30"`},
		{name: "epoch ms", yaml: `{$timestamp: true}`, actual: `1388701398000`},
		{name: "no zone", yaml: `{startedAt: {$timestamp: true}}`, actual: `{"startedAt":"2014-01-02T14:23:18"}`,
			wantErr: `/startedAt: expected a timestamp (RFC 3339-like or epoch ms), got "2014-01-02T14:23:18"`},
		{name: "not a date", yaml: `{$timestamp: true}`, actual: `"yesterday"`,
			wantErr: `expected a timestamp (RFC 3339-like or epoch ms), got "yesterday"`},
		{name: "fractional number", yaml: `{$timestamp: true}`, actual: `1.5`,
			wantErr: `expected a timestamp (epoch ms is a non-negative integer), got 1.5`},
		{name: "bool", yaml: `{$timestamp: true}`, actual: `true`,
			wantErr: `expected a timestamp (RFC 3339-like or epoch ms), got boolean true`},
	})
}

func TestNot(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "differs", yaml: `{state: {$not: Idle}}`, actual: `{"state":"Chatting"}`},
		{name: "equal", yaml: `{state: {$not: Idle}}`, actual: `{"state":"Idle"}`, wantErr: `/state: expected not Idle, got "Idle"`},
		{name: "not regex", yaml: `{$not: {$regex: "^x"}}`, actual: `"xyz"`, wantErr: `expected not {$regex: "^x"}, got "xyz"`},
		{name: "missing key fails", yaml: `{state: {$not: Idle}}`, actual: `{}`, wantErr: `/state: missing`},
		{name: "undefined variable is an error", yaml: `{$not: "{{nope}}"}`, actual: `1`, wantErr: `undefined variable {{nope}}`},
	})
}

func TestOneOf(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "first", yaml: `{$oneOf: [Chatting, Invited]}`, actual: `"Chatting"`},
		{name: "second", yaml: `{$oneOf: [Chatting, {$regex: "^Inv"}]}`, actual: `"Invited"`},
		{name: "none", yaml: `{chat: {state: {$oneOf: [Chatting, Invited]}}}`, actual: `{"chat":{"state":"Idle"}}`,
			wantErr: `/chat/state: expected one of [Chatting, Invited], got "Idle"`},
		{name: "missing", yaml: `{a: {$oneOf: [1, 2]}}`, actual: `{}`, wantErr: `/a: expected one of [1, 2], got missing`},
	})
}

func TestLen(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "array", yaml: `{$len: 2}`, actual: `[1, 2]`},
		{name: "array miss", yaml: `{messages: {$len: 3}}`, actual: `{"messages":[1,2]}`, wantErr: `/messages: expected length 3, got 2`},
		{name: "object", yaml: `{$len: 1}`, actual: `{"a":null}`},
		{name: "string counts characters", yaml: `{$len: 3}`, actual: `"héé"`},
		{name: "matcher count", yaml: `{$len: {$range: [1, null]}}`, actual: `[0]`},
		{name: "matcher count miss", yaml: `{$len: {$range: [1, null]}}`, actual: `[]`, wantErr: `expected length {$range: [1, null]}, got 0`},
		{name: "no length", yaml: `{$len: 1}`, actual: `true`, wantErr: `expected something with a length, got boolean true`},
	})
}
