package recorder

import (
	"bytes"
	"encoding/json"
)

// wireMessage is the part of a Bayeux message the recording keeps.
type wireMessage struct {
	Channel    string          `json:"channel"`
	ClientID   string          `json:"clientId"`
	ID         json.RawMessage `json:"id"`
	Successful *bool           `json:"successful"`
	Error      string          `json:"error"`
	Data       json.RawMessage `json:"data"`
}

// splitBayeux turns a Bayeux exchange into its messages: those the client sent (at the
// exchange's start) and those it received (when the target's answer reached the proxy,
// see Exchange.AnsweredMs). Server messages without a clientId (events) take the
// client's, so every message names its session.
func splitBayeux(x *Exchange) []*BayeuxMessage {
	sent := parseBayeuxBody(x.Request.Body.JSON)
	received := parseBayeuxBody(x.Response.Body.JSON)
	clientID := ""
	for _, m := range sent {
		if m.ClientID != "" {
			clientID = m.ClientID
			break
		}
	}
	if clientID == "" { // a handshake: the reply assigns it
		for _, m := range received {
			if m.ClientID != "" {
				clientID = m.ClientID
				break
			}
		}
	}
	var out []*BayeuxMessage
	add := func(msgs []wireMessage, dir string, at float64) {
		for i, m := range msgs {
			bm := &BayeuxMessage{
				Seq: x.Seq, Index: i, AtMs: at, Account: x.Account, Direction: dir,
				ClientID: m.ClientID, Channel: m.Channel, ID: idString(m.ID),
				Successful: m.Successful, Error: m.Error, Data: m.Data,
			}
			if bm.ClientID == "" {
				bm.ClientID = clientID
			}
			out = append(out, bm)
		}
	}
	add(sent, ToServer, x.StartMs)
	add(received, ToClient, x.AnsweredMs())
	return out
}

// parseBayeuxBody accepts an array of messages or a single message.
func parseBayeuxBody(raw []byte) []wireMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '{' {
		var m wireMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
		return []wireMessage{m}
	}
	var msgs []wireMessage
	if json.Unmarshal(raw, &msgs) != nil {
		return nil
	}
	return msgs
}

func idString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
